package knowledge

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// gateTestKB loads the embedded knowledge base, failing the test when it does not load.
func gateTestKB(t *testing.T) *KB {
	t.Helper()
	kb, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return kb
}

func gateTestMinor(t *testing.T, s string) *Minor {
	t.Helper()
	if s == "" {
		return nil
	}
	m, err := ParseMinor(s)
	if err != nil {
		t.Fatal(err)
	}
	return &m
}

// Facts stated by upstream CHANGELOGs (the files inside the k8s.io/kubernetes module zips),
// which the generated data, read from the feature maps, must agree with.
func TestGatesAgreeWithChangelogs(t *testing.T) {
	kb := gateTestKB(t)
	type stageAt struct {
		minor       string
		stage       string
		def, locked bool
		absent      bool
	}
	tests := []struct {
		gate      string
		why       string
		removedIn string // "" = still present in the newest minor
		at        []stageAt
	}{
		{
			gate: "VolumeSubpathEnvExpansion",
			// k8s.io/kubernetes@v1.17.17/CHANGELOG/CHANGELOG-1.17.md:1830: "The VolumeSubpathEnvExpansion
			// feature is graduating to GA. The `VolumeSubpathEnvExpansion` feature gate is unconditionally
			// enabled, and will be removed in v1.19."
			why:       "GA and locked to true in 1.17-1.18, removed in 1.19",
			removedIn: "1.19",
			at: []stageAt{
				{minor: "1.17", stage: "GA", def: true, locked: true},
				{minor: "1.18", stage: "GA", def: true, locked: true},
				{minor: "1.19", absent: true},
			},
		},
		{
			gate: "TokenRequest",
			// k8s.io/kubernetes@v1.21.14/CHANGELOG/CHANGELOG-1.21.md:1690: "The GA TokenRequest and
			// TokenRequestProjection feature gates have been removed and are unconditionally enabled."
			why:       "removed in 1.21",
			removedIn: "1.21",
			at:        []stageAt{{minor: "1.20", stage: "GA", def: true, locked: true}, {minor: "1.21", absent: true}},
		},
		{
			gate: "ValidateProxyRedirects",
			// k8s.io/kubernetes@v1.24.17/CHANGELOG/CHANGELOG-1.24.md:2336: "Remove deprecated feature gates
			// `ValidateProxyRedirects` and `StreamingProxyRedirects`" — gates of k8s.io/apiserver.
			why:       "a k8s.io/apiserver gate, deprecated, removed in 1.24",
			removedIn: "1.24",
			at:        []stageAt{{minor: "1.23", stage: "DEPRECATED", def: true}, {minor: "1.24", absent: true}},
		},
		{
			gate: "StreamingProxyRedirects",
			// Same CHANGELOG line as ValidateProxyRedirects.
			why:       "a k8s.io/apiserver gate, removed in 1.24",
			removedIn: "1.24",
			at:        []stageAt{{minor: "1.23", stage: "DEPRECATED"}, {minor: "1.24", absent: true}},
		},
		{
			gate: "DynamicKubeletConfig",
			// k8s.io/kubernetes@v1.26.15/CHANGELOG/CHANGELOG-1.26.md:2241: "`DynamicKubeletConfig` feature
			// gate has been removed from the API server."
			why:       "removed from the last component in 1.26",
			removedIn: "1.26",
			at:        []stageAt{{minor: "1.25", stage: "DEPRECATED"}, {minor: "1.26", absent: true}},
		},
		{
			gate: "SidecarContainers",
			// k8s.io/kubernetes@v1.37.1/CHANGELOG/CHANGELOG-1.37.md:623: "The `SidecarContainers` feature
			// gate, unconditionally enabled since `v1.33`, is removed." — read from VersionedSpecs.
			why:       "locked since 1.33, removed in 1.37",
			removedIn: "1.37",
			at: []stageAt{
				{minor: "1.32", stage: "BETA", def: true},
				{minor: "1.33", stage: "GA", def: true, locked: true},
				{minor: "1.36", stage: "GA", def: true, locked: true},
				{minor: "1.37", absent: true},
			},
		},
		{
			gate: "WatchListClient",
			// k8s.io/kubernetes@v1.35.8/CHANGELOG/CHANGELOG-1.35.md:1091: "Enabled the `WatchListClient`
			// feature gate." — a k8s.io/client-go gate (client-go declares gates from 1.30).
			why: "client-go gate, default on from 1.35",
			at: []stageAt{
				{minor: "1.29", absent: true},
				{minor: "1.34", stage: "BETA", def: false},
				{minor: "1.35", stage: "BETA", def: true},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.gate, func(t *testing.T) {
			g := kb.Gate(tt.gate)
			if g == nil {
				t.Fatalf("gate %s missing (%s)", tt.gate, tt.why)
			}
			if want := gateTestMinor(t, tt.removedIn); (want == nil) != (g.RemovedIn == nil) || (want != nil && *want != *g.RemovedIn) {
				t.Errorf("RemovedIn = %v, want %q (%s)", g.RemovedIn, tt.removedIn, tt.why)
			}
			for _, a := range tt.at {
				m := *gateTestMinor(t, a.minor)
				got, ok := g.At(m)
				if a.absent {
					if ok {
						t.Errorf("at %s: present as %+v, want absent (%s)", m, got, tt.why)
					}
					continue
				}
				if !ok {
					t.Errorf("at %s: absent, want %s (%s)", m, a.stage, tt.why)
					continue
				}
				if got.Stage != a.stage || got.Default != a.def || got.Locked != a.locked {
					t.Errorf("at %s: %s default=%v locked=%v, want %s default=%v locked=%v (%s)",
						m, got.Stage, got.Default, got.Locked, a.stage, a.def, a.locked, tt.why)
				}
			}
		})
	}
}

// Every minor has a full set of gates: 1.10's pkg/features lists 46, plus the generic AllAlpha
// (k8s.io/kubernetes@v1.10.13), and the count only grows past a hundred from 1.17 on.
func TestGatesCoverEveryMinor(t *testing.T) {
	kb := gateTestKB(t)
	for m := Oldest; !Newest.Less(m); m = m.Next() {
		n := 0
		for i := range kb.Gates {
			if _, ok := kb.Gates[i].At(m); ok {
				n++
			}
		}
		want := 45
		if !m.Less(V(17)) {
			want = 100
		}
		if n < want {
			t.Errorf("%s: %d gates, want at least %d", m, n, want)
		}
	}
}

var gateSourceRE = regexp.MustCompile(`^(k8s\.io/[a-z-]+)@(v[0-9]+\.[0-9]+\.[0-9]+)/[A-Za-z0-9_./-]+\.go:[1-9][0-9]*$`)

var gateComponents = map[string]bool{
	"kube-apiserver": true, "kube-controller-manager": true, "kube-proxy": true, "kube-scheduler": true, "kubelet": true,
}

// The stages of a gate cover one unbroken stretch of minors, compressed as far as possible;
// RemovedIn is the minor right after it; the source is the listing in the last minor.
func TestGateStagesAndSources(t *testing.T) {
	kb := gateTestKB(t)
	inputs := gateTestInputs(t)
	for _, g := range kb.Gates {
		if len(g.Stages) == 0 {
			t.Errorf("%s: no stages", g.Name)
			continue
		}
		for i := 1; i < len(g.Stages); i++ {
			prev, cur := g.Stages[i-1], g.Stages[i]
			if prev.To.Next() != cur.From {
				t.Errorf("%s: stage ending %s is followed by one starting %s (gap or overlap)", g.Name, prev.To, cur.From)
			}
			if prev.Stage == cur.Stage && prev.Default == cur.Default && prev.Locked == cur.Locked {
				t.Errorf("%s: stages %s..%s and %s..%s are equal and should be one", g.Name, prev.From, prev.To, cur.From, cur.To)
			}
		}
		last := g.Stages[len(g.Stages)-1].To
		switch {
		case g.RemovedIn == nil && last != Newest:
			t.Errorf("%s: last listed in %s but not removed", g.Name, last)
		case g.RemovedIn != nil && *g.RemovedIn != last.Next():
			t.Errorf("%s: last listed in %s but removed in %s", g.Name, last, g.RemovedIn)
		}
		if g.RemovedIn != nil {
			if _, ok := g.At(*g.RemovedIn); ok {
				t.Errorf("%s: present in %s, the minor it is removed in", g.Name, g.RemovedIn)
			}
		}

		sm := gateSourceRE.FindStringSubmatch(g.Source)
		if sm == nil {
			t.Errorf("%s: source %q is not module@version/path:line", g.Name, g.Source)
			continue
		}
		if !inputs[sm[1]+"@"+sm[2]] {
			t.Errorf("%s: source %q names a module version the data's inputs do not list", g.Name, g.Source)
		}
		// Staging modules are v0.MINOR.PATCH, k8s.io/kubernetes v1.MINOR.PATCH.
		srcMinor, err := ParseMinor(strings.Replace(sm[2], "v0.", "v1.", 1))
		if err != nil || srcMinor != last {
			t.Errorf("%s: source %q is not from %s, the last minor listing the gate", g.Name, g.Source, last)
		}

		if len(g.Components) == 0 {
			t.Errorf("%s: no components", g.Name)
		}
		for _, c := range g.Components {
			if !gateComponents[c] {
				t.Errorf("%s: unknown component %q", g.Name, c)
			}
		}
		for _, r := range g.ComponentRemovals {
			if !slices.Contains(g.Components, r.Component) || !g.FirstSeen().Less(r.RemovedIn) || (g.RemovedIn != nil && !r.RemovedIn.Less(*g.RemovedIn)) {
				t.Errorf("%s: component removal %+v outside the gate's life", g.Name, r)
			}
		}
	}
}

// Gates of k8s.io/kubernetes pkg/features and of the shared default gate are known to all five
// components; the generic AllAlpha has been there since before 1.10.
func TestGateComponents(t *testing.T) {
	kb := gateTestKB(t)
	for _, name := range []string{"VolumeSubpathEnvExpansion", "ValidateProxyRedirects", "ContextualLogging", "AllAlpha", "WatchListClient"} {
		g := kb.Gate(name)
		if g == nil {
			t.Errorf("%s: missing", name)
			continue
		}
		if len(g.Components) != len(gateComponents) {
			t.Errorf("%s: components %v, want all five", name, g.Components)
		}
	}
	if g := kb.Gate("AllAlpha"); g == nil || g.FirstSeen() != Oldest || g.RemovedIn != nil {
		t.Errorf("AllAlpha: %+v, want present from %s on and never removed", g, Oldest)
	}
}

func TestGateRemovedFor(t *testing.T) {
	removed := V(27)
	g := &Gate{
		Name:              "IPv6DualStack",
		Stages:            []GateStage{{Stage: "GA", Default: true, Locked: true, From: V(23), To: V(26)}},
		RemovedIn:         &removed,
		Components:        []string{"kube-controller-manager", "kubelet"},
		ComponentRemovals: []GateRemoval{{Component: "kubelet", RemovedIn: V(25)}},
	}
	tests := []struct {
		component string
		minor     Minor
		want      bool
	}{
		{"kubelet", V(24), false},
		{"kubelet", V(25), true},
		{"kubelet", V(28), true},
		{"kube-controller-manager", V(26), false},
		{"kube-controller-manager", V(27), true},
	}
	for _, tt := range tests {
		if got := g.RemovedFor(tt.component, tt.minor); got != tt.want {
			t.Errorf("RemovedFor(%s, %s) = %v, want %v", tt.component, tt.minor, got, tt.want)
		}
	}
}

// gateTestInputs is the set of module@version strings gates.json says it read.
func gateTestInputs(t *testing.T) map[string]bool {
	t.Helper()
	b, err := dataFS.ReadFile("data/gates.json")
	if err != nil {
		t.Fatal(err)
	}
	var f DataFile[json.RawMessage]
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, in := range f.Inputs {
		mv, _, _ := strings.Cut(in, " ") // "k8s.io/x@v0.18.19 (v0.18.20 refused by the module proxy)"
		out[mv] = true
	}
	if len(out) == 0 {
		t.Fatal("gates.json lists no inputs")
	}
	return out
}
