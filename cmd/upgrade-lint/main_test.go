package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

var updateGolden = flag.Bool("update", false, "rewrite golden files")

const demo = "../../testdata/demo"

type runResult struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, args ...string) runResult {
	t.Helper()
	t.Setenv("SOURCE_DATE_EPOCH", "1795000000")
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // no refreshed release list: the embedded data only
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return runResult{code, stdout.String(), stderr.String()}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := name
	if !strings.Contains(name, "/") {
		path = filepath.Join("../../testdata/golden", name)
	}
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/upgrade-lint -update)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test ./cmd/upgrade-lint -update rewrites it):\n%s", path, firstDiff(string(want), got))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + w + "\n  got:  " + g
		}
	}
	return ""
}

func TestDemoGolden(t *testing.T) {
	for _, format := range []string{"text", "json", "html", "markdown", "sarif", "junit"} {
		t.Run(format, func(t *testing.T) {
			r := runCLI(t, "--from", "1.14", "--to", "1.21", "--snapshot", demo, "-o", format, "--color", "never")
			if r.code != 1 {
				t.Errorf("exit code %d, want 1 (the demo has errors); stderr: %s", r.code, r.stderr)
			}
			golden(t, "demo."+format, r.stdout)
		})
	}
}

func demoResult(t *testing.T, extra ...string) *findings.Result {
	t.Helper()
	r := runCLI(t, append([]string{"--from", "1.14", "--to", "1.21", "--snapshot", demo, "-o", "json", "--fail-on", "never"}, extra...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var res findings.Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	return &res
}

// The demo's pitfalls are each reported at the hop where they bite, with file and line.
func TestDemoPitfalls(t *testing.T) {
	res := demoResult(t)
	type want struct {
		rule, hop, subject, path string
		line                     int
	}
	wants := []want{
		{"removed-flag", "1.14->1.15", "--allow-privileged", "nodes/master-0/etc/default/kubelet", 2},
		{"removed-flag", "1.14->1.15", "--allow-privileged", "nodes/worker-0/etc/kubernetes/kubelet.env", 12},
		{"removed-flag", "1.18->1.19", "--basic-auth-file", "cluster/kube-system/kubeadm-config.yaml", 15},
		{"invalid-flag-value", "1.19->1.20", "--insecure-port=8080", "cluster/kube-system/kubeadm-config.yaml", 19},
		{"removed-feature-gate", "1.18->1.19", "VolumeSubpathEnvExpansion", "cluster/kube-system/kubeadm-config.yaml", 17},
		{"removed-feature-gate", "1.18->1.19", "VolumeSubpathEnvExpansion", "nodes/master-0/var/lib/kubelet/config.yaml", 19},
		{"removed-feature-gate", "1.19->1.20", "SupportIPVSProxyMode", "cluster/kube-system/kube-proxy.yaml", 28},
		{"removed-admission-plugin", "1.19->1.20", "PodPreset", "cluster/kube-system/kubeadm-config.yaml", 16},
		{"removed-api", "1.15->1.16", "extensions/v1beta1 Deployment", "cluster/shop/deployments.yaml", 2},
		{"removed-api", "1.15->1.16", "extensions/v1beta1 DaemonSet", "cluster/shop/deployments.yaml", 50},
		{"removed-api", "1.15->1.16", "apps/v1beta2 Deployment", "cluster/monitoring/helm-release.yaml", 0},
		{"removed-api", "1.19->1.20", "settings.k8s.io/v1alpha1 PodPreset", "cluster/shop/podpreset.yaml", 1},
		{"version-skew", "1.15->1.16", "kubelet 1.13", "", 0},
		{"coredns-corefile", "1.15->1.16", "proxy", "cluster/kube-system/coredns.yaml", 17},
		{"coredns-corefile", "1.15->1.16", "ready", "cluster/kube-system/coredns.yaml", 0},
		{"coredns-corefile", "1.18->1.19", "kubernetes upstream", "cluster/kube-system/coredns.yaml", 13},
		{"kube-system-limits", "1.15->1.16", "coredns", "cluster/kube-system/limitrange.yaml", 0},
		{"prometheus-query", "1.15->1.16", "container_name", "prometheus/capacity-rules.yaml", 5},
		{"prometheus-query", "1.15->1.16", "pod_name", "prometheus/dashboard-pods.json", 0},
		{"prometheus-query", "1.16->1.17", "apiserver_request_count", "prometheus/capacity-rules.yaml", 0},
		{"prometheus-target", "1.15->1.16", "10251", "prometheus/prometheus.yml", 9},
		{"webhook-cert", "1.18->1.19", "", "cluster/policy/webhook.yaml", 0},
	}
	for _, w := range wants {
		found := false
		for _, f := range res.Findings {
			if f.Rule == w.rule && f.Hop == w.hop && (w.subject == "" || f.Subject == w.subject) &&
				(w.path == "" || f.Source.Path == w.path) && (w.line == 0 || f.Source.Line == w.line) {
				found = true
			}
		}
		if !found {
			t.Errorf("missing %s %s at %s (%s:%d)", w.rule, w.subject, w.hop, w.path, w.line)
		}
	}
	// kubeadm renders the control-plane static pods from kubeadm-config: a flag set in both
	// is one finding, on kubeadm-config, whose evidence names the static pod's line.
	for _, f := range res.Findings {
		if f.Subject == "--basic-auth-file" && f.Rule == "removed-flag" {
			if f.Source.Path != "cluster/kube-system/kubeadm-config.yaml" ||
				!strings.Contains(f.Evidence, "nodes/master-0/etc/kubernetes/manifests/kube-apiserver.yaml:19") {
				t.Errorf("--basic-auth-file: want one finding on kubeadm-config naming the static pod line, got %s (%s)", f.Source, f.Evidence)
			}
		}
	}
	// False positives the issue names: an object merely read in an old version, the
	// kube-apiserver's own --allow-privileged, a superseded Helm revision.
	for _, f := range res.Findings {
		obj := f.Source.Object
		switch {
		case obj != nil && obj.Name == "cart" && strings.HasPrefix(f.Rule, "removed-api"):
			t.Errorf("object only read in extensions/v1beta1 flagged: %+v", f)
		case f.Subject == "--allow-privileged" && f.Component == "kube-apiserver":
			t.Errorf("kube-apiserver --allow-privileged confused with the kubelet's: %+v", f)
		case f.Subject == "extensions/v1beta1 Deployment" && strings.Contains(f.Evidence, "metrics"):
			t.Errorf("superseded Helm revision used as evidence: %+v", f)
		case f.Rule == "webhook-cert" && strings.Contains(f.Source.Path, "mesh/"):
			t.Errorf("the webhook certificate with proper SANs was flagged: %+v", f)
		}
	}
	if len(res.Hops) != 7 || res.Hops[0].Version != "v1.15.12" || res.Hops[6].Version != "v1.21.14" {
		t.Errorf("hops: %+v", res.Hops)
	}
	for _, h := range res.Hops {
		for _, img := range h.Images {
			if !strings.HasPrefix(img, "registry.corp.example/k8s/") {
				t.Errorf("hop %s image %s is not under the cluster's imageRepository", h.Name(), img)
			}
		}
	}
}

// A malformed file becomes an input-error finding naming file and line; the rest is still checked.
func TestMalformedInput(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(demo)); err != nil {
		t.Fatal(err)
	}
	bad := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n  namespace: shop\ndata:\n  key: [unclosed\n"
	if err := os.WriteFile(filepath.Join(dir, "cluster/shop/broken.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "--from", "1.14", "--to", "1.21", "--snapshot", dir, "-o", "json", "--fail-on", "never")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var res findings.Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	var inputErr, others int
	for _, f := range res.Findings {
		if f.Rule == "input-error" {
			inputErr++
			if f.Source.Path != "cluster/shop/broken.yaml" || f.Source.Line == 0 {
				t.Errorf("input-error should name the file and line: %+v", f.Source)
			}
		} else {
			others++
		}
	}
	if inputErr != 1 || others < 20 {
		t.Errorf("got %d input errors and %d other findings; want 1 and the rest of the report", inputErr, others)
	}
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"errors found", []string{"--from", "1.14", "--to", "1.21", "--snapshot", demo, "-o", "json"}, 1, ""},
		{"fail-on never", []string{"--from", "1.14", "--to", "1.21", "--snapshot", demo, "-o", "json", "--fail-on", "never"}, 0, ""},
		{"nothing at or above", []string{"--from", "1.30", "--to", "1.31", "--snapshot", demo, "-o", "json", "--enable", "removed-admission-plugin"}, 0, ""},
		{"bad flag", []string{"--frobnicate"}, 2, "unknown flag"},
		{"going down", []string{"--from", "1.21", "--to", "1.14", "--snapshot", demo}, 2, "newer"},
		{"sideways", []string{"--from", "1.21", "--to", "1.21.3", "--snapshot", demo}, 2, "newer"},
		{"bad version", []string{"--from", "one", "--to", "1.21", "--snapshot", demo}, 2, "--from"},
		{"missing to", []string{"--from", "1.14", "--snapshot", demo}, 2, "--to is required"},
		{"missing snapshot", []string{"--from", "1.14", "--to", "1.21", "--snapshot", "does-not-exist"}, 2, "does-not-exist"},
		{"unknown rule", []string{"--from", "1.14", "--to", "1.21", "--snapshot", demo, "--disable", "nope"}, 2, "unknown rule"},
		{"unknown format", []string{"--from", "1.14", "--to", "1.21", "--snapshot", demo, "-o", "yaml"}, 2, "output format"},
		{"explain unknown", []string{"explain", "nope"}, 2, "unknown rule"},
		{"bad fail-on", []string{"--from", "1.14", "--to", "1.21", "--snapshot", demo, "--fail-on", "bogus"}, 2, `--fail-on "bogus": want error, warning, info or never`},
		{"enabled and disabled", []string{"--from", "1.14", "--to", "1.21", "--snapshot", demo, "--enable", "removed-flag", "--disable", "removed-flag"}, 2, "both --enable and --disable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, tc.args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d; stderr: %s", r.code, tc.code, r.stderr)
			}
			if tc.err != "" && !strings.Contains(r.stderr, tc.err) {
				t.Errorf("stderr %q should mention %q", r.stderr, tc.err)
			}
		})
	}
}

func TestRulesAndExplain(t *testing.T) {
	r := runCLI(t, "rules")
	if r.code != 0 || !strings.Contains(r.stdout, "removed-feature-gate") {
		t.Errorf("rules: exit %d\n%s", r.code, r.stdout)
	}
	r = runCLI(t, "explain", "removed-api")
	if r.code != 0 || !strings.Contains(r.stdout, "last-applied-configuration") {
		t.Errorf("explain: exit %d\n%s", r.code, r.stdout)
	}
}

func TestVersionsAccepted(t *testing.T) {
	for _, from := range []string{"1.14", "v1.14", "1.14.5"} {
		res := demoResult(t, "--from", from)
		if res.From != "1.14" || len(res.Hops) != 7 {
			t.Errorf("--from %s: from %s, %d hops", from, res.From, len(res.Hops))
		}
	}
}

// A mistyped --node-root or an -f directory without manifests must not read as a clean run.
func TestEmptyInputsAreNamed(t *testing.T) {
	empty := t.TempDir()
	r := runCLI(t, "--from", "1.14", "--to", "1.15", "--node-root", empty, "--node-root", demo+"/nodes/worker-0", "-f", empty, "-o", "json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (worker-0 has --allow-privileged); stderr: %s", r.code, r.stderr)
	}
	var res findings.Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	var whats []string
	for _, u := range res.Unchecked {
		whats = append(whats, u.What)
	}
	for _, want := range []string{"node root " + empty, "manifests (-f " + empty + ")"} {
		if !contains(whats, want) {
			t.Errorf("unchecked %q, want an entry %q", whats, want)
		}
	}
	for _, w := range whats {
		if strings.Contains(w, "worker-0") {
			t.Errorf("unchecked names the node root that has files: %q", w)
		}
	}
}

// Linting a 1.14 snapshot as if it were a 1.36 cluster is almost certainly a mistake: say so.
func TestFromDisagreesWithSnapshot(t *testing.T) {
	r := runCLI(t, "--from", "1.36", "--to", "1.37", "--snapshot", demo, "-o", "json", "--fail-on", "never")
	if !strings.Contains(r.stdout, "--from is 1.36 but the inputs come from an API server at v1.14.10") {
		t.Errorf("no note that --from disagrees with snapshot.yaml:\n%.2000s", r.stdout)
	}
	r = runCLI(t, "--from", "v1.14.3", "--to", "1.15", "--snapshot", demo, "-o", "json", "--fail-on", "never")
	if strings.Contains(r.stdout, "the starting version") {
		t.Errorf("a --from of the snapshot's own minor is noted as a mismatch")
	}
}

// --audit-log adds callers' evidence to a snapshot lint (the only usage evidence for
// 1.14-1.18 clusters), and a line that is no audit event is an input error.
func TestAuditLogWithSnapshot(t *testing.T) {
	log := filepath.Join(t.TempDir(), "audit.log")
	lines := `{"stage":"ResponseComplete","verb":"list","user":{"username":"system:serviceaccount:ci:deployer"},"userAgent":"deploy-bot/2.1","objectRef":{"resource":"networkpolicies","apiGroup":"extensions","apiVersion":"v1beta1"},"stageTimestamp":"2026-11-01T10:00:00Z"}
not an audit event
`
	if err := os.WriteFile(log, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	res := demoResult(t, "--audit-log", log)
	var evidence, inputErrors int
	for _, f := range res.Findings {
		if f.Rule == "removed-api" && f.Subject == "extensions/v1beta1 NetworkPolicy" && strings.Contains(f.Evidence, "deploy-bot/2.1") {
			evidence++
			if f.Hop != "1.15->1.16" {
				t.Errorf("audit-log finding at %s, want 1.15->1.16", f.Hop)
			}
		}
		if f.Rule == "input-error" && f.Source.Path == log && f.Source.Line == 2 {
			inputErrors++
		}
	}
	if evidence != 1 || inputErrors != 1 {
		t.Errorf("got %d audit-log findings and %d input errors, want 1 and 1", evidence, inputErrors)
	}
}

// --to with a patch lands the last hop on that patch (its images too); the hops before
// it go to the latest patch of their minor.
func TestToPatch(t *testing.T) {
	res := demoResult(t, "--to", "1.21.3")
	last := res.Hops[len(res.Hops)-1]
	if last.Version != "v1.21.3" || res.Hops[0].Version != "v1.15.12" {
		t.Fatalf("hop versions %s ... %s", res.Hops[0].Version, last.Version)
	}
	if !contains(last.Images, "registry.corp.example/k8s/kube-apiserver:v1.21.3") {
		t.Errorf("last hop images: %v", last.Images)
	}
}
