package scanner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// extract writes a txtar archive's files under a temporary directory and returns it.
func extract(t testing.TB, archive string) string {
	t.Helper()
	ar, err := txtar.ParseFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, f := range ar.Files {
		p := filepath.Join(root, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func scanSnapshotArchive(t *testing.T) *inventory.Inventory {
	t.Helper()
	inv, err := Scan(context.Background(), Options{Snapshot: extract(t, "testdata/snapshot.txtar")})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// component returns the one component of name and kind, failing otherwise.
func component(t *testing.T, inv *inventory.Inventory, name, kind string) *inventory.Component {
	t.Helper()
	var found []*inventory.Component
	for _, c := range inv.Components {
		if c.Name == name && c.Kind == kind {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		var all []string
		for _, c := range inv.Components {
			all = append(all, c.Name+"/"+c.Kind+"@"+c.Source.String())
		}
		t.Fatalf("want one %s %s component, got %d among %v", name, kind, len(found), all)
	}
	return found[0]
}

type flagAt struct {
	Name, Value, At string
}

func flagsAt(c *inventory.Component) []flagAt {
	var out []flagAt
	for _, f := range c.Flags {
		out = append(out, flagAt{f.Name, f.Value, f.Source.String()})
	}
	return out
}

func TestSnapshotKubeletUnit(t *testing.T) {
	inv := scanSnapshotArchive(t)
	c := component(t, inv, "kubelet", "kubelet-unit")
	if c.Node != "master-0" {
		t.Errorf("node = %q", c.Node)
	}
	const dropin = "nodes/master-0/etc/systemd/system/kubelet.service.d/10-kubeadm.conf"
	want := []flagAt{
		{"bootstrap-kubeconfig", "/etc/kubernetes/bootstrap-kubelet.conf", dropin + ":3"},
		{"kubeconfig", "/etc/kubernetes/kubelet.conf", dropin + ":3"},
		{"config", "/var/lib/kubelet/config.yaml", dropin + ":4"},
		{"cgroup-driver", "cgroupfs", "nodes/master-0/var/lib/kubelet/kubeadm-flags.env:1"},
		{"network-plugin", "cni", "nodes/master-0/var/lib/kubelet/kubeadm-flags.env:1"},
		{"pod-infra-container-image", "k8s.gcr.io/pause:3.1", "nodes/master-0/var/lib/kubelet/kubeadm-flags.env:1"},
		{"allow-privileged", "true", "nodes/master-0/etc/default/kubelet:3"},
		// The value continues on line 4 (backslash-newline inside quotes): the flag keeps its line.
		{"feature-gates", "DynamicKubeletConfig=true,CSIMigration=false", "nodes/master-0/etc/default/kubelet:4"},
		// ${VAR} inside a word: the flag is written in the unit.
		{"node-ip", "10.0.0.1", dropin + ":11"},
	}
	if diff := cmp.Diff(want, flagsAt(c)); diff != "" {
		t.Errorf("kubelet flags (-want +got):\n%s", diff)
	}
	var gates []string
	for _, g := range c.FeatureGates {
		gates = append(gates, g.Name+"="+map[bool]string{true: "true", false: "false"}[g.Enabled]+"@"+g.Source.String())
	}
	wantGates := []string{
		"DynamicKubeletConfig=true@nodes/master-0/etc/default/kubelet:4",
		"CSIMigration=false@nodes/master-0/etc/default/kubelet:4",
	}
	if diff := cmp.Diff(wantGates, gates); diff != "" {
		t.Errorf("gates (-want +got):\n%s", diff)
	}
}

func TestSnapshotKubeletConfig(t *testing.T) {
	inv := scanSnapshotArchive(t)
	var nodeCfg, clusterCfg *inventory.Component
	for _, c := range inv.ComponentsNamed("kubelet") {
		if c.Kind != "kubelet-config" {
			continue
		}
		if c.Node == "master-0" {
			nodeCfg = c
		} else {
			clusterCfg = c
		}
	}
	if nodeCfg == nil || clusterCfg == nil {
		t.Fatalf("want a node and a cluster kubelet-config, got node=%v cluster=%v", nodeCfg, clusterCfg)
	}
	if got := nodeCfg.FeatureGates; len(got) != 1 || got[0].Name != "CSIMigration" || got[0].Enabled ||
		got[0].Source.String() != "nodes/master-0/var/lib/kubelet/config.yaml:5" {
		t.Errorf("node kubelet-config gates = %+v", got)
	}
	if nodeCfg.Config["cgroupDriver"] != "cgroupfs" {
		t.Errorf("config = %v", nodeCfg.Config)
	}
	if got := clusterCfg.FeatureGates; len(got) != 1 || got[0].Name != "RotateKubeletServerCertificate" || !got[0].Enabled {
		t.Errorf("cluster kubelet-config gates = %+v", got)
	}
	if clusterCfg.Source.Path != "cluster/kube-system/kubelet-config.json" || clusterCfg.Source.Object == nil || clusterCfg.Source.Object.Name != "kubelet-config-1.14" {
		t.Errorf("cluster kubelet-config source = %+v", clusterCfg.Source)
	}
}

func TestSnapshotStaticPods(t *testing.T) {
	inv := scanSnapshotArchive(t)
	api := component(t, inv, "kube-apiserver", "static-pod")
	const file = "nodes/master-0/etc/kubernetes/manifests/kube-apiserver.yaml"
	const pod = " Pod kube-system/kube-apiserver"
	want := []flagAt{
		{"insecure-port", "8080", file + ":10" + pod},
		{"enable-admission-plugins", "NodeRestriction,PodSecurityPolicy", file + ":11" + pod},
		{"feature-gates", "Initializers=true", file + ":12" + pod},
	}
	if diff := cmp.Diff(want, flagsAt(api)); diff != "" {
		t.Errorf("apiserver flags (-want +got):\n%s", diff)
	}
	if len(api.FeatureGates) != 1 || api.FeatureGates[0].Name != "Initializers" || api.FeatureGates[0].Source.Line != 12 {
		t.Errorf("gates = %+v", api.FeatureGates)
	}
	if len(api.Env) != 1 || api.Env[0].Name != "GODEBUG" || api.Env[0].Value != "x509ignoreCN=0" || api.Env[0].Source.Line != 14 {
		t.Errorf("env = %+v", api.Env)
	}
	if api.Image != "k8s.gcr.io/kube-apiserver:v1.14.10" || api.Node != "master-0" {
		t.Errorf("image/node = %q/%q", api.Image, api.Node)
	}
	cm := component(t, inv, "kube-controller-manager", "static-pod")
	if diff := cmp.Diff([]flagAt{{"port", "0", "nodes/master-0/etc/kubernetes/manifests/controller-manager.yaml:9 Pod kube-controller-manager"}}, flagsAt(cm)); diff != "" {
		t.Errorf("hyperkube form (-want +got):\n%s", diff)
	}
	mirror := component(t, inv, "kube-scheduler", "mirror-pod")
	if diff := cmp.Diff([]flagAt{{"address", "127.0.0.1", "cluster/pods/mirror.yaml:15 Pod kube-system/kube-scheduler-master-0"}}, flagsAt(mirror)); diff != "" {
		t.Errorf("mirror pod (-want +got):\n%s", diff)
	}
	if mirror.Node != "master-0" {
		t.Errorf("mirror node = %q", mirror.Node)
	}
}

func TestSnapshotKubeadmConfig(t *testing.T) {
	inv := scanSnapshotArchive(t)
	k := inv.Kubeadm
	if k == nil {
		t.Fatal("no kubeadm config")
	}
	want := inventory.KubeadmConfig{
		APIVersion: "kubeadm.k8s.io/v1beta1", KubernetesVersion: "v1.14.10",
		ImageRepository: "registry.example.com/k8s", DNSImageRepository: "registry.example.com/coredns",
		FeatureGates: map[string]bool{"CoreDNS": true},
		Source: inventory.Source{Path: "cluster/kube-system/configmaps.yaml", Line: 7,
			Object: &findings.ObjectRef{APIVersion: "v1", Kind: "ConfigMap", Namespace: "kube-system", Name: "kubeadm-config"}},
	}
	if diff := cmp.Diff(want, *k); diff != "" {
		t.Errorf("kubeadm (-want +got):\n%s", diff)
	}
	api := component(t, inv, "kube-apiserver", "kubeadm-extra-args")
	const at = "cluster/kube-system/configmaps.yaml:"
	obj := " ConfigMap kube-system/kubeadm-config"
	wantFlags := []flagAt{
		{"authorization-mode", "Node,RBAC", at + "10" + obj},
		{"feature-gates", "CSIMigration=true,VolumeSnapshotDataSource=false", at + "11" + obj},
	}
	if diff := cmp.Diff(wantFlags, flagsAt(api)); diff != "" {
		t.Errorf("apiServer extraArgs (-want +got):\n%s", diff)
	}
	if len(api.FeatureGates) != 2 || api.FeatureGates[1].Name != "VolumeSnapshotDataSource" || api.FeatureGates[1].Enabled {
		t.Errorf("gates = %+v", api.FeatureGates)
	}
	cm := component(t, inv, "kube-controller-manager", "kubeadm-extra-args")
	if diff := cmp.Diff([]flagAt{{"horizontal-pod-autoscaler-use-rest-clients", "true", at + "15" + obj}}, flagsAt(cm)); diff != "" {
		t.Errorf("controllerManager extraArgs (-want +got):\n%s", diff)
	}
	proxy := component(t, inv, "kube-proxy", "kube-proxy-config")
	if proxy.Config["mode"] != "ipvs" || len(proxy.FeatureGates) != 1 || proxy.FeatureGates[0].Source.Line != 38 {
		t.Errorf("kube-proxy = %+v gates %+v", proxy.Config, proxy.FeatureGates)
	}
}

func TestSnapshotNodesAndMeta(t *testing.T) {
	inv := scanSnapshotArchive(t)
	if inv.ServerVersion != "v1.14.10" || inv.CollectedAt != "2021-03-04T05:06:07Z" {
		t.Errorf("server version %q collected %q", inv.ServerVersion, inv.CollectedAt)
	}
	var got []string
	for _, n := range inv.Nodes {
		got = append(got, n.Name+" "+n.KubeletVersion+" "+n.ContainerRuntime+" "+map[bool]string{true: "cp", false: "worker"}[n.ControlPlane]+" "+n.Source.String())
	}
	want := []string{
		"master-0 v1.14.10 docker://18.9.7 cp cluster/nodes.yaml:4 Node master-0",
		"worker-0 v1.13.12 docker://18.9.7 worker cluster/nodes.yaml:14 Node worker-0",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("nodes (-want +got):\n%s", diff)
	}
	for _, o := range inv.Objects {
		if o.Origin != inventory.FromCluster {
			t.Errorf("%s: origin %s", o.Source, o.Origin)
		}
	}
}

func TestMalformedDocumentIsAnInputError(t *testing.T) {
	inv := scanSnapshotArchive(t)
	if len(inv.InputErrors) != 1 {
		t.Fatalf("input errors = %+v", inv.InputErrors)
	}
	e := inv.InputErrors[0]
	if e.Source.Path != "cluster/broken.yaml" || e.Source.Line != 10 || !strings.Contains(e.Message, "YAML") {
		t.Errorf("input error = %+v", e)
	}
	// The documents around the broken one are still read.
	if inv.Object("ConfigMap", "", "fine") == nil || inv.Object("Service", "", "after-broken") == nil {
		t.Error("documents beside the malformed one were dropped")
	}
	if o := inv.Object("Service", "", "after-broken"); o != nil && o.Source.Line != 12 {
		t.Errorf("after-broken line = %d, want 12", o.Source.Line)
	}
}

func TestMissingInputsAreErrors(t *testing.T) {
	dir := t.TempDir()
	for _, opts := range []Options{
		{Snapshot: filepath.Join(dir, "nope")},
		{NodeRoots: []string{filepath.Join(dir, "nope")}},
		{Files: []string{filepath.Join(dir, "nope.yaml")}},
		{Files: []string{"-"}},
	} {
		if _, err := Scan(context.Background(), opts); err == nil {
			t.Errorf("Scan(%+v) succeeded", opts)
		}
	}
}
