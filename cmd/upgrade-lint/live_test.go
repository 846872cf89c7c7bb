package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/internal/envtest"
)

// TestLiveAndCollect runs the command line against a real 1.21 API server, as a user with
// deploy/rbac.yaml's role: linting the cluster in the kubeconfig (--from from the server),
// then `collect` and linting the snapshot it wrote, which must report the same findings.
func TestLiveAndCollect(t *testing.T) {
	cp := envtest.Start(t, envtest.V1_21, envtest.User{Name: "ops"})
	cp.BindClusterRoleFile(t, filepath.Join("..", "..", "deploy", "rbac.yaml"), "ops")
	ctx := envtest.Context(t)
	ing := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "networking.k8s.io/v1beta1", "kind": "Ingress",
		"metadata": map[string]any{"name": "shop", "namespace": "default"},
		"spec":     map[string]any{"backend": map[string]any{"serviceName": "shop", "servicePort": int64(80)}},
	}}
	applied, _ := json.Marshal(ing.Object)
	ing.SetAnnotations(map[string]string{"kubectl.kubernetes.io/last-applied-configuration": string(applied)})
	gvr := schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1beta1", Resource: "ingresses"}
	if _, err := dynamic.NewForConfigOrDie(cp.Admin()).Resource(gvr).Namespace("default").Create(ctx, ing, metav1.CreateOptions{FieldManager: "kubectl-client-side-apply"}); err != nil {
		t.Fatal(err)
	}
	kubeconfig, err := cp.WriteKubeconfig("ops")
	if err != nil {
		t.Fatal(err)
	}

	live := runCLI(t, "--to", "1.22", "--kubeconfig", kubeconfig, "-o", "json", "--fail-on", "error")
	if live.code != 1 {
		t.Fatalf("live lint: exit %d, want 1 (a removed API in use)\nstderr: %s", live.code, live.stderr)
	}
	var res findings.Result
	if err := json.Unmarshal([]byte(live.stdout), &res); err != nil {
		t.Fatalf("live lint output is not JSON: %v\n%s", err, live.stdout)
	}
	if res.From != "1.21" || !strings.Contains(res.FromSource, "1.21") {
		t.Errorf("from = %q (%q), want 1.21 from the server's version", res.From, res.FromSource)
	}
	found := false
	for _, f := range res.Findings {
		if f.Rule == "removed-api" && f.Source.Object != nil && f.Source.Object.Name == "shop" && strings.Contains(f.Evidence, "last-applied-configuration") {
			found = true
		}
	}
	if !found {
		t.Errorf("no removed-api finding on Ingress default/shop with last-applied evidence:\n%s", live.stdout)
	}

	// This node's root, as collect --node-root / would find it on a control-plane node.
	nodeRoot := t.TempDir()
	manifest := filepath.Join(nodeRoot, "etc", "kubernetes", "manifests", "kube-apiserver.yaml")
	if err := os.MkdirAll(filepath.Dir(manifest), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifest, []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\nspec:\n  containers:\n  - name: kube-apiserver\n    image: k8s.gcr.io/kube-apiserver:v1.21.14\n    command:\n    - kube-apiserver\n    - --insecure-port=0\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "snap")
	collected := runCLI(t, "collect", "--kubeconfig", kubeconfig, "--out", dir, "--node-root", nodeRoot, "--node-name", "cp-0")
	if collected.code != 0 {
		t.Fatalf("collect: exit %d\nstderr: %s", collected.code, collected.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "snapshot.yaml")); err != nil {
		t.Fatal(err)
	}
	snap := runCLI(t, "--from", "1.21", "--to", "1.22", "--snapshot", dir, "-o", "json", "--fail-on", "error")
	if snap.code != 1 {
		t.Fatalf("snapshot lint: exit %d\nstderr: %s", snap.code, snap.stderr)
	}
	var snapRes findings.Result
	if err := json.Unmarshal([]byte(snap.stdout), &snapRes); err != nil {
		t.Fatal(err)
	}
	fromNode := false
	for _, f := range snapRes.Findings {
		if f.Subject == "--insecure-port" && f.Source.Path == "nodes/cp-0/etc/kubernetes/manifests/kube-apiserver.yaml" {
			fromNode = true
		}
	}
	if !fromNode {
		t.Errorf("no finding from the collected node's static pod file:\n%s", snap.stdout)
	}
	if diff := cmp.Diff(objectFindings(res.Findings), objectFindings(snapRes.Findings)); diff != "" {
		t.Errorf("findings on objects differ between live and collected snapshot (-live +snapshot):\n%s", diff)
	}
}

// snapshotPlace is a file and line of a snapshot as rules quote them in their text.
var snapshotPlace = regexp.MustCompile(`\S+\.(yaml|yml|json):\d+ `)

// objectFindings lists what the findings about cluster objects say, not where in the input
// they point (request metrics are compared in scanner/live's round trip).
func objectFindings(fs []findings.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Source.Object == nil || strings.HasPrefix(f.Source.Path, "nodes/") {
			continue // request metrics; files of node roots, which only the snapshot has
		}
		text := strings.Join([]string{f.Hop, f.Rule, f.Subject, f.Source.Object.String(), f.Evidence, f.Fix}, " | ")
		out = append(out, snapshotPlace.ReplaceAllString(text, ""))
	}
	sort.Strings(out)
	return out
}
