package live

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	fakediscovery "k8s.io/client-go/discovery/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

func TestParseDeprecatedAPIMetrics(t *testing.T) {
	text := `# HELP apiserver_requested_deprecated_apis [STABLE] Gauge of deprecated APIs that have been requested, broken out by API group, version, resource, subresource, and removed_release.
# TYPE apiserver_requested_deprecated_apis gauge
apiserver_requested_deprecated_apis{group="networking.k8s.io",removed_release="1.22",resource="ingresses",subresource="",version="v1beta1"} 1
apiserver_requested_deprecated_apis{group="",removed_release="",resource="componentstatuses",subresource="",version="v1"} 1
apiserver_requested_deprecated_apis{group="batch",removed_release="1.25",resource="cronjobs",subresource="status",version="v1beta1"} 0
apiserver_requested_deprecated_apis_other{group="x",version="v1"} 1
apiserver_requested_deprecated_apis{group="broken
apiserver_request_total{code="200",group="apps",resource="deployments",version="v1"} 42
`
	got, err := ParseDeprecatedAPIMetrics(strings.NewReader(text), "")
	if err != nil {
		t.Fatal(err)
	}
	want := []inventory.APIUse{
		{APIVersion: "networking.k8s.io/v1beta1", Resource: "ingresses", How: "apiserver_requested_deprecated_apis", Detail: "requested since the API server started; removed in 1.22"},
		{APIVersion: "v1", Resource: "componentstatuses", How: "apiserver_requested_deprecated_apis", Detail: "requested since the API server started"},
	}
	sort.Slice(want, func(i, j int) bool { return want[i].APIVersion < want[j].APIVersion })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestSplitSampleEscapes(t *testing.T) {
	labels, v, ok := splitSample(`{a="x\"y",b="line\nnext",c="back\\slash"} 2.5`)
	if !ok || v != 2.5 {
		t.Fatalf("splitSample: ok=%v v=%v", ok, v)
	}
	want := map[string]string{"a": `x"y`, "b": "line\nnext", "c": `back\slash`}
	if diff := cmp.Diff(want, labels); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{`{a="x"`, `{a=x} 1`, `{a="x"}`, `{a="x"} one`, `a="x"} 1`} {
		if _, _, ok := splitSample(bad); ok {
			t.Errorf("splitSample(%q) accepted a malformed sample", bad)
		}
	}
}

func TestParseAuditLog(t *testing.T) {
	log := strings.Join([]string{
		`{"stage":"RequestReceived","user":{"username":"alice"},"userAgent":"kubectl/v1.18","objectRef":{"resource":"deployments","apiGroup":"extensions","apiVersion":"v1beta1"}}`,
		`{"stage":"ResponseComplete","user":{"username":"alice"},"userAgent":"kubectl/v1.18","objectRef":{"resource":"deployments","apiGroup":"extensions","apiVersion":"v1beta1"},"stageTimestamp":"2020-01-01T00:00:00Z"}`,
		``,
		`not json`,
		`{"stage":"ResponseComplete","user":{"username":"alice"},"userAgent":"kubectl/v1.18","objectRef":{"resource":"deployments","apiGroup":"extensions","apiVersion":"v1beta1"},"stageTimestamp":"2020-01-03T00:00:00Z"}`,
		`{"stage":"ResponseComplete","user":{"username":"system:serviceaccount:ci:deployer"},"userAgent":"helm/3.2","objectRef":{"resource":"podsecuritypolicies","apiGroup":"policy","apiVersion":"v1beta1"},"stageTimestamp":"2020-01-02T00:00:00Z"}`,
		`{"stage":"ResponseComplete","user":{"username":"bob"},"requestURI":"/healthz"}`,
		`{"stage":"ResponseComplete","user":{"username":"bob"},"objectRef":{"resource":"pods","apiVersion":"v1"}}`,
	}, "\n")
	uses, errs := ParseAuditLog(strings.NewReader(log), "audit.log")
	want := []inventory.APIUse{
		{APIVersion: "extensions/v1beta1", Resource: "deployments", How: "audit-log", Detail: `user alice, user agent "kubectl/v1.18", 2 request(s), last at 2020-01-03T00:00:00Z`, Source: findings.Source{Path: "audit.log", Line: 2}},
		{APIVersion: "policy/v1beta1", Resource: "podsecuritypolicies", How: "audit-log", Detail: `user system:serviceaccount:ci:deployer, user agent "helm/3.2", 1 request(s), last at 2020-01-02T00:00:00Z`, Source: findings.Source{Path: "audit.log", Line: 6}},
		{APIVersion: "v1", Resource: "pods", How: "audit-log", Detail: `user bob, user agent "", 1 request(s)`, Source: findings.Source{Path: "audit.log", Line: 8}},
	}
	if diff := cmp.Diff(want, uses); diff != "" {
		t.Errorf("uses (-want +got):\n%s", diff)
	}
	if len(errs) != 1 || errs[0].Source.Line != 4 {
		t.Errorf("input errors = %+v, want one at line 4", errs)
	}
}

func FuzzParseAuditLog(f *testing.F) {
	f.Add(`{"stage":"ResponseComplete","objectRef":{"resource":"x","apiVersion":"v1"}}` + "\n{")
	f.Fuzz(func(t *testing.T, s string) {
		ParseAuditLog(strings.NewReader(s), "f")
	})
}

func FuzzParseDeprecatedAPIMetrics(f *testing.F) {
	f.Add(`apiserver_requested_deprecated_apis{group="a",version="v1",resource="r"} 1`)
	f.Fuzz(func(t *testing.T, s string) {
		ParseDeprecatedAPIMetrics(strings.NewReader(s), "")
	})
}

func TestRedactSecret(t *testing.T) {
	applied := `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"n"},"type":"kubernetes.io/tls","data":{"tls.crt":"Q0VSVA==","tls.key":"S0VZ"},"stringData":{"extra":"plain-value"}}`
	body := map[string]any{
		"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
		"metadata":   map[string]any{"name": "s", "namespace": "n", "annotations": map[string]any{lastAppliedAnnotation: applied}},
		"data":       map[string]any{"tls.crt": "Q0VSVA==", "tls.key": "S0VZ", "ca.crt": "Q0E="},
		"stringData": map[string]any{"extra": "plain-value"},
	}
	RedactSecret(body, keepCertificates)
	if diff := cmp.Diff(map[string]any{"tls.crt": "Q0VSVA==", "ca.crt": "Q0E="}, body["data"]); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	if _, ok := body["stringData"]; ok {
		t.Errorf("stringData kept")
	}
	la := body["metadata"].(map[string]any)["annotations"].(map[string]any)[lastAppliedAnnotation].(string)
	if strings.Contains(la, "S0VZ") || strings.Contains(la, "plain-value") || strings.Contains(la, "Q0VSVA==") {
		t.Errorf("last-applied annotation still holds values: %s", la)
	}
	var kept map[string]any
	if err := json.Unmarshal([]byte(la), &kept); err != nil || kept["apiVersion"] != "v1" || kept["kind"] != "Secret" {
		t.Errorf("last-applied annotation lost the evidence (apiVersion, kind): %s", la)
	}

	plain := map[string]any{"kind": "Secret", "data": map[string]any{"password": "cGFzcw=="}, "metadata": map[string]any{
		"annotations": map[string]any{lastAppliedAnnotation: "{not json"},
	}}
	RedactSecret(plain, keepNothing)
	if _, ok := plain["data"]; ok {
		t.Errorf("data kept with keepNothing: %v", plain["data"])
	}
	if la := plain["metadata"].(map[string]any)["annotations"].(map[string]any)[lastAppliedAnnotation]; la != "" {
		t.Errorf("an unparseable last-applied annotation was kept: %v", la)
	}
}

func TestSecretKeep(t *testing.T) {
	helm := map[string]any{"type": "helm.sh/release.v1", "metadata": map[string]any{"labels": map[string]any{"owner": "helm"}}}
	tls := map[string]any{"type": "kubernetes.io/tls"}
	opaque := map[string]any{"type": "Opaque"}
	for _, c := range []struct {
		body map[string]any
		key  string
		want bool
	}{
		{helm, "release", true}, {helm, "other", false},
		{tls, "tls.crt", true}, {tls, "ca.crt", true}, {tls, "tls.key", false},
		{opaque, "tls.crt", false},
	} {
		if got := secretKeep(c.body)(c.key); got != c.want {
			t.Errorf("secretKeep(%v)(%q) = %v, want %v", c.body["type"], c.key, got, c.want)
		}
	}
}

func resourceList(gv string, rs ...metav1.APIResource) *metav1.APIResourceList {
	for i := range rs {
		if rs[i].Verbs == nil {
			rs[i].Verbs = metav1.Verbs{"get", "list", "watch"}
		}
	}
	return &metav1.APIResourceList{GroupVersion: gv, APIResources: rs}
}

func TestDiscover(t *testing.T) {
	fake := &fakediscovery.FakeDiscovery{Fake: &clienttesting.Fake{}}
	fake.Resources = []*metav1.APIResourceList{
		resourceList("v1",
			metav1.APIResource{Name: "pods", Kind: "Pod", Namespaced: true},
			metav1.APIResource{Name: "pods/status", Kind: "Pod", Namespaced: true},
			metav1.APIResource{Name: "events", Kind: "Event", Namespaced: true},
			metav1.APIResource{Name: "bindings", Kind: "Binding", Namespaced: true, Verbs: metav1.Verbs{"create"}},
			metav1.APIResource{Name: "nodes", Kind: "Node"}),
		resourceList("extensions/v1beta1",
			metav1.APIResource{Name: "deployments", Kind: "Deployment", Namespaced: true},
			metav1.APIResource{Name: "podsecuritypolicies", Kind: "PodSecurityPolicy"}),
		resourceList("apps/v1", metav1.APIResource{Name: "deployments", Kind: "Deployment", Namespaced: true}),
		resourceList("apps/v1beta2", metav1.APIResource{Name: "deployments", Kind: "Deployment", Namespaced: true}),
		// batch/v1 is preferred but cronjobs are served only by v1beta1 (1.20).
		resourceList("batch/v1", metav1.APIResource{Name: "jobs", Kind: "Job", Namespaced: true}),
		resourceList("batch/v1beta1", metav1.APIResource{Name: "cronjobs", Kind: "CronJob", Namespaced: true}),
	}
	rs, unchecked, err := discover(fake)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.String()+" "+r.apiVersion())
	}
	sort.Strings(got)
	want := []string{
		"cronjobs.batch batch/v1beta1",
		"deployments.apps apps/v1",
		"jobs.batch batch/v1",
		"nodes v1",
		"pods v1",
		// Only extensions serves PodSecurityPolicy here: it is kept.
		"podsecuritypolicies.extensions extensions/v1beta1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resources (-want +got):\n%s", diff)
	}
	if len(unchecked) != 0 {
		t.Errorf("unchecked = %+v", unchecked)
	}
}

func TestDiscoverGroupFailure(t *testing.T) {
	fake := &fakediscovery.FakeDiscovery{Fake: &clienttesting.Fake{}}
	fake.Resources = []*metav1.APIResourceList{resourceList("v1", metav1.APIResource{Name: "pods", Kind: "Pod", Namespaced: true})}
	failed := schema.GroupVersion{Group: "metrics.k8s.io", Version: "v1beta1"}
	fake.AddReactor("get", "resource", func(clienttesting.Action) (bool, runtime.Object, error) {
		return true, nil, &discovery.ErrGroupDiscoveryFailed{Groups: map[schema.GroupVersion]error{failed: errors.New("the server is currently unable to handle the request")}}
	})
	rs, unchecked, err := discover(fake)
	if err != nil {
		t.Fatalf("a failed aggregated group must not fail the scan: %v", err)
	}
	if len(rs) != 1 || rs[0].gvr.Resource != "pods" {
		t.Errorf("resources = %+v, want pods", rs)
	}
	if len(unchecked) != 1 || unchecked[0].What != "API group metrics.k8s.io/v1beta1" || !strings.Contains(unchecked[0].Reason, "unable to handle") {
		t.Errorf("unchecked = %+v", unchecked)
	}
}

func TestPlanReadsWholeObjectsOnlyWhereRulesNeedThem(t *testing.T) {
	rs := []resource{
		{gvr: schema.GroupVersionResource{Version: "v1", Resource: "secrets"}, kind: "Secret", namespaced: true},
		{gvr: schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, kind: "ConfigMap", namespaced: true},
		{gvr: schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}, kind: "ReplicaSet", namespaced: true},
		{gvr: schema.GroupVersionResource{Version: "v1", Resource: "nodes"}, kind: "Node"},
	}
	var got []string
	for _, j := range plan(rs, []string{"team-a"}) {
		got = append(got, j.describe()+map[bool]string{true: " [whole]", false: " [metadata]"}[j.full])
	}
	want := []string{
		"secrets (v1) in namespace team-a [metadata]",
		"secrets (v1) in namespace team-a with labels owner=helm,status=deployed [whole]",
		"configmaps (v1) in namespace team-a [metadata]",
		"configmaps (v1) in namespace kube-system [whole]",
		"configmaps (v1) in namespace team-a with labels owner=helm,status=deployed [whole]",
		"replicasets.apps (apps/v1) in namespace team-a [metadata]",
		"nodes (v1) [metadata]",
		"nodes (v1) [whole]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestMergePrefersWholeObjects(t *testing.T) {
	meta := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"uid": "u1", "name": "a"}}
	whole := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"uid": "u1", "name": "a"}, "data": map[string]any{"k": "v"}}
	denied := findings.Unchecked{What: "secrets (v1) in all namespaces", Reason: "forbidden"}
	c := &Cluster{}
	got := merge([]listResult{
		{job: listJob{full: true}, bodies: []map[string]any{whole}},
		{job: listJob{}, bodies: []map[string]any{meta}},
		{unchecked: &denied}, {unchecked: &denied},
	}, c)
	if len(got) != 1 || got["u1"]["data"] == nil {
		t.Errorf("merge = %v, want the whole object", got)
	}
	if len(c.Unchecked) != 1 {
		t.Errorf("Unchecked = %+v, want the denial once", c.Unchecked)
	}
}

func TestWriteSnapshot(t *testing.T) {
	dir := t.TempDir()
	c := &Cluster{
		ServerVersion: "v1.21.14", Host: "https://10.0.0.1:6443",
		Bodies: []map[string]any{
			{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "a", "namespace": "n"}},
			{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "b", "namespace": "kube-system"}},
			{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c", "namespace": "kube-system"}},
		},
		APIUses:   []inventory.APIUse{{APIVersion: "batch/v1beta1", Resource: "cronjobs", How: deprecatedAPIsMetric}},
		Unchecked: []findings.Unchecked{{What: "secrets", Reason: "forbidden"}},
	}
	at := time.Date(2021, 7, 1, 12, 0, 0, 0, time.UTC)
	if err := WriteSnapshot(c, dir, at); err != nil {
		t.Fatal(err)
	}
	cm, err := os.ReadFile(filepath.Join(dir, "cluster", "core", "configmap.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(cm), "---\n") != 2 || !strings.Contains(string(cm), "name: c") {
		t.Errorf("cluster/core/configmap.yaml:\n%s", cm)
	}
	if _, err := os.Stat(filepath.Join(dir, "cluster", "apps", "deployment.yaml")); err != nil {
		t.Error(err)
	}
	f, err := os.Open(filepath.Join(dir, "snapshot.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	meta, err := ReadSnapshotMeta(f)
	if err != nil {
		t.Fatal(err)
	}
	want := &SnapshotMeta{
		ServerVersion: "v1.21.14", CollectedAt: at, CollectedFrom: "https://10.0.0.1:6443",
		APIUses:   []SnapshotAPIUse{{APIVersion: "batch/v1beta1", Resource: "cronjobs", How: deprecatedAPIsMetric}},
		Unchecked: []findings.Unchecked{{What: "secrets", Reason: "forbidden"}},
	}
	if diff := cmp.Diff(want, meta); diff != "" {
		t.Errorf("snapshot.yaml (-want +got):\n%s", diff)
	}
	if err := WriteSnapshot(c, dir, at); err == nil {
		t.Errorf("WriteSnapshot into an existing snapshot succeeded; it must not merge")
	}
}

func TestCopyNodeRoot(t *testing.T) {
	root := t.TempDir()
	files := map[string]string{
		"etc/kubernetes/manifests/kube-apiserver.yaml":         "apiVersion: v1\nkind: Pod\n",
		"etc/kubernetes/admin.conf":                            "client-key-data: SECRET\n",
		"etc/kubernetes/pki/ca.key":                            "KEY\n",
		"etc/systemd/system/kubelet.service.d/10-kubeadm.conf": "[Service]\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/etc/kubelet/custom.yaml\"\n",
		"etc/kubelet/custom.yaml":                              "kind: KubeletConfiguration\n",
		"var/lib/kubelet/kubeadm-flags.env":                    "KUBELET_KUBEADM_ARGS=--network-plugin=cni\n",
		"var/lib/kubelet/pki/kubelet.key":                      "KEY\n",
		"lib/systemd/system/kubelet.service":                   "[Service]\nExecStart=/usr/bin/kubelet\n",
		"etc/systemd/system/kubelet.service.d/20-escape.conf":  "[Service]\nEnvironment=\"X=--config=../../../../etc/shadow\"\n",
	}
	for p, content := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	got, err := CopyNodeRoot(root, out, "cp-0")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	want := []string{
		"etc/kubelet/custom.yaml",
		"etc/kubernetes/manifests/kube-apiserver.yaml",
		"etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
		"etc/systemd/system/kubelet.service.d/20-escape.conf",
		"lib/systemd/system/kubelet.service",
		"var/lib/kubelet/kubeadm-flags.env",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("copied (-want +got):\n%s", diff)
	}
	for _, secret := range []string{"etc/kubernetes/admin.conf", "etc/kubernetes/pki/ca.key", "var/lib/kubelet/pki/kubelet.key"} {
		if _, err := os.Stat(filepath.Join(out, "nodes", "cp-0", secret)); err == nil {
			t.Errorf("%s was copied", secret)
		}
	}
	if _, err := CopyNodeRoot(root, out, "../x"); err == nil {
		t.Errorf("a node name with a path separator was accepted")
	}
}

func TestWithoutOwnReads(t *testing.T) {
	uses := []inventory.APIUse{
		{APIVersion: "policy/v1beta1", Resource: "podsecuritypolicies", How: deprecatedAPIsMetric},
		{APIVersion: "networking.k8s.io/v1beta1", Resource: "ingresses", How: deprecatedAPIsMetric},
		{APIVersion: "policy/v1beta1", Resource: "podsecuritypolicies", How: "audit-log"},
	}
	listed := []resource{
		{gvr: schema.GroupVersionResource{Group: "policy", Version: "v1beta1", Resource: "podsecuritypolicies"}},
		{gvr: schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}},
	}
	kept, unchecked := withoutOwnReads(uses, listed)
	if diff := cmp.Diff(uses[1:], kept); diff != "" {
		t.Errorf("kept (-want +got):\n%s", diff)
	}
	if len(unchecked) != 1 || !strings.Contains(unchecked[0].What, "policy/v1beta1 podsecuritypolicies") {
		t.Errorf("unchecked = %+v", unchecked)
	}
}

func TestReadAuditLogFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.log")
	bad := filepath.Join(dir, "bad.log")
	event := `{"stage":"ResponseComplete","user":{"username":"u"},"objectRef":{"resource":"ingresses","apiGroup":"extensions","apiVersion":"v1beta1"}}`
	if err := os.WriteFile(good, []byte(event+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte(event+"\n{truncated\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	uses, err := ReadAuditLogFile(good)
	if err != nil || len(uses) != 1 || uses[0].APIVersion != "extensions/v1beta1" {
		t.Errorf("ReadAuditLogFile(good) = %+v, %v", uses, err)
	}
	if _, err := ReadAuditLogFile(bad); err == nil || !strings.Contains(err.Error(), "bad.log:2") {
		t.Errorf("ReadAuditLogFile(bad) error = %v, want one naming line 2", err)
	}
	if _, err := ReadAuditLogFile(filepath.Join(dir, "missing.log")); err == nil {
		t.Errorf("a missing audit log was accepted")
	}
}
