package live_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/internal/envtest"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/rules/all"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
	"github.com/upgrade-lint/upgrade-lint/scanner/live"
)

// scannerUser runs the scans, bound to exactly the ClusterRole of deploy/rbac.yaml.
const scannerUser = "upgrade-lint-scanner"

// secretValue must never reach an inventory, a report or a snapshot.
const secretValue = "hunter2-do-not-print"

var (
	ingressV1beta1 = schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1beta1", Resource: "ingresses"}
	ingressV1      = schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}
	crdV1beta1     = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1beta1", Resource: "customresourcedefinitions"}
	secretsV1      = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
)

// TestLiveEvidence121 writes objects through 1.21's old API versions in every way clients
// do, then scans under the shipped ClusterRole and lints 1.21 -> 1.22 (where
// networking.k8s.io/v1beta1 Ingress and apiextensions.k8s.io/v1beta1 are removed).
func TestLiveEvidence121(t *testing.T) {
	cp := envtest.Start(t, envtest.V1_21, envtest.User{Name: scannerUser})
	ctx := envtest.Context(t)
	bindShippedRole(t, cp, scannerUser)
	populate(t, ctx, cp.Admin())

	auditLog := filepath.Join(t.TempDir(), "audit.log")
	writeFile(t, auditLog, strings.Join([]string{
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"RequestReceived","verb":"list","user":{"username":"ci-bot"},"userAgent":"old-deployer/1.0","objectRef":{"resource":"ingresses","apiGroup":"extensions","apiVersion":"v1beta1"}}`,
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"list","user":{"username":"ci-bot"},"userAgent":"old-deployer/1.0","objectRef":{"resource":"ingresses","apiGroup":"extensions","apiVersion":"v1beta1"},"stageTimestamp":"2021-06-01T10:00:00.000000Z"}`,
		`{"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"create","user":{"username":"ci-bot"},"userAgent":"old-deployer/1.0","objectRef":{"resource":"ingresses","apiGroup":"extensions","apiVersion":"v1beta1"},"stageTimestamp":"2021-06-02T10:00:00.000000Z"}`,
	}, "\n")+"\n")

	inv, err := live.Scan(ctx, live.Options{Config: cp.Config(scannerUser), AuditLog: auditLog})
	if err != nil {
		t.Fatal(err)
	}
	if inv.ServerVersion != "v1.21.14" {
		t.Errorf("ServerVersion = %q, want v1.21.14", inv.ServerVersion)
	}
	for _, u := range inv.Unchecked {
		if strings.Contains(u.Reason, "forbidden") {
			t.Errorf("deploy/rbac.yaml lacks a permission the scanner uses: %s: %s", u.What, u.Reason)
		}
	}
	assertNoSecretValue(t, inv)

	got := lint(t, inv, "1.21", "1.22")
	want := []struct{ subject, object, evidence string }{
		{"networking.k8s.io/v1beta1 Ingress", "Ingress app/kubectl-applied", "last-applied-configuration"},
		{"networking.k8s.io/v1beta1 Ingress", "Ingress app/kubectl-applied", "managedFields (manager=kubectl-client-side-apply operation=Update"},
		{"networking.k8s.io/v1beta1 Ingress", "Ingress app/ssa-applied", "managedFields (manager=deploy-bot operation=Apply"},
		{"networking.k8s.io/v1beta1 Ingress", "", "Helm release release=web namespace=app revision=3"},
		{"networking.k8s.io/v1beta1 Ingress", "", "apiserver_requested_deprecated_apis"},
		{"apiextensions.k8s.io/v1beta1 CustomResourceDefinition", "CustomResourceDefinition widgets.example.com", "last-applied-configuration"},
		{"extensions/v1beta1 Ingress", "", "audit-log (user ci-bot, user agent \"old-deployer/1.0\", 2 request(s)"},
	}
	for _, w := range want {
		if !hasFinding(got, "removed-api", w.subject, w.object, w.evidence) {
			t.Errorf("no removed-api finding %s on %q with evidence %q; findings:\n%s", w.subject, w.object, w.evidence, dump(got))
		}
	}
	for _, f := range got {
		if f.Source.Object != nil && f.Source.Object.Name == "read-only" {
			t.Errorf("an object merely read in an old version was flagged: %s %s: %s", f.Rule, f.Subject, f.Evidence)
		}
	}

	if !hasFinding(got, "deprecated-flag", "--insecure-port", "ConfigMap kube-system/kubeadm-config", "") {
		t.Errorf("no deprecated-flag finding from kubeadm-config's extraArgs; findings:\n%s", dump(got))
	}

	// The scan lists policy/v1beta1 PodSecurityPolicies itself (the only version serving
	// them in 1.21): a second scan must not take its own earlier reads for a client's.
	again, err := live.Scan(ctx, live.Options{Config: cp.Config(scannerUser)})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range lint(t, again, "1.21", "1.25") {
		if strings.HasPrefix(f.Subject, "policy/v1beta1") && strings.Contains(f.Evidence, "apiserver_requested_deprecated_apis") {
			t.Errorf("the scanner's own reads became evidence: %s %s: %s", f.Rule, f.Subject, f.Evidence)
		}
	}
	if !hasUnchecked(again.Unchecked, "policy/v1beta1 podsecuritypolicies", "upgrade-lint's own reads") {
		t.Errorf("no Unchecked entry for the request metric upgrade-lint cannot use: %+v", again.Unchecked)
	}

	// Node and control-plane facts.
	if len(inv.Nodes) != 1 || inv.Nodes[0].KubeletVersion != "v1.20.15" || inv.Nodes[0].ContainerRuntime != "containerd://1.4.12" || !inv.Nodes[0].ControlPlane {
		t.Errorf("Nodes = %+v, want cp-0 with kubelet v1.20.15, containerd://1.4.12, control plane", nodes(inv))
	}
	var apiserver *inventory.Component
	for _, c := range inv.ComponentsNamed("kube-apiserver") {
		if c.Kind == "mirror-pod" && c.Node == "cp-0" {
			apiserver = c
		}
	}
	if apiserver == nil {
		t.Fatalf("no kube-apiserver mirror-pod component; components: %+v", inv.Components)
	}
	if v, ok := apiserver.FlagValue("insecure-port"); !ok || v != "0" {
		t.Errorf("mirror pod flag --insecure-port = %q, %v; want 0", v, ok)
	}
	if !hasUnchecked(inv.Unchecked, "static pod manifests on cp-0", "mirror pods") {
		t.Errorf("no Unchecked entry saying the static pod files were not read: %+v", inv.Unchecked)
	}
}

// TestRBACDenial scans as a user who may list only ConfigMaps: Secrets, Nodes, CRDs,
// webhooks and /metrics land in Unchecked, and the rest is still read.
func TestRBACDenial(t *testing.T) {
	cp := envtest.Start(t, envtest.V1_21, envtest.User{Name: "configmap-reader"})
	ctx := envtest.Context(t)
	admin := kubernetes.NewForConfigOrDie(cp.Admin())
	if _, err := admin.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "configmap-reader"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"list"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "configmap-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "configmap-reader"},
		Subjects:   []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: "configmap-reader"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	createNamespace(t, ctx, admin, "app")
	if _, err := admin.CoreV1().ConfigMaps("app").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "visible"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	inv, err := live.Scan(ctx, live.Options{Config: cp.Config("configmap-reader")})
	if err != nil {
		t.Fatalf("a denied list must not fail the scan: %v", err)
	}
	for _, what := range []string{"secrets (v1) in all namespaces", "nodes (v1)", "customresourcedefinitions.apiextensions.k8s.io", "validatingwebhookconfigurations.admissionregistration.k8s.io", "/metrics"} {
		if !hasUnchecked(inv.Unchecked, what, "forbidden") {
			t.Errorf("no forbidden Unchecked entry for %s; got:\n%+v", what, inv.Unchecked)
		}
	}
	if inv.Object("ConfigMap", "app", "visible") == nil {
		t.Errorf("the readable ConfigMap app/visible is missing: a denial stopped the rest of the scan; unchecked: %+v", inv.Unchecked)
	}
}

// TestLiveNewest scans the newest release the project builds under the shipped role.
func TestLiveNewest(t *testing.T) {
	cp := envtest.Start(t, envtest.Newest, envtest.User{Name: scannerUser})
	ctx := envtest.Context(t)
	bindShippedRole(t, cp, scannerUser)
	admin := kubernetes.NewForConfigOrDie(cp.Admin())
	createNamespace(t, ctx, admin, "app")
	applyV1Ingress(t, ctx, cp.Admin(), "modern")

	inv, err := live.Scan(ctx, live.Options{Config: cp.Config(scannerUser)})
	if err != nil {
		t.Fatal(err)
	}
	if inv.ServerVersion != "v"+envtest.Newest {
		t.Errorf("ServerVersion = %q, want v%s", inv.ServerVersion, envtest.Newest)
	}
	for _, u := range inv.Unchecked {
		if strings.Contains(u.Reason, "forbidden") {
			t.Errorf("deploy/rbac.yaml lacks a permission the scanner uses on %s: %s: %s", envtest.Newest, u.What, u.Reason)
		}
	}
	o := inv.Object("Ingress", "app", "modern")
	if o == nil {
		t.Fatalf("Ingress app/modern not read")
	}
	if o.APIVersion != "networking.k8s.io/v1" || !hasUse(o, "managedFields", "networking.k8s.io/v1", "manager=modern-deployer operation=Apply") {
		t.Errorf("Ingress app/modern: apiVersion %s, uses %+v; want networking.k8s.io/v1 with its server-side apply entry", o.APIVersion, o.Uses)
	}
}

// populate writes, as an admin, one object per kind of evidence (see TestLiveEvidence121).
func populate(t *testing.T, ctx context.Context, admin *rest.Config) {
	t.Helper()
	cs := kubernetes.NewForConfigOrDie(admin)
	dyn := dynamic.NewForConfigOrDie(admin)
	createNamespace(t, ctx, cs, "app")

	// kubectl apply (client side) through the old version: the annotation and an Update entry.
	legacy := ingressV1beta1Object("kubectl-applied")
	applied, _ := json.Marshal(legacy.Object)
	legacy.SetAnnotations(map[string]string{"kubectl.kubernetes.io/last-applied-configuration": string(applied)})
	if _, err := dyn.Resource(ingressV1beta1).Namespace("app").Create(ctx, legacy, metav1.CreateOptions{FieldManager: "kubectl-client-side-apply"}); err != nil {
		t.Fatal(err)
	}

	// Server-side apply through the old version: an Apply entry naming it.
	ssa, _ := json.Marshal(ingressV1beta1Object("ssa-applied").Object)
	force := true
	if _, err := dyn.Resource(ingressV1beta1).Namespace("app").Patch(ctx, "ssa-applied", types.ApplyPatchType, ssa, metav1.PatchOptions{FieldManager: "deploy-bot", Force: &force}); err != nil {
		t.Fatal(err)
	}

	// Written in v1, then merely read in the old versions: not evidence.
	applyV1Ingress(t, ctx, admin, "read-only")
	if _, err := dyn.Resource(ingressV1beta1).Namespace("app").Get(ctx, "read-only", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(schema.GroupVersionResource{Group: "extensions", Version: "v1beta1", Resource: "ingresses"}).Namespace("app").Get(ctx, "read-only", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}

	// A CRD applied with kubectl through apiextensions.k8s.io/v1beta1.
	crd := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1beta1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "widgets.example.com"},
		"spec": map[string]any{
			"group": "example.com", "version": "v1", "scope": "Namespaced",
			"names": map[string]any{"plural": "widgets", "singular": "widget", "kind": "Widget"},
		},
	}}
	crdApplied, _ := json.Marshal(crd.Object)
	crd.SetAnnotations(map[string]string{"kubectl.kubernetes.io/last-applied-configuration": string(crdApplied)})
	if _, err := dyn.Resource(crdV1beta1).Create(ctx, crd, metav1.CreateOptions{FieldManager: "kubectl-client-side-apply"}); err != nil {
		t.Fatal(err)
	}

	// A Helm 3 release record whose deployed revision renders an old Ingress, and a
	// superseded revision that must be ignored.
	for rev, status := range map[int]string{2: "superseded", 3: "deployed"} {
		manifest := "---\n# Source: web/templates/ingress.yaml\napiVersion: networking.k8s.io/v1beta1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  backend:\n    serviceName: web\n    servicePort: 80\n"
		if status == "superseded" {
			manifest = strings.ReplaceAll(manifest, "networking.k8s.io/v1beta1", "extensions/v1beta1")
		}
		sec := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{
				Name:   "sh.helm.release.v1.web.v" + string(rune('0'+rev)),
				Labels: map[string]string{"owner": "helm", "name": "web", "status": status, "version": string(rune('0' + rev))},
			},
			Type: "helm.sh/release.v1",
			Data: map[string][]byte{"release": helmRecord(t, "web", "app", rev, status, manifest)},
		}
		if _, err := cs.CoreV1().Secrets("app").Create(ctx, sec, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// A Secret applied with kubectl: its annotation repeats the value.
	pw := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Secret",
		"metadata":   map[string]any{"name": "db-password", "namespace": "app"},
		"stringData": map[string]any{"password": secretValue},
	}}
	pwApplied, _ := json.Marshal(pw.Object)
	pw.SetAnnotations(map[string]string{"kubectl.kubernetes.io/last-applied-configuration": string(pwApplied)})
	if _, err := dyn.Resource(secretsV1).Namespace("app").Create(ctx, pw, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A webhook whose service namespace holds a TLS secret (its key must not be kept).
	createNamespace(t, ctx, cs, "hooks")
	if _, err := cs.CoreV1().Secrets("hooks").Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "hook-tls"},
		Type:       corev1.SecretTypeTLS,
		Data:       map[string][]byte{"tls.crt": []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), "tls.key": []byte(secretValue)},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	hook := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
		"metadata": map[string]any{"name": "hook"},
		"webhooks": []any{map[string]any{
			"name": "hook.example.com", "admissionReviewVersions": []any{"v1"}, "sideEffects": "None",
			"clientConfig": map[string]any{"service": map[string]any{"namespace": "hooks", "name": "hook"}},
		}},
	}}
	if _, err := dyn.Resource(schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingwebhookconfigurations"}).Create(ctx, hook, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// kubeadm's ClusterConfiguration, with a deprecated API server flag in extraArgs.
	if _, err := cs.CoreV1().ConfigMaps("kube-system").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "kubeadm-config"},
		Data: map[string]string{"ClusterConfiguration": "apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\n" +
			"kubernetesVersion: v1.21.14\napiServer:\n  extraArgs:\n    insecure-port: \"0\"\n"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// A control-plane node and the mirror pod of its API server's static pod.
	node, err := cs.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name: "cp-0", Labels: map[string]string{"node-role.kubernetes.io/master": ""},
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	node.Status.NodeInfo = corev1.NodeSystemInfo{KubeletVersion: "v1.20.15", ContainerRuntimeVersion: "containerd://1.4.12"}
	if _, err := cs.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Pods("kube-system").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "kube-apiserver-cp-0", Annotations: map[string]string{"kubernetes.io/config.mirror": "0123abcd"}},
		Spec: corev1.PodSpec{NodeName: "cp-0", Containers: []corev1.Container{{
			Name: "kube-apiserver", Image: "k8s.gcr.io/kube-apiserver:v1.21.14",
			Command: []string{"kube-apiserver", "--insecure-port=0", "--advertise-address=10.0.0.10"},
		}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func ingressV1beta1Object(name string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "networking.k8s.io/v1beta1", "kind": "Ingress",
		"metadata": map[string]any{"name": name, "namespace": "app"},
		"spec":     map[string]any{"backend": map[string]any{"serviceName": "web", "servicePort": int64(80)}},
	}}
}

// applyV1Ingress server-side applies an Ingress through networking.k8s.io/v1.
func applyV1Ingress(t *testing.T, ctx context.Context, admin *rest.Config, name string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
		"metadata": map[string]any{"name": name, "namespace": "app"},
		"spec": map[string]any{"defaultBackend": map[string]any{"service": map[string]any{
			"name": "web", "port": map[string]any{"number": int64(80)},
		}}},
	})
	force := true
	_, err := dynamic.NewForConfigOrDie(admin).Resource(ingressV1).Namespace("app").
		Patch(ctx, name, types.ApplyPatchType, body, metav1.PatchOptions{FieldManager: "modern-deployer", Force: &force})
	if err != nil {
		t.Fatal(err)
	}
}

// helmRecord encodes a release as Helm 3 stores it: JSON, gzip, base64 (the Secret's own
// base64 comes on top when the API stores it).
func helmRecord(t *testing.T, name, namespace string, revision int, status, manifest string) []byte {
	t.Helper()
	rel, _ := json.Marshal(map[string]any{
		"name": name, "namespace": namespace, "version": revision, "manifest": manifest,
		"info":  map[string]any{"status": status},
		"chart": map[string]any{"metadata": map[string]any{"name": "web", "version": "1.0.0"}},
	})
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(rel)
	zw.Close()
	return []byte(base64.StdEncoding.EncodeToString(gz.Bytes()))
}

// bindShippedRole binds user to deploy/rbac.yaml's ClusterRole.
func bindShippedRole(t *testing.T, cp *envtest.ControlPlane, user string) {
	t.Helper()
	cp.BindClusterRoleFile(t, filepath.Join("..", "..", "deploy", "rbac.yaml"), user)
}

func createNamespace(t *testing.T, ctx context.Context, cs kubernetes.Interface, name string) {
	t.Helper()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// lint runs every built-in rule over inv for the plan from -> to.
func lint(t *testing.T, inv *inventory.Inventory, from, to string) []findings.Finding {
	t.Helper()
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	f, t2 := knowledge.MustMinor(from), knowledge.MustMinor(to)
	hops, err := kb.Hops(f, t2)
	if err != nil {
		t.Fatal(err)
	}
	plan := &rules.Plan{From: f, To: t2, Hops: hops, Now: time.Date(2021, 7, 1, 0, 0, 0, 0, time.UTC)}
	return rules.RunAll(all.Rules(), plan, kb, inv).Findings
}

func hasFinding(fs []findings.Finding, rule, subject, object, evidence string) bool {
	for _, f := range fs {
		if f.Rule != rule || f.Subject != subject || !strings.Contains(f.Evidence, evidence) {
			continue
		}
		if object == "" || (f.Source.Object != nil && f.Source.Object.String() == object) {
			return true
		}
	}
	return false
}

func hasUnchecked(us []findings.Unchecked, what, reason string) bool {
	for _, u := range us {
		if strings.Contains(u.What, what) && strings.Contains(u.Reason, reason) {
			return true
		}
	}
	return false
}

func hasUse(o *inventory.Object, how, apiVersion, detail string) bool {
	for _, u := range o.Uses {
		if u.How == how && u.APIVersion == apiVersion && strings.Contains(u.Detail, detail) && !u.Stale {
			return true
		}
	}
	return false
}

// assertNoSecretValue fails when a Secret value survived anywhere in the inventory.
func assertNoSecretValue(t *testing.T, inv *inventory.Inventory) {
	t.Helper()
	raw, err := json.Marshal(inv)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(secretValue)) || bytes.Contains(raw, []byte(base64.StdEncoding.EncodeToString([]byte(secretValue)))) {
		t.Errorf("a Secret value reached the inventory")
	}
}

func dump(fs []findings.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		obj := ""
		if f.Source.Object != nil {
			obj = f.Source.Object.String()
		}
		b.WriteString("  " + f.Hop + " " + f.Rule + " " + f.Subject + " [" + obj + "] " + f.Evidence + "\n")
	}
	return b.String()
}

func nodes(inv *inventory.Inventory) []inventory.Node {
	var out []inventory.Node
	for _, n := range inv.Nodes {
		out = append(out, *n)
	}
	return out
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
