package knowledge

import (
	"strings"
	"testing"
)

func flagTestKB(t *testing.T) *KB {
	t.Helper()
	kb, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return kb
}

// Lifecycles stated by upstream CHANGELOGs, which the flags read from the registration
// call graph must agree with.
func TestFlagsAgreeWithChangelogs(t *testing.T) {
	kb := flagTestKB(t)
	cases := []struct {
		component, name string
		existsAt        []Minor
		goneAt          Minor // first minor without the flag (zero: still there at Newest)
		deprecatedAt    Minor // zero: not checked
	}{
		// CHANGELOG-1.15: kubelet --allow-privileged removed.
		{"kubelet", "allow-privileged", []Minor{V(10), V(14)}, V(15), V(14)},
		// kube-apiserver's own --allow-privileged is a different flag and stays.
		{"kube-apiserver", "allow-privileged", []Minor{V(10), V(15), V(21), Newest}, Minor{}, Minor{}},
		// CHANGELOG-1.19: kube-apiserver basic authentication removed.
		{"kube-apiserver", "basic-auth-file", []Minor{V(10), V(18)}, V(19), V(18)},
		// CHANGELOG-1.24 (#106859): insecure serving flags removed.
		{"kube-apiserver", "insecure-port", []Minor{V(10), V(23)}, V(24), V(20)},
		{"kube-apiserver", "insecure-bind-address", []Minor{V(23)}, V(24), V(20)},
		// CHANGELOG-1.24 (#106860): kube-controller-manager --address/--port removed.
		{"kube-controller-manager", "port", []Minor{V(10), V(23)}, V(24), V(20)},
		{"kube-controller-manager", "address", []Minor{V(23)}, V(24), V(20)},
		{"kube-scheduler", "port", []Minor{V(10), V(23)}, V(24), V(20)},
		// CHANGELOG-1.26 (#112120): legacy klog flags removed, -v and -vmodule stay.
		{"kube-apiserver", "log-dir", []Minor{V(25)}, V(26), V(25)},
		{"kubelet", "logtostderr", []Minor{V(25)}, V(26), V(25)},
		{"kube-apiserver", "v", []Minor{V(26), Newest}, Minor{}, Minor{}},
		// CHANGELOG-1.27: kubelet --container-runtime removed.
		{"kubelet", "container-runtime", []Minor{V(26)}, V(27), V(24)},
		// CHANGELOG-1.37 (#138002): kcm --concurrent-service-syncs removed.
		{"kube-controller-manager", "concurrent-service-syncs", []Minor{V(36)}, V(37), Minor{}},
		// CHANGELOG-1.37 (#139870): cAdvisor flags removed, --housekeeping-interval kept.
		{"kubelet", "boot-id-file", []Minor{V(36)}, V(37), Minor{}},
		{"kubelet", "housekeeping-interval", []Minor{V(36), V(37)}, Minor{}, Minor{}},
	}
	for _, c := range cases {
		t.Run(c.component+"/"+c.name, func(t *testing.T) {
			f := kb.Flag(c.component, c.name)
			if f == nil {
				t.Fatalf("no flag %s --%s", c.component, c.name)
			}
			for _, m := range c.existsAt {
				if !f.At(m).Exists {
					t.Errorf("--%s does not exist at %s (introduced %v, removed %v)", c.name, m, f.IntroducedIn, f.RemovedIn)
				}
			}
			if c.goneAt.IsZero() {
				if f.RemovedIn != nil {
					t.Errorf("--%s removed in %s, want still present", c.name, f.RemovedIn)
				}
			} else if f.RemovedIn == nil || *f.RemovedIn != c.goneAt {
				t.Errorf("--%s removed in %v, want %s", c.name, f.RemovedIn, c.goneAt)
			}
			if !c.deprecatedAt.IsZero() {
				st := f.At(c.deprecatedAt)
				if !st.Deprecated || st.Message == "" {
					t.Errorf("--%s at %s: deprecated=%v message=%q, want deprecated with a message", c.name, c.deprecatedAt, st.Deprecated, st.Message)
				}
			}
		})
	}
}

// The two --allow-privileged flags must never be confused: the kubelet's is gone in
// 1.15, the API server's is not.
func TestAllowPrivilegedKeptApart(t *testing.T) {
	kb := flagTestKB(t)
	if kb.Flag("kubelet", "--allow-privileged").At(V(15)).Exists {
		t.Error("kubelet --allow-privileged still exists at 1.15")
	}
	for _, m := range []Minor{V(15), V(21)} {
		if !kb.Flag("kube-apiserver", "--allow-privileged").At(m).Exists {
			t.Errorf("kube-apiserver --allow-privileged missing at %s", m)
		}
	}
}

func TestInsecurePortOnlyZeroFrom120(t *testing.T) {
	f := flagTestKB(t).Flag("kube-apiserver", "insecure-port")
	if c := f.ConstraintAt(V(19)); c != nil {
		t.Errorf("constraint at 1.19: %+v, want none", c)
	}
	c := f.ConstraintAt(V(20))
	if c == nil {
		t.Fatal("no constraint at 1.20")
	}
	if len(c.Allowed) != 1 || c.Allowed[0] != "0" {
		t.Errorf("allowed at 1.20 = %q, want [0]", c.Allowed)
	}
	if !strings.Contains(c.Source, "CHANGELOG-1.20.md") {
		t.Errorf("constraint source %q does not cite CHANGELOG-1.20.md", c.Source)
	}
}

// Kubelet flags that moved to the config file carry upstream's message.
func TestKubeletConfigFileFlagsCarryMessage(t *testing.T) {
	kb := flagTestKB(t)
	for _, name := range []string{"cgroup-driver", "feature-gates", "max-pods"} {
		st := kb.Flag("kubelet", name).At(V(21))
		if !st.Exists || !st.Deprecated || !strings.Contains(st.Message, "config file") {
			t.Errorf("kubelet --%s at 1.21 = %+v, want deprecated in favour of the config file", name, st)
		}
	}
}

// Shared option packages must not lend a component flags it does not register: the
// controller-manager and scheduler use only the delegating parts of k8s.io/apiserver.
func TestSharedOptionsNotMisattributed(t *testing.T) {
	kb := flagTestKB(t)
	for _, comp := range []string{"kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy"} {
		for _, name := range []string{"etcd-servers", "enable-admission-plugins", "service-cluster-ip-range-apiserver", "audit-log-path", "basic-auth-file"} {
			if kb.Flag(comp, name) != nil {
				t.Errorf("%s has kube-apiserver's --%s", comp, name)
			}
		}
	}
	for _, comp := range []string{"kube-controller-manager", "kube-scheduler"} {
		if kb.Flag(comp, "authentication-kubeconfig") == nil {
			t.Errorf("%s lacks the delegating --authentication-kubeconfig", comp)
		}
	}
}

func TestFlagsWellFormed(t *testing.T) {
	kb := flagTestKB(t)
	components := map[string]int{}
	for _, f := range kb.Flags {
		components[f.Component]++
		if f.Source == "" {
			t.Errorf("%s --%s has no source", f.Component, f.Name)
		}
		if f.IntroducedIn == nil || strings.HasPrefix(f.Name, "-") {
			t.Errorf("%s --%s: introducedIn %v", f.Component, f.Name, f.IntroducedIn)
		}
		if f.RemovedIn != nil && !f.IntroducedIn.Less(*f.RemovedIn) {
			t.Errorf("%s --%s removed (%s) before introduced (%s)", f.Component, f.Name, f.RemovedIn, f.IntroducedIn)
		}
		for _, c := range f.Constraints {
			if c.Source == "" || c.Note == "" {
				t.Errorf("%s --%s: hand-kept constraint without source or note: %+v", f.Component, f.Name, c)
			}
		}
	}
	for _, comp := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy", "kubelet"} {
		if components[comp] < 20 {
			t.Errorf("%s: only %d flags", comp, components[comp])
		}
	}
}
