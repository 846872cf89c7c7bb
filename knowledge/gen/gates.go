package main

import (
	"bufio"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

// Feature gates: every map of FeatureSpecs in the pinned k8s.io/kubernetes of each minor
// and in the staging modules that declare gates, read with go/ast (see gates_parse.go).
//
// Which components know a gate follows from where the map that lists it lives:
//   - k8s.io/kubernetes pkg/features: all five components import it; its init adds the
//     map to the process-wide default gate.
//   - k8s.io/apiserver, k8s.io/component-base, k8s.io/client-go: their gates are added to
//     that same shared default gate (apiserver's by its features package, which
//     pkg/features imports; component-base's built-ins, logging and metrics gates and,
//     from 1.30, client-go's through pkg/features' init), so all five know them too.
//   - k8s.io/apiextensions-apiserver: only kube-apiserver links it.
//   - k8s.io/controller-manager and k8s.io/cloud-provider: their own maps are registered
//     only by cloud-controller-manager (controller-manager/pkg/features/register, imported
//     by cloud-provider/app), which is none of the five: they are read only to resolve
//     keys that pkg/features relists (kcmfeatures.CloudControllerManagerWebhook, 1.32+;
//     cloudfeatures.GCERegionalPersistentDisk, ≤1.14).
// A gate relisted in pkg/features ("relisted here to get a conflict") is therefore known to
// all five even when its home is apiextensions-apiserver. Components are the union over
// all minors; a component that drops a gate before the others is a ComponentRemoval.

var gateAllComponents = []string{"kube-apiserver", "kube-controller-manager", "kube-proxy", "kube-scheduler", "kubelet"}

// gateModule is one module whose feature maps are read.
type gateModule struct {
	path string
	// subtrees limits the walk for large modules ("" walks the whole module).
	// subtrees limits the walk for large modules ("" walks the whole module); none means
	// the module is read only to resolve keys of other modules' maps.
	subtrees   []string
	components []string
}

var gateModules = []gateModule{
	{"k8s.io/kubernetes", []string{"pkg/features"}, gateAllComponents},
	{"k8s.io/apiserver", []string{""}, gateAllComponents},
	{"k8s.io/component-base", []string{""}, gateAllComponents},
	{"k8s.io/client-go", []string{"features"}, gateAllComponents},
	{"k8s.io/apiextensions-apiserver", []string{"pkg"}, []string{"kube-apiserver"}},
	{"k8s.io/controller-manager", nil, nil},
	{"k8s.io/cloud-provider", nil, nil},
}

// gateAtMinor is what one minor's sources say about one gate.
type gateAtMinor struct {
	spec       gateSpec
	pos        string
	components map[string]bool
}

// gateMinorResult is everything read for one minor.
type gateMinorResult struct {
	minor  knowledge.Minor
	gates  map[string]*gateAtMinor
	inputs []string
	notes  []string
}

func genGates(g *generator) error {
	minors, results, err := perMinor(g, "gates", func(m knowledge.Minor) (*gateMinorResult, error) { return gateReadMinor(g, m) })
	if err != nil {
		return err
	}
	var inputs []string
	for i := range results {
		inputs = append(inputs, results[i].inputs...)
		for _, n := range results[i].notes {
			fmt.Fprintf(os.Stderr, "gen: gates %s: %s\n", minors[i], n)
		}
		fmt.Fprintf(os.Stderr, "gen: gates %s: %d gates\n", minors[i], len(results[i].gates))
	}
	items := gateCompress(results)
	return g.writeData("gates.json", inputs, items)
}

// gateCompress turns per-minor observations into one knowledge.Gate per name: runs of
// equal stage/default/lock become GateStages, and RemovedIn is the minor after the last
// one listing the gate (when that is not the newest minor read).
func gateCompress(results []*gateMinorResult) []knowledge.Gate {
	names := map[string]bool{}
	for _, r := range results {
		for n := range r.gates {
			names[n] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	newest := results[len(results)-1].minor
	items := make([]knowledge.Gate, 0, len(sorted))
	for _, name := range sorted {
		gate := knowledge.Gate{Name: name}
		comps := map[string]bool{}
		lastFor := map[string]knowledge.Minor{} // component -> last minor it registers the gate
		var last knowledge.Minor
		for _, r := range results {
			at, ok := r.gates[name]
			if !ok {
				continue
			}
			for c := range at.components {
				comps[c] = true
				lastFor[c] = r.minor
			}
			gate.Source = at.pos
			st := knowledge.GateStage{Stage: at.spec.stage, Default: at.spec.def, Locked: at.spec.locked, From: r.minor, To: r.minor}
			if n := len(gate.Stages); n > 0 {
				prev := &gate.Stages[n-1]
				if prev.To.Next() == r.minor && prev.Stage == st.Stage && prev.Default == st.Default && prev.Locked == st.Locked {
					prev.To = r.minor
					last = r.minor
					continue
				}
			}
			gate.Stages = append(gate.Stages, st)
			last = r.minor
		}
		if last != newest {
			removed := last.Next()
			gate.RemovedIn = &removed
		}
		for c := range comps {
			gate.Components = append(gate.Components, c)
		}
		sort.Strings(gate.Components)
		for _, c := range gate.Components {
			if lastFor[c] != last {
				gate.ComponentRemovals = append(gate.ComponentRemovals, knowledge.GateRemoval{Component: c, RemovedIn: lastFor[c].Next()})
			}
		}
		items = append(items, gate)
	}
	return items
}

// gateReadMinor reads all feature maps of one minor.
func gateReadMinor(g *generator, m knowledge.Minor) (*gateMinorResult, error) {
	res := &gateMinorResult{minor: m, gates: map[string]*gateAtMinor{}}
	kv := g.kubernetesVersion(m)
	kdir, kused, err := gateFetch(g, "k8s.io/kubernetes", kv)
	if err != nil {
		return nil, err
	}
	res.inputs = append(res.inputs, gateInput("k8s.io/kubernetes", kv, kused))
	roots := map[string]gateModuleRoot{"k8s.io/kubernetes": {dir: kdir, label: "k8s.io/kubernetes@" + kused}}
	staged, err := gateStagingReplaces(filepath.Join(kdir, "go.mod"))
	if err != nil {
		return nil, err
	}
	for _, mod := range gateModules[1:] {
		if dir := filepath.Join(kdir, "staging", "src", filepath.FromSlash(mod.path)); !staged[mod.path] {
			// ≤1.14: staging sources ship inside the k8s.io/kubernetes module.
			if _, err := os.Stat(dir); err == nil {
				roots[mod.path] = gateModuleRoot{dir: dir, label: "k8s.io/kubernetes@" + kused + "/staging/src/" + mod.path}
			}
			continue
		}
		want := stagingVersion(kused)
		dir, used, err := gateFetch(g, mod.path, want)
		if err != nil {
			return nil, err
		}
		res.inputs = append(res.inputs, gateInput(mod.path, want, used))
		roots[mod.path] = gateModuleRoot{dir: dir, label: mod.path + "@" + used}
	}

	pkgs := newGatePackages(roots)
	var entries []gateEntry
	modComponents := map[string][]string{} // import path of a map's package -> components
	for _, mod := range gateModules {
		root, ok := roots[mod.path]
		if !ok {
			continue
		}
		for _, sub := range mod.subtrees {
			walkRoot := filepath.Join(root.dir, filepath.FromSlash(sub))
			if _, err := os.Stat(walkRoot); err != nil {
				continue // e.g. client-go has features/ only from 1.30
			}
			dirs, err := gateMapDirs(walkRoot)
			if err != nil {
				return nil, err
			}
			for _, d := range dirs {
				ip := mod.path
				if rel := path.Join(sub, d); rel != "." {
					ip += "/" + rel
				}
				pkg, err := pkgs.load(ip)
				if err != nil {
					return nil, err
				}
				es, err := pkgs.entries(pkg)
				if err != nil {
					return nil, err
				}
				modComponents[ip] = mod.components
				entries = append(entries, es...)
			}
		}
	}
	byName := map[string][]gateEntry{}
	var order []string
	for _, e := range entries {
		if _, ok := byName[e.name]; !ok {
			order = append(order, e.name)
		}
		byName[e.name] = append(byName[e.name], e)
	}
	for _, name := range order {
		es := byName[name]
		// The declaring package's own map is authoritative; relistings must agree with it
		// (featuregate.Add rejects a differing spec), and a disagreement is reported.
		best := es[0]
		for _, e := range es {
			if e.mapPath == e.ownerPath {
				best = e
				break
			}
		}
		spec, ok := gateSpecAt(best.specs, m)
		for _, e := range es {
			if s, ok2 := gateSpecAt(e.specs, m); ok2 != ok || s != spec {
				res.notes = append(res.notes, fmt.Sprintf("%s: %s and %s disagree", name, best.pos, e.pos))
			}
		}
		if !ok {
			res.notes = append(res.notes, fmt.Sprintf("%s: listed (%s) but not settable in %s", name, best.pos, m))
			continue
		}
		at := &gateAtMinor{spec: spec, pos: best.pos, components: map[string]bool{}}
		for _, e := range es {
			for _, c := range modComponents[e.mapPath] {
				at.components[c] = true
			}
		}
		res.gates[name] = at
	}
	return res, nil
}

// gateSpecAt is the spec in force at minor m: an unversioned spec, or the last versioned
// spec whose Version ≤ m. A gate that is PreAlpha (or not yet specified) at m cannot be
// set, which is what "not known" means to a user: ok is false.
func gateSpecAt(specs []gateSpec, m knowledge.Minor) (gateSpec, bool) {
	var found *gateSpec
	for i := range specs {
		if !specs[i].versioned || !m.Less(specs[i].version) {
			found = &specs[i]
		}
	}
	if found == nil || found.stage == "PREALPHA" {
		return gateSpec{}, false
	}
	s := *found
	s.versioned, s.version = false, knowledge.Minor{}
	return s, true
}

// gateStagingReplaces lists the modules that k8s.io/kubernetes' go.mod replaces with
// ./staging/src/...: from 1.15 those are published as modules of their own.
func gateStagingReplaces(goMod string) (map[string]bool, error) {
	f, err := os.Open(goMod)
	if err != nil {
		if os.IsNotExist(err) {
			return map[string]bool{}, nil // pre-modules releases
		}
		return nil, err
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "replace "))
		if len(fields) == 3 && fields[1] == "=>" && strings.HasPrefix(fields[2], "./staging/src/") {
			out[fields[0]] = true
		}
	}
	return out, sc.Err()
}

// gateFetch downloads module@version, falling back to the nearest lower patch when the
// proxy refuses it (refusal is not absence: the fallback is recorded in the inputs).
func gateFetch(g *generator, module, version string) (dir, used string, err error) {
	dir, err = g.moduleDir(module, version)
	if err == nil {
		return dir, version, nil
	}
	first := err
	i := strings.LastIndex(version, ".")
	patch, convErr := strconv.Atoi(version[i+1:])
	if i < 0 || convErr != nil {
		return "", "", first
	}
	for p := patch - 1; p >= 0; p-- {
		v := version[:i+1] + strconv.Itoa(p)
		if dir, err = g.moduleDir(module, v); err == nil {
			return dir, v, nil
		}
	}
	return "", "", first
}

func gateInput(module, want, used string) string {
	if want == used {
		return module + "@" + used
	}
	return fmt.Sprintf("%s@%s (%s refused by the module proxy)", module, used, want)
}
