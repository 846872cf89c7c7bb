package scanner

import (
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

func TestScanPrometheusDemo(t *testing.T) {
	dir := filepath.Join("..", "testdata", "demo", "prometheus")
	inv := &inventory.Inventory{}
	scanPrometheus(inv, []string{dir, filepath.Join(dir, "does-not-exist")})
	if len(inv.InputErrors) != 0 {
		t.Fatalf("input errors: %+v", inv.InputErrors)
	}
	type q struct {
		File, Kind, Name string
		Line             int
	}
	var got []q
	for _, p := range inv.PromQueries {
		got = append(got, q{filepath.Base(p.Source.Path), p.Kind, p.Name, p.Source.Line})
	}
	want := []q{
		{"capacity-rules.yaml", "record", "namespace:container_memory_usage_bytes:sum", 5},
		{"capacity-rules.yaml", "alert", "PodCPUThrottled", 7},
		{"capacity-rules.yaml", "alert", "APIServerErrors", 12},
		{"capacity-rules.yaml", "alert", "NodeMemoryHigh", 17},
		{"dashboard-pods.json", "dashboard", "Memory by pod", 11},
		{"dashboard-pods.json", "dashboard", "Restarts", 19},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
	if inv.PromQueries[4].Expr != `sum by (pod_name) (container_memory_working_set_bytes{namespace="$namespace", container_name!="POD"})` {
		t.Errorf("dashboard expr decoded as %q", inv.PromQueries[4].Expr)
	}
	var ports []int
	for _, st := range inv.ScrapeTargets {
		ports = append(ports, st.Port)
		if st.How != "scrape-config" || st.Source.Line == 0 {
			t.Errorf("target %+v lacks its origin", st)
		}
	}
	if diff := cmp.Diff([]int{10251, 10252}, ports); diff != "" {
		t.Errorf("scrape target ports (-want +got):\n%s", diff)
	}
}

func TestScanPrometheusBadFile(t *testing.T) {
	inv := &inventory.Inventory{}
	ScanPrometheusFile(inv, "broken.yaml", []byte("groups:\n  - name: x\n    rules: [\n"))
	if len(inv.InputErrors) != 1 || inv.InputErrors[0].Source.Path != "broken.yaml" {
		t.Errorf("want one input error naming the file, got %+v", inv.InputErrors)
	}
}

func TestScanPrometheusRelabelledAddress(t *testing.T) {
	inv := &inventory.Inventory{}
	ScanPrometheusFile(inv, "prometheus.yml", []byte(`scrape_configs:
  - job_name: kube-scheduler
    kubernetes_sd_configs:
      - role: pod
    relabel_configs:
      - source_labels: [__meta_kubernetes_pod_ip]
        target_label: __address__
        replacement: $1:10251
`))
	if len(inv.ScrapeTargets) != 1 || inv.ScrapeTargets[0].Port != 10251 || inv.ScrapeTargets[0].Source.Line != 8 {
		t.Errorf("got %+v", inv.ScrapeTargets)
	}
}

func FuzzScanPrometheusFile(f *testing.F) {
	f.Add([]byte("groups:\n- rules:\n  - expr: up\n"))
	f.Add([]byte(`{"panels":[{"targets":[{"expr":"up"}]}]}`))
	f.Add([]byte("scrape_configs:\n- static_configs:\n  - targets: ['a:1']\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ScanPrometheusFile(&inventory.Inventory{}, "f.yaml", data)
	})
}

func TestScanPrometheusRooted(t *testing.T) {
	snapshot := filepath.Join("..", "testdata", "demo")
	inv := &inventory.Inventory{}
	scanPrometheusRooted(inv, snapshot, []string{filepath.Join(snapshot, "prometheus")})
	if len(inv.PromQueries) == 0 || inv.PromQueries[0].Source.Path != "prometheus/capacity-rules.yaml" {
		t.Errorf("want paths relative to the snapshot, got %+v", inv.PromQueries)
	}
}
