package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/tools/txtar"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

// Three generations of feature maps, as upstream wrote them: keys from the package itself,
// from another package through an alias, and through an unnamed import whose package
// clause differs from the last path element; a Default from a constant; VersionedSpecs
// with both version spellings; and a test helper file that must be ignored.
const gateTestModule = `
-- pkg/features/kube_features.go --
package features

import (
	genericfeatures "example.io/k/staging/generic/features"
	utilfeature "example.io/k/staging/generic/util/feature"
	"example.io/k/staging/logs/api/v1"
)

const (
	OldGate utilfeature.Feature = "OldGate"
	Locked  utilfeature.Feature = "LockedGate"
)

var defaultKubernetesFeatureGates = map[utilfeature.Feature]utilfeature.FeatureSpec{
	OldGate:                 {Default: false, PreRelease: utilfeature.Alpha},
	Locked:                  {Default: true, PreRelease: utilfeature.GA, LockToDefault: true},
	genericfeatures.Generic: {Default: true, PreRelease: utilfeature.Beta},
	logsapi.Contextual:      {Default: false, PreRelease: utilfeature.Alpha},
}
-- pkg/features/versioned.go --
package features

import (
	"example.io/k/staging/featuregate"
	"example.io/k/staging/version"
)

const Converted = featuregate.Feature("Converted")

var versioned = map[featuregate.Feature]featuregate.VersionedSpecs{
	Converted: {
		{Version: version.MustParse("1.30"), Default: false, PreRelease: featuregate.Alpha},
		{Version: version.MajorMinor(1, 32), Default: true, PreRelease: featuregate.Beta},
	},
	"Future": {
		{Version: version.MustParse("1.40"), Default: false, PreRelease: featuregate.Alpha},
	},
	"Hidden": {
		{Version: version.MustParse("1.30"), Default: false, PreRelease: featuregate.PreAlpha},
	},
}
-- staging/generic/features/features.go --
package features

import "example.io/k/staging/generic/util/feature"

const genericDefault = true

const Generic feature.Feature = "Generic"

var generic = map[feature.Feature]feature.FeatureSpec{
	Generic: {Default: genericDefault, PreRelease: feature.Beta},
}
-- staging/generic/features/helper_test_context.go --
package features

var helper = map[feature.Feature]feature.FeatureSpec{
	"TestOnly": {Default: true},
}
-- staging/logs/api/v1/features.go --
package logsapi

const Contextual = "ContextualLogging"
`

func gateTestTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range txtar.Parse([]byte(gateTestModule)).Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestGateMapsAreReadInEveryShape(t *testing.T) {
	dir := gateTestTree(t)
	dirs, err := gateMapDirs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"pkg/features", "staging/generic/features"}, dirs); diff != "" {
		t.Errorf("directories with feature maps (-want +got):\n%s", diff)
	}

	pkgs := newGatePackages(map[string]gateModuleRoot{"example.io/k": {dir: dir, label: "example.io/k@v1.2.3"}})
	states := map[string]map[string]string{} // gate -> minor -> "STAGE default locked"
	owners := map[string]string{}
	for _, ip := range []string{"example.io/k/pkg/features", "example.io/k/staging/generic/features"} {
		pkg, err := pkgs.load(ip)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := pkgs.entries(pkg)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.mapPath != ip || !strings.HasPrefix(e.pos, "example.io/k@v1.2.3/") {
				t.Errorf("%s: map %s, position %s", e.name, e.mapPath, e.pos)
			}
			if e.mapPath == e.ownerPath || owners[e.name] == "" {
				owners[e.name] = e.ownerPath
			}
			for _, m := range []string{"1.29", "1.30", "1.32"} {
				s, ok := gateSpecAt(e.specs, knowledge.MustMinor(m))
				if states[e.name] == nil {
					states[e.name] = map[string]string{}
				}
				if !ok {
					states[e.name][m] = "absent"
					continue
				}
				desc := s.stage
				if s.def {
					desc += " on"
				}
				if s.locked {
					desc += " locked"
				}
				states[e.name][m] = desc
			}
		}
	}
	all := func(s string) map[string]string { return map[string]string{"1.29": s, "1.30": s, "1.32": s} }
	want := map[string]map[string]string{
		"OldGate":           all("ALPHA"),
		"LockedGate":        all("GA on locked"),
		"Generic":           all("BETA on"),
		"ContextualLogging": all("ALPHA"),
		"Converted":         {"1.29": "absent", "1.30": "ALPHA", "1.32": "BETA on"},
		"Future":            all("absent"),
		"Hidden":            all("absent"),
	}
	if diff := cmp.Diff(want, states); diff != "" {
		t.Errorf("gate states (-want +got):\n%s", diff)
	}
	if got := owners["Generic"]; got != "example.io/k/staging/generic/features" {
		t.Errorf("Generic is declared in %s, want the generic features package", got)
	}
}

func TestGateCompress(t *testing.T) {
	five := map[string]bool{"kubelet": true, "kube-apiserver": true}
	apiserverOnly := map[string]bool{"kube-apiserver": true}
	at := func(stage string, def, locked bool, comps map[string]bool, minor int) *gateAtMinor {
		return &gateAtMinor{spec: gateSpec{stage: stage, def: def, locked: locked}, pos: "m@v1." + string(rune('0'+minor%10)), components: comps}
	}
	results := []*gateMinorResult{
		{minor: knowledge.V(20), gates: map[string]*gateAtMinor{"A": at("BETA", true, false, five, 0), "Kept": at("GA", true, true, five, 0)}},
		{minor: knowledge.V(21), gates: map[string]*gateAtMinor{"A": at("BETA", true, false, five, 1), "Kept": at("GA", true, true, five, 1)}},
		{minor: knowledge.V(22), gates: map[string]*gateAtMinor{"A": at("GA", true, true, apiserverOnly, 2), "Kept": at("GA", true, true, five, 2)}},
		{minor: knowledge.V(23), gates: map[string]*gateAtMinor{"Kept": at("GA", true, true, five, 3)}},
	}
	removed := knowledge.V(23)
	want := []knowledge.Gate{
		{
			Name: "A",
			Stages: []knowledge.GateStage{
				{Stage: "BETA", Default: true, From: knowledge.V(20), To: knowledge.V(21)},
				{Stage: "GA", Default: true, Locked: true, From: knowledge.V(22), To: knowledge.V(22)},
			},
			RemovedIn:         &removed,
			Components:        []string{"kube-apiserver", "kubelet"},
			ComponentRemovals: []knowledge.GateRemoval{{Component: "kubelet", RemovedIn: knowledge.V(22)}},
			Source:            "m@v1.2",
		},
		{
			Name:       "Kept",
			Stages:     []knowledge.GateStage{{Stage: "GA", Default: true, Locked: true, From: knowledge.V(20), To: knowledge.V(23)}},
			Components: []string{"kube-apiserver", "kubelet"},
			Source:     "m@v1.3",
		},
	}
	if diff := cmp.Diff(want, gateCompress(results)); diff != "" {
		t.Errorf("gateCompress (-want +got):\n%s", diff)
	}
}

func TestGateStagingReplaces(t *testing.T) {
	p := filepath.Join(t.TempDir(), "go.mod")
	mod := "module k8s.io/kubernetes\n\nreplace (\n\tk8s.io/api => ./staging/src/k8s.io/api\n\tk8s.io/klog => k8s.io/klog v1.0.0\n)\n\nreplace k8s.io/apiserver => ./staging/src/k8s.io/apiserver\n"
	if err := os.WriteFile(p, []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := gateStagingReplaces(p)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]bool{"k8s.io/api": true, "k8s.io/apiserver": true}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
