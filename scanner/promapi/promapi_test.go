package promapi

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// deprecatedAPIsExposition is what an API server's /metrics says about a deprecated API
// still in use.
const deprecatedAPIsExposition = `# HELP apiserver_requested_deprecated_apis [STABLE] Gauge of deprecated APIs that have been requested, broken out by API group, version, resource, subresource, and removed_release.
# TYPE apiserver_requested_deprecated_apis gauge
apiserver_requested_deprecated_apis{group="extensions",removed_release="1.22",resource="ingresses",subresource="",version="v1beta1"} 1
apiserver_requested_deprecated_apis{group="policy",removed_release="1.25",resource="podsecuritypolicies",subresource="",version="v1beta1"} 1
`

// prometheus is a real Prometheus on a loopback port, stopped when the test ends.
type prometheus struct {
	URL string
}

// startPrometheus runs the Debian package's prometheus binary with the rule files of
// testdata, scraping apiserver (a test server exposing apiserver metrics) and a scheduler
// target on the insecure port 10251. It skips when prometheus is not installed, unless CI
// is set.
func startPrometheus(t *testing.T, apiserver string) *prometheus {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("prometheus not installed (CI installs the Debian package): %v", err)
		}
		t.Skip("prometheus not installed: apt-get install prometheus")
	}
	dir := t.TempDir()
	rules, err := filepath.Abs(filepath.Join("testdata", "k8s-rules.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - %s
scrape_configs:
  - job_name: apiserver
    static_configs:
      - targets: ['%s']
  - job_name: kube-scheduler
    static_configs:
      - targets: ['127.0.0.1:10251']
`, rules, apiserver)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeLoopbackAddr(t)
	cmd := exec.Command(bin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--web.console.templates="+dir, "--web.console.libraries="+dir)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", log.String())
		}
	})
	p := &prometheus{URL: "http://" + addr}
	waitFor(t, "prometheus ready", func() bool {
		resp, err := http.Get(p.URL + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitFor polls a condition of the real server (readiness, a first scrape) until it holds,
// failing after a generous deadline rather than sleeping a fixed time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestScanLivePrometheus(t *testing.T) {
	apiserver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		fmt.Fprint(w, deprecatedAPIsExposition)
	}))
	defer apiserver.Close()
	prom := startPrometheus(t, strings.TrimPrefix(apiserver.URL, "http://"))
	ctx := context.Background()

	var inv *inventory.Inventory
	waitFor(t, "the first scrape of the apiserver metrics", func() bool {
		inv = &inventory.Inventory{}
		if err := Scan(ctx, Options{URL: prom.URL}, inv); err != nil {
			t.Fatal(err)
		}
		return len(inv.APIUses) == 2 && len(inv.ScrapeTargets) == 2
	})
	if len(inv.InputErrors) != 0 {
		t.Fatalf("input errors: %+v", inv.InputErrors)
	}

	type use struct{ APIVersion, Resource, How, Removed string }
	var uses []use
	for _, u := range inv.APIUses {
		removed, _, _ := strings.Cut(strings.TrimPrefix(u.Detail, "removed_release="), " ")
		uses = append(uses, use{u.APIVersion, u.Resource, u.How, removed})
	}
	wantUses := []use{
		{"extensions/v1beta1", "ingresses", "apiserver_requested_deprecated_apis", "1.22"},
		{"policy/v1beta1", "podsecuritypolicies", "apiserver_requested_deprecated_apis", "1.25"},
	}
	if diff := cmp.Diff(wantUses, uses); diff != "" {
		t.Errorf("API uses (-want +got):\n%s", diff)
	}

	type query struct{ Name, Expr, Kind string }
	var queries []query
	for _, q := range inv.PromQueries {
		queries = append(queries, query{q.Name, q.Expr, q.Kind})
		if !strings.Contains(q.Source.Path, "k8s-rules.yaml") {
			t.Errorf("query %s does not name its rule file: %q", q.Name, q.Source.Path)
		}
	}
	wantQueries := []query{
		{"namespace:container_memory_usage_bytes:sum", `sum by (namespace, container_name) (container_memory_usage_bytes{container_name!="POD"})`, "live-rule"},
		{"APIServerErrors", `sum(rate(apiserver_request_count{code=~"5.."}[5m])) > 1`, "live-rule"},
	}
	if diff := cmp.Diff(wantQueries, queries); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}

	var scheduler *inventory.ScrapeTarget
	for i, st := range inv.ScrapeTargets {
		if st.Job == "kube-scheduler" {
			scheduler = &inv.ScrapeTargets[i]
		}
	}
	if scheduler == nil || scheduler.Port != 10251 || scheduler.Scheme != "http" || scheduler.How != "live-target" {
		t.Errorf("scheduler target: %+v", scheduler)
	}
}

func TestScanUnreachable(t *testing.T) {
	addr := freeLoopbackAddr(t) // nothing listens there any more
	inv := &inventory.Inventory{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := Scan(ctx, Options{URL: "http://" + addr}, inv); err != nil {
		t.Fatal(err)
	}
	if len(inv.InputErrors) != 3 {
		t.Errorf("want one input error per API call, got %+v", inv.InputErrors)
	}
}
