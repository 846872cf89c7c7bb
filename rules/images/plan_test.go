package images

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
	"github.com/upgrade-lint/upgrade-lint/scanner/registry"
	"github.com/upgrade-lint/upgrade-lint/scanner/registry/registrytest"
)

func hops(t *testing.T, from, to int) []knowledge.Hop {
	t.Helper()
	h, err := knowledge.MustDefault().Hops(knowledge.V(from), knowledge.V(to))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestPlanUnderPrivateRepository pins the 1.14->1.21 plan under a private repository to
// what kubeadm of each minor pulls (tags from the knowledge base's kubeadm constants; from
// 1.21 CoreDNS keeps the flat "coredns" path under a non-default repository).
func TestPlanUnderPrivateRepository(t *testing.T) {
	kb := knowledge.MustDefault()
	kc := &inventory.KubeadmConfig{ImageRepository: "registry.corp.example/k8s"}
	got := map[string][]string{}
	for _, h := range hops(t, 14, 21) {
		for _, img := range HopImages(kb, h, kc) {
			if img.Name != "kube-apiserver" && img.Name != "kube-controller-manager" && img.Name != "kube-scheduler" {
				got[h.String()] = append(got[h.String()], strings.TrimPrefix(img.Ref, "registry.corp.example/k8s/"))
			}
		}
	}
	want := map[string][]string{
		"1.14->1.15": {"kube-proxy:v1.15.12", "etcd:3.3.10", "coredns:1.3.1", "pause:3.1"},
		"1.15->1.16": {"kube-proxy:v1.16.15", "etcd:3.3.15-0", "coredns:1.6.2", "pause:3.1"},
		"1.16->1.17": {"kube-proxy:v1.17.17", "etcd:3.4.3-0", "coredns:1.6.5", "pause:3.1"},
		"1.17->1.18": {"kube-proxy:v1.18.20", "etcd:3.4.3-0", "coredns:1.6.7", "pause:3.2"},
		"1.18->1.19": {"kube-proxy:v1.19.16", "etcd:3.4.13-0", "coredns:1.7.0", "pause:3.2"},
		"1.19->1.20": {"kube-proxy:v1.20.15", "etcd:3.4.13-0", "coredns:1.7.0", "pause:3.2"},
		"1.20->1.21": {"kube-proxy:v1.21.14", "etcd:3.4.13-0", "coredns:v1.8.0", "pause:3.4.1"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("plan (-want +got):\n%s", d)
	}
}

func TestPlanOverridesAndDefaults(t *testing.T) {
	kb := knowledge.MustDefault()
	h21 := hops(t, 20, 21)[0]
	refs := func(kc *inventory.KubeadmConfig, h knowledge.Hop) map[string]string {
		out := map[string]string{}
		for _, img := range HopImages(kb, h, kc) {
			out[img.Name] = img.Ref
		}
		return out
	}
	def := refs(nil, h21)
	if def["coredns"] != "k8s.gcr.io/coredns/coredns:v1.8.0" || def["pause"] != "k8s.gcr.io/pause:3.4.1" {
		t.Errorf("default repository at 1.21: %v", def)
	}
	over := refs(&inventory.KubeadmConfig{ImageRepository: "mirror.example/k8s", DNSImageRepository: "mirror.example/dns", DNSImageTag: "1.8.0-patched", EtcdImageRepository: "mirror.example/etcd"}, h21)
	if over["coredns"] != "mirror.example/dns/coredns:1.8.0-patched" || over["etcd"] != "mirror.example/etcd/etcd:3.4.13-0" || over["kube-apiserver"] != "mirror.example/k8s/kube-apiserver:v1.21.14" {
		t.Errorf("overrides: %v", over)
	}
	// kubeadm 1.25 rewrites a stored k8s.gcr.io to registry.k8s.io during upgrade.
	h25 := hops(t, 24, 25)[0]
	if got := refs(&inventory.KubeadmConfig{ImageRepository: "k8s.gcr.io"}, h25)["pause"]; !strings.HasPrefix(got, "registry.k8s.io/") {
		t.Errorf("legacy repository at 1.25: %s", got)
	}
}

// TestRegistryMissingPause runs a real registry holding every planned image but pause:3.2:
// missing-image reports it once, at 1.17->1.18 (the first hop that pulls it).
func TestRegistryMissingPause(t *testing.T) {
	kb := knowledge.MustDefault()
	reg := registrytest.Start(t)
	plan := hops(t, 14, 21)
	inv := &inventory.Inventory{Kubeadm: &inventory.KubeadmConfig{ImageRepository: reg.Host + "/k8s", Source: findings.Source{Path: "cluster/kube-system/kubeadm-config.yaml", Line: 9}}}
	refs := RefsToCheck(kb, plan, inv)
	for _, ref := range refs {
		if !strings.HasSuffix(ref, "/pause:3.2") {
			reg.Push(t, ref)
		}
	}
	inv.ImageChecks = registry.Check(context.Background(), refs, registry.Options{Timeout: 10 * time.Second, Keychain: authn.NewMultiKeychain()})
	out := rules.Run([]*rules.Rule{Missing}, &rules.Plan{From: knowledge.V(14), To: knowledge.V(21), Hops: plan}, kb, inv)
	if len(out) != 1 {
		t.Fatalf("findings = %+v, want one", out)
	}
	f := out[0]
	if f.Subject != reg.Host+"/k8s/pause:3.2" || f.Hop != "1.17->1.18" || f.Severity != findings.Error || f.Source.Path != "cluster/kube-system/kubeadm-config.yaml" {
		t.Errorf("finding = %+v", f)
	}
	if !strings.Contains(f.Message, "1.19, 1.20") || !strings.Contains(f.Fix, "skopeo copy --multi-arch all docker://k8s.gcr.io/pause:3.2 docker://"+reg.Host+"/k8s/pause:3.2") {
		t.Errorf("message %q / fix %q", f.Message, f.Fix)
	}
}
