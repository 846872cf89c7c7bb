package knowledge

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func apiTestGVK(apiVersion, kind string) GroupVersionKind {
	if g, v, ok := strings.Cut(apiVersion, "/"); ok {
		return GroupVersionKind{Group: g, Version: v, Kind: kind}
	}
	return GroupVersionKind{Version: apiVersion, Kind: kind}
}

func apiTestKB(t *testing.T) *KB {
	t.Helper()
	kb, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(kb.APIs) == 0 {
		t.Fatal("no APIs in the embedded data: run go run ./knowledge/gen apis")
	}
	return kb
}

func apiMinorString(m *Minor) string {
	if m == nil {
		return "none"
	}
	return m.String()
}

// Removals stated in upstream CHANGELOGs and the deprecated-API migration guide.
func TestAPIRemovals(t *testing.T) {
	kb := apiTestKB(t)
	cases := []struct {
		apiVersion, kind string
		removed          string // "" = still served at the newest minor
	}{
		{"extensions/v1beta1", "Deployment", "1.16"},
		{"extensions/v1beta1", "DaemonSet", "1.16"},
		{"apps/v1beta1", "Deployment", "1.16"},
		{"apps/v1beta2", "StatefulSet", "1.16"},
		{"extensions/v1beta1", "Ingress", "1.22"},
		{"networking.k8s.io/v1beta1", "Ingress", "1.22"},
		{"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "1.22"},
		{"apiregistration.k8s.io/v1beta1", "APIService", "1.22"},
		{"policy/v1beta1", "PodSecurityPolicy", "1.25"},
		{"batch/v1beta1", "CronJob", "1.25"},
		{"autoscaling/v2beta2", "HorizontalPodAutoscaler", "1.26"},
		{"flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema", "1.26"},
		{"flowcontrol.apiserver.k8s.io/v1beta3", "PriorityLevelConfiguration", "1.32"},
		{"settings.k8s.io/v1alpha1", "PodPreset", "1.20"},
		{"batch/v2alpha1", "CronJob", "1.21"},
		{"admissionregistration.k8s.io/v1alpha1", "InitializerConfiguration", "1.14"},
		{"apps/v1", "Deployment", ""},
		{"v1", "Pod", ""},
		{"networking.k8s.io/v1", "Ingress", ""},
	}
	for _, c := range cases {
		t.Run(c.apiVersion+"/"+c.kind, func(t *testing.T) {
			a := kb.API(apiTestGVK(c.apiVersion, c.kind))
			if a == nil {
				t.Fatalf("%s %s unknown", c.apiVersion, c.kind)
			}
			want := c.removed
			if want == "" {
				want = "none"
			}
			if got := apiMinorString(a.RemovedIn); got != want {
				t.Errorf("removedIn = %s, want %s (source %s)", got, want, a.Source)
			}
		})
	}
}

func TestAPIIntroductionAndServing(t *testing.T) {
	kb := apiTestKB(t)
	cases := []struct {
		apiVersion, kind string
		introduced       string // "none" when at or before the oldest minor covered
		servedByDefault  bool
	}{
		{"networking.k8s.io/v1", "Ingress", "1.19", true},
		{"networking.k8s.io/v1beta1", "Ingress", "1.14", true},
		{"batch/v1", "CronJob", "1.21", true},
		{"autoscaling/v2", "HorizontalPodAutoscaler", "1.23", true},
		{"discovery.k8s.io/v1beta1", "EndpointSlice", "1.17", true},
		// Introduced after KEP-3136 but kept on by the control plane's legacy beta list.
		{"flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "1.26", true},
		// A beta from 1.24 on that nothing enables by default.
		{"admissionregistration.k8s.io/v1beta1", "ValidatingAdmissionPolicy", "1.28", false},
		{"flowcontrol.apiserver.k8s.io/v1alpha1", "FlowSchema", "1.17", false},
		{"rbac.authorization.k8s.io/v1alpha1", "Role", "none", false},
	}
	for _, c := range cases {
		a := kb.API(apiTestGVK(c.apiVersion, c.kind))
		if a == nil {
			t.Errorf("%s %s unknown", c.apiVersion, c.kind)
			continue
		}
		if got := apiMinorString(a.IntroducedIn); got != c.introduced {
			t.Errorf("%s %s: introducedIn = %s, want %s", c.apiVersion, c.kind, got, c.introduced)
		}
		if a.ServedByDefault != c.servedByDefault {
			t.Errorf("%s %s: servedByDefault = %v, want %v", c.apiVersion, c.kind, a.ServedByDefault, c.servedByDefault)
		}
	}
}

func TestReplacementAcross(t *testing.T) {
	kb := apiTestKB(t)
	cases := []struct {
		from, kind string
		a, b       int
		want       string // apiVersion; "" = none
	}{
		// networking.k8s.io/v1 (upstream's stated replacement) arrives only in 1.19.
		{"extensions/v1beta1", "Ingress", 14, 15, "networking.k8s.io/v1beta1"},
		{"extensions/v1beta1", "Ingress", 21, 22, "networking.k8s.io/v1"},
		{"networking.k8s.io/v1beta1", "Ingress", 21, 22, "networking.k8s.io/v1"},
		{"extensions/v1beta1", "Deployment", 15, 16, "apps/v1"},
		{"batch/v1beta1", "CronJob", 24, 25, "batch/v1"},
		{"policy/v1beta1", "PodSecurityPolicy", 24, 25, ""},
	}
	for _, c := range cases {
		got, ok := kb.ReplacementAcross(apiTestGVK(c.from, c.kind), V(c.a), V(c.b))
		gotS := ""
		if ok {
			gotS = got.APIVersion()
			if got.Kind != c.kind {
				t.Errorf("%s %s 1.%d->1.%d: kind %s, want %s", c.from, c.kind, c.a, c.b, got.Kind, c.kind)
			}
		}
		if gotS != c.want {
			t.Errorf("%s %s 1.%d->1.%d: replacement %q, want %q", c.from, c.kind, c.a, c.b, gotS, c.want)
		}
	}
	served := kb.ServedVersions("networking.k8s.io", "Ingress", V(20))
	if len(served) != 2 || served[0].Version != "v1" || served[1].Version != "v1beta1" {
		t.Errorf("ServedVersions(networking.k8s.io Ingress, 1.20) = %v, want v1 then v1beta1", served)
	}
}

// Every API names where upstream states it, is consistent with itself, and replacements
// point at known APIs.
func TestAPIsWellFormed(t *testing.T) {
	kb := apiTestKB(t)
	seen := map[GroupVersionKind]bool{}
	for _, a := range kb.APIs {
		if a.Source == "" {
			t.Errorf("%s: no source", a.GroupVersionKind)
		}
		if seen[a.GroupVersionKind] {
			t.Errorf("%s: listed twice", a.GroupVersionKind)
		}
		seen[a.GroupVersionKind] = true
		if a.Kind == "" || a.Version == "" || VersionPriority(a.Version) < 0 {
			t.Errorf("%+v: malformed group/version/kind", a.GroupVersionKind)
		}
		if strings.HasSuffix(a.Kind, "List") {
			t.Errorf("%s: list kinds are not objects", a.GroupVersionKind)
		}
		if a.IntroducedIn != nil && a.RemovedIn != nil && !a.IntroducedIn.Less(*a.RemovedIn) {
			t.Errorf("%s: introduced %s not before removal %s", a.GroupVersionKind, a.IntroducedIn, a.RemovedIn)
		}
		if a.Replacement != nil && kb.API(*a.Replacement) == nil {
			t.Errorf("%s: replacement %s unknown", a.GroupVersionKind, a.Replacement)
		}
		if VersionPriority(a.Version) < 2_000_000 && a.ServedByDefault {
			t.Errorf("%s: an alpha version served by default", a.GroupVersionKind)
		}
	}
}

// Recall on the corpus of real manifests: every apiVersion/kind it lists as removed must
// be known with that removal.
func TestAPIRecallOnRealCorpus(t *testing.T) {
	path := filepath.Join("..", "..", "shared", "corpus", "real-docs.tsv")
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		t.Skipf("%s absent: the shared corpus is not beside the repository", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kb := apiTestKB(t)
	checked := map[[3]string]bool{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		cols := strings.Split(sc.Text(), "\t")
		if line == 1 || len(cols) < 7 || cols[6] == "" {
			continue
		}
		key := [3]string{cols[2], cols[3], cols[6]}
		if checked[key] {
			continue
		}
		checked[key] = true
		a := kb.API(apiTestGVK(cols[2], cols[3]))
		switch {
		case a == nil:
			t.Errorf("%s:%d: %s %s (removed in %s) unknown", path, line, cols[2], cols[3], cols[6])
		case apiMinorString(a.RemovedIn) != cols[6]:
			t.Errorf("%s:%d: %s %s removed in %s, knowledge base says %s", path, line, cols[2], cols[3], cols[6], apiMinorString(a.RemovedIn))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(checked) == 0 {
		t.Fatalf("%s: no removed APIs read", path)
	}
}
