package live_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/upgrade-lint/upgrade-lint/internal/envtest"
	"github.com/upgrade-lint/upgrade-lint/scanner/live"
)

// TestLive115 scans a 1.15 API server, which serves Deployments in both extensions/v1beta1
// (removed in 1.16) and apps/v1 and has no request metric: the objects are read once, in
// apps/v1, judged by what wrote them, and the audit log is the evidence of callers.
func TestLive115(t *testing.T) {
	cp := envtest.Start(t, envtest.V1_15, envtest.User{Name: scannerUser})
	ctx := envtest.Context(t)
	bindShippedRole(t, cp, scannerUser)
	admin := cp.Admin()
	createNamespace(t, ctx, kubernetes.NewForConfigOrDie(admin), "app")
	dyn := dynamic.NewForConfigOrDie(admin)
	extDeployments := schema.GroupVersionResource{Group: "extensions", Version: "v1beta1", Resource: "deployments"}
	appsDeployments := schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}

	deployment := func(apiVersion, name string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": apiVersion, "kind": "Deployment",
			"metadata": map[string]any{"name": name, "namespace": "app"},
			"spec": map[string]any{
				"selector": map[string]any{"matchLabels": map[string]any{"app": name}},
				"template": map[string]any{
					"metadata": map[string]any{"labels": map[string]any{"app": name}},
					"spec":     map[string]any{"containers": []any{map[string]any{"name": "c", "image": "nginx"}}},
				},
			},
		}}
	}
	legacy := deployment("extensions/v1beta1", "legacy")
	applied, _ := json.Marshal(legacy.Object)
	legacy.SetAnnotations(map[string]string{"kubectl.kubernetes.io/last-applied-configuration": string(applied)})
	if _, err := dyn.Resource(extDeployments).Namespace("app").Create(ctx, legacy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(appsDeployments).Namespace("app").Create(ctx, deployment("apps/v1", "modern"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := dyn.Resource(extDeployments).Namespace("app").Get(ctx, "modern", metav1.GetOptions{}); err != nil {
		t.Fatal(err)
	}
	auditLog := filepath.Join(t.TempDir(), "audit.log")
	writeFile(t, auditLog, `{"stage":"ResponseComplete","verb":"update","user":{"username":"system:serviceaccount:ops:agent"},"userAgent":"agent/0.3","objectRef":{"resource":"daemonsets","namespace":"ops","apiGroup":"extensions","apiVersion":"v1beta1"},"stageTimestamp":"2019-09-01T08:00:00Z"}`+"\n")

	inv, err := live.Scan(ctx, live.Options{Config: cp.Config(scannerUser), AuditLog: auditLog})
	if err != nil {
		t.Fatal(err)
	}
	if inv.ServerVersion != "v1.15.12" {
		t.Errorf("ServerVersion = %q", inv.ServerVersion)
	}
	for _, u := range inv.Unchecked {
		if strings.Contains(u.Reason, "forbidden") {
			t.Errorf("deploy/rbac.yaml lacks a permission the scanner uses on 1.15: %s: %s", u.What, u.Reason)
		}
	}
	if !hasUnchecked(inv.Unchecked, "apiserver_requested_deprecated_apis", "before 1.19") {
		t.Errorf("no Unchecked entry saying 1.15 has no request metric: %+v", inv.Unchecked)
	}
	var named []string
	for _, o := range inv.ObjectsOfKind("Deployment") {
		if o.Namespace == "app" && o.Origin == "cluster" {
			named = append(named, o.APIVersion+" "+o.Name)
		}
	}
	if strings.Join(named, ",") != "apps/v1 legacy,apps/v1 modern" && strings.Join(named, ",") != "apps/v1 modern,apps/v1 legacy" {
		t.Errorf("Deployments read = %v, want each once, in apps/v1", named)
	}

	got := lint(t, inv, "1.15", "1.16")
	if !hasFinding(got, "removed-api", "extensions/v1beta1 Deployment", "Deployment app/legacy", "last-applied-configuration") {
		t.Errorf("no removed-api finding on Deployment app/legacy from its last-applied annotation:\n%s", dump(got))
	}
	if !hasFinding(got, "removed-api", "extensions/v1beta1 DaemonSet", "", "audit-log (user system:serviceaccount:ops:agent") {
		t.Errorf("no removed-api finding from the audit log:\n%s", dump(got))
	}
	for _, f := range got {
		if f.Source.Object != nil && f.Source.Object.Name == "modern" {
			t.Errorf("a Deployment merely read through extensions/v1beta1 was flagged: %s %s: %s", f.Rule, f.Subject, f.Evidence)
		}
	}
}
