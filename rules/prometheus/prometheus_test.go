package prometheus

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/rules/ruletest"
	"github.com/upgrade-lint/upgrade-lint/scanner"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

func TestScenarios(t *testing.T) {
	// Until scanner.Scan reads snapshots the scenarios cannot run; the tests below build
	// inventories by hand.
	if _, err := scanner.Scan(context.Background(), scanner.Options{Snapshot: t.TempDir()}); err != nil {
		t.Skipf("scanner: %v", err)
	}
	ruletest.Run(t, "testdata", Query, Target)
}

const demoRules = `groups:
  - name: capacity
    rules:
      - record: namespace:container_memory_usage_bytes:sum
        expr: sum by (namespace, container_name) (container_memory_usage_bytes{container_name!="POD", container_name!="", pod_name!=""})
      - alert: PodCPUThrottled
        expr: sum by (namespace, pod_name) (rate(container_cpu_cfs_throttled_seconds_total[5m])) > 1
      - alert: APIServerErrors
        expr: sum(rate(apiserver_request_count{code=~"5.."}[5m])) / sum(rate(apiserver_request_count[5m])) > 0.05
      - alert: LatencyHigh
        expr: histogram_quantile(0.99, sum by (le) (rate(apiserver_request_latencies_bucket[5m]))) > 1
      - alert: NodeMemoryHigh
        expr: (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes) > 0.9
`

func ruleFileQueries(t *testing.T, text string) []inventory.PromQuery {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(text), &n); err != nil {
		t.Fatal(err)
	}
	groups := inventory.NodeAt(&n, "groups")
	return inventory.RuleGroupQueries(groups, inventory.Source{Path: "prometheus/rules.yaml"})
}

func plan(from, to int) *rules.Plan {
	var hops []knowledge.Hop
	for m := from; m < to; m++ {
		hops = append(hops, knowledge.Hop{From: knowledge.V(m), To: knowledge.V(m + 1)})
	}
	return &rules.Plan{From: knowledge.V(from), To: knowledge.V(to), Hops: hops}
}

type got struct {
	Hop, Subject string
	Severity     findings.Severity
	Line         int
}

func summarize(fs []findings.Finding) []got {
	var out []got
	for _, f := range fs {
		out = append(out, got{f.Hop, f.Subject, f.Severity, f.Source.Line})
	}
	return out
}

func TestQueriesAtTheirHops(t *testing.T) {
	inv := &inventory.Inventory{PromQueries: ruleFileQueries(t, demoRules)}
	inv.PromQueries = append(inv.PromQueries, inventory.PromQuery{
		Expr: `sum by (pod_name) (rate(container_cpu_usage_seconds_total{namespace="$namespace", container_name!="POD"}[$__rate_interval]))`,
		Name: "CPU by pod", Kind: "dashboard", Source: inventory.Source{Path: "prometheus/dash.json", Line: 9}})
	fs := rules.Run([]*rules.Rule{Query}, plan(14, 21), knowledge.MustDefault(), inv)
	want := []got{
		{"1.15->1.16", "container_name", findings.Error, 5},
		{"1.15->1.16", "pod_name", findings.Error, 5},
		{"1.15->1.16", "pod_name", findings.Error, 7},
		{"1.15->1.16", "container_name", findings.Warning, 9},
		{"1.15->1.16", "pod_name", findings.Warning, 9},
		{"1.16->1.17", "apiserver_request_count", findings.Error, 9},
		{"1.16->1.17", "apiserver_request_latencies_bucket", findings.Error, 11},
	}
	if diff := cmp.Diff(want, summarize(fs)); diff != "" {
		t.Fatalf("findings (-want +got):\n%s", diff)
	}
	for _, f := range fs {
		switch f.Subject {
		case "container_name":
			wantFix := `sum by (namespace, container) (container_memory_usage_bytes{container!="",container!="POD",pod!=""})`
			if f.Source.Line == 5 && !strings.Contains(f.Fix, wantFix) {
				t.Errorf("container_name fix lacks the rewritten expression %s:\n%s", wantFix, f.Fix)
			}
		case "pod_name":
			// A Grafana-templated expression is parsed, but not rewritten with placeholders.
			if f.Severity == findings.Warning && strings.Contains(f.Fix, "[5m]") {
				t.Errorf("dashboard fix prints Grafana's variable as a placeholder:\n%s", f.Fix)
			}
		case "apiserver_request_count":
			if !strings.Contains(f.Fix, "apiserver_request_total{code=~\"5..\"}") || strings.Contains(f.Fix, "apiserver_request_count{") {
				t.Errorf("apiserver_request_count fix: %s", f.Fix)
			}
			if !strings.Contains(f.References[0], "CHANGELOG-1.17.md:") {
				t.Errorf("reference is not the CHANGELOG line: %v", f.References)
			}
		case "apiserver_request_latencies_bucket":
			if !strings.Contains(f.Fix, "apiserver_request_duration_seconds_bucket") {
				t.Errorf("histogram series fix: %s", f.Fix)
			}
		}
	}
}

func TestUnparsableQueryIsUnchecked(t *testing.T) {
	inv := &inventory.Inventory{PromQueries: []inventory.PromQuery{{Expr: "sum(rate(x[5m]", Name: "Broken", Kind: "alert"}}}
	out := rules.RunAll([]*rules.Rule{Query}, plan(15, 17), knowledge.MustDefault(), inv)
	if len(out.Findings) != 0 || len(out.Unchecked) != 1 || !strings.Contains(out.Unchecked[0].What, "alert Broken") {
		t.Errorf("got %+v", out)
	}
}

func TestPrometheusRuleObject(t *testing.T) {
	doc := `apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: k8s
  namespace: monitoring
spec:
  groups:
  - name: k8s
    rules:
    - alert: KubeletPodStartSlow
      expr: kubelet_pod_start_latency_microseconds{quantile="0.99"} > 5e6
`
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	_ = n.Decode(&body)
	obj := &inventory.Object{APIVersion: "monitoring.coreos.com/v1", Kind: "PrometheusRule", Namespace: "monitoring", Name: "k8s",
		Body: body, Node: &n, Source: inventory.Source{Path: "cluster/monitoring/rules.yaml", Line: 1}}
	live := &inventory.Object{APIVersion: obj.APIVersion, Kind: obj.Kind, Namespace: "monitoring", Name: "live", Body: body}
	fs := rules.Run([]*rules.Rule{Query}, plan(17, 18), knowledge.MustDefault(), &inventory.Inventory{Objects: []*inventory.Object{obj, live}})
	want := []got{
		{"1.17->1.18", "kubelet_pod_start_latency_microseconds", findings.Error, 0},
		{"1.17->1.18", "kubelet_pod_start_latency_microseconds", findings.Error, 11},
	}
	if diff := cmp.Diff(want, summarize(fs)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
}

func TestAnalyze(t *testing.T) {
	e, err := parse(`sum without (instance) (rate(a{job="x"}[5m])) * on (pod) group_left (node) b`)
	if err != nil {
		t.Fatal(err)
	}
	a := analyze(e)
	want := analysis{
		metrics: []string{"a", "b"},
		labels: []labelUse{
			{"instance", []string{"a"}}, {"job", []string{"a"}},
			{"node", []string{"a", "b"}}, {"pod", []string{"a", "b"}},
		},
	}
	if diff := cmp.Diff(want, a, cmp.AllowUnexported(analysis{}, labelUse{})); diff != "" {
		t.Errorf("analysis (-want +got):\n%s", diff)
	}
}

func TestTargets(t *testing.T) {
	inv := &inventory.Inventory{ScrapeTargets: []inventory.ScrapeTarget{
		{Job: "kube-scheduler", Address: "10.20.0.10:10251", Port: 10251, How: "scrape-config", Source: inventory.Source{Path: "prometheus/prometheus.yml", Line: 9}},
		{Job: "kube-controller-manager", Address: "10.20.0.10:10252", Port: 10252, How: "scrape-config", Source: inventory.Source{Path: "prometheus/prometheus.yml", Line: 12}},
		{Job: "kube-scheduler-secure", Address: "10.20.0.10:10259", Port: 10259, Scheme: "https", How: "scrape-config", Source: inventory.Source{Path: "prometheus/prometheus.yml", Line: 15}},
	}}
	fs := rules.Run([]*rules.Rule{Target}, plan(14, 21), knowledge.MustDefault(), inv)
	want := []got{
		{"1.15->1.16", "10251", findings.Error, 9},
		{"1.15->1.16", "10252", findings.Error, 12},
	}
	if diff := cmp.Diff(want, summarize(fs)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	for _, f := range fs {
		if f.Subject == "10251" && (!strings.Contains(f.Fix, "10259") || !strings.Contains(f.Message, "--port=0")) {
			t.Errorf("10251: %s / %s", f.Message, f.Fix)
		}
	}
}

func TestServiceMonitorNamedPort(t *testing.T) {
	svc := &inventory.Object{Kind: "Service", Namespace: "kube-system", Name: "kube-scheduler-prometheus", Body: map[string]any{
		"metadata": map[string]any{"labels": map[string]any{"k8s-app": "kube-scheduler"}},
		"spec":     map[string]any{"ports": []any{map[string]any{"name": "http-metrics", "port": 10251}}},
	}}
	mon := &inventory.Object{Kind: "ServiceMonitor", Namespace: "monitoring", Name: "kube-scheduler", Body: map[string]any{
		"spec": map[string]any{
			"selector":          map[string]any{"matchLabels": map[string]any{"k8s-app": "kube-scheduler"}},
			"namespaceSelector": map[string]any{"matchNames": []any{"kube-system"}},
			"endpoints":         []any{map[string]any{"port": "http-metrics"}},
		},
	}}
	fs := rules.Run([]*rules.Rule{Target}, plan(15, 16), knowledge.MustDefault(), &inventory.Inventory{Objects: []*inventory.Object{svc, mon}})
	if len(fs) != 1 || fs[0].Subject != "10251" || fs[0].Source.Object == nil || fs[0].Source.Object.Name != "kube-scheduler" {
		t.Errorf("got %v", fs)
	}
}
