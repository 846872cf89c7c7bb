package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

// apiModules are the modules whose packages define the built-in API types, and where
// their versioned packages live inside each.
var apiModules = []struct{ path, apis string }{
	{"k8s.io/api", ""},
	{"k8s.io/apiextensions-apiserver", "pkg/apis"},
	{"k8s.io/kube-aggregator", "pkg/apis"},
}

// lastMinorWithStagingInside is the last release whose k8s.io/kubernetes module zip still
// carries staging/src/k8s.io/*: from the next one on the staging folders are modules of
// their own and are left out of the main module's zip.
var lastMinorWithStagingInside = knowledge.V(14)

// betasOffByDefaultFrom is the first minor whose API server no longer enables new beta
// versions by default (KEP-3136); which older betas stay on is read from the sources.
var betasOffByDefaultFrom = knowledge.V(24)

// minorScan is what one minor's sources register.
type minorScan struct {
	minor    knowledge.Minor
	versions []scannedVersion
	inputs   []string
	// legacyBetaOn lists the beta kinds the API server of this minor enables by default
	// despite KEP-3136 ("group/version/kind"), with the file and line saying so.
	legacyBetaOn map[knowledge.GroupVersionKind]string
}

func genAPIs(g *generator) error {
	_, scans, err := perMinor(g, "apis", g.scanMinor)
	if err != nil {
		return err
	}
	manual, err := g.readManualAPIs("knowledge/gen/manual_apis.yaml")
	if err != nil {
		return err
	}
	apis, warnings := buildAPIs(scans, manual.rows)
	for _, w := range warnings {
		fmt.Fprintln(os.Stderr, "gen: apis:", w)
	}
	var inputs []string
	for _, s := range scans {
		inputs = append(inputs, s.inputs...)
	}
	inputs = append(inputs, manual.inputs...)
	return g.writeData("apis.json", inputs, apis)
}

// scanMinor reads the API packages of minor m, and from 1.24 on which betas its API
// server still enables by default.
func (g *generator) scanMinor(m knowledge.Minor) (*minorScan, error) {
	kv := g.kubernetesVersion(m)
	scan := &minorScan{minor: m, legacyBetaOn: map[knowledge.GroupVersionKind]string{}}
	var trees []apiTree
	if !lastMinorWithStagingInside.Less(m) {
		dir, err := g.moduleDir("k8s.io/kubernetes", kv)
		if err != nil {
			return nil, err
		}
		scan.inputs = append(scan.inputs, "k8s.io/kubernetes@"+kv)
		for _, am := range apiModules {
			rel := filepath.ToSlash(filepath.Join("staging/src", am.path, am.apis))
			trees = append(trees, apiTree{module: "k8s.io/kubernetes@" + kv, dir: filepath.Join(dir, rel), rel: rel, pkgPath: filepath.ToSlash(filepath.Join(am.path, am.apis))})
		}
	} else {
		for _, am := range apiModules {
			v, dir, err := g.nearestPatch(am.path, stagingVersion(kv))
			if err != nil {
				return nil, err
			}
			scan.inputs = append(scan.inputs, am.path+"@"+v)
			trees = append(trees, apiTree{module: am.path + "@" + v, dir: filepath.Join(dir, am.apis), rel: am.apis, pkgPath: filepath.ToSlash(filepath.Join(am.path, am.apis))})
		}
	}
	for _, t := range trees {
		vs, err := scanTree(t)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.module, err)
		}
		scan.versions = append(scan.versions, vs...)
	}
	if !m.Less(betasOffByDefaultFrom) {
		v, dir, err := g.nearestPatch("k8s.io/kubernetes", kv)
		if err != nil {
			return nil, err
		}
		scan.inputs = append(scan.inputs, "k8s.io/kubernetes@"+v)
		if err := readLegacyBetaOn(scan, "k8s.io/kubernetes@"+v, dir); err != nil {
			return nil, err
		}
	}
	return scan, nil
}

// nearestPatch downloads path@version, or when the proxy refuses it the nearest earlier
// patch of the same minor that it serves; the version read is returned for the inputs.
func (g *generator) nearestPatch(path, version string) (string, string, error) {
	dir, firstErr := g.moduleDir(path, version)
	if firstErr == nil {
		return version, dir, nil
	}
	i := strings.LastIndex(version, ".")
	patch, err := strconv.Atoi(version[i+1:])
	if i < 0 || err != nil {
		return "", "", firstErr
	}
	for p := patch - 1; p >= 0; p-- {
		v := version[:i+1] + strconv.Itoa(p)
		if dir, err := g.moduleDir(path, v); err == nil {
			fmt.Fprintf(os.Stderr, "gen: apis: %s@%s refused, read %s instead\n", path, version, v)
			return v, dir, nil
		}
	}
	return "", "", firstErr
}

// readLegacyBetaOn reads legacyBetaEnabledByDefaultResources from the control plane's
// default resource config: the beta resources that stay enabled by default after KEP-3136.
func readLegacyBetaOn(scan *minorScan, module, dir string) error {
	candidates := []string{"pkg/controlplane/instance.go", "pkg/controlplane/apiserver/options/options.go"}
	// The control plane names versions through k8s.io/api or through its internal
	// copies (k8s.io/kubernetes/pkg/apis/flowcontrol/v1beta3): match on group folder/version.
	byPkg := map[string]scannedVersion{}
	for _, v := range scan.versions {
		byPkg[groupVersionDir(v.pkgPath)] = v
	}
	for _, rel := range candidates {
		file := filepath.Join(dir, rel)
		if _, err := os.Stat(file); err != nil {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		imports := map[string]string{}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			name := filepath.Base(p)
			if imp.Name != nil {
				name = imp.Name.Name
			}
			imports[name] = p
		}
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "legacyBetaEnabledByDefaultResources" || len(vs.Values) != 1 {
				return true
			}
			lit, ok := vs.Values[0].(*ast.CompositeLit)
			if !ok {
				return false
			}
			for _, el := range lit.Elts {
				pkg, resource, ok := withResourceCall(el)
				if !ok {
					continue
				}
				sv, ok := byPkg[groupVersionDir(imports[pkg])]
				if !ok {
					continue
				}
				for _, k := range sv.kinds {
					if apiResourcePlural(k.Kind) == resource {
						scan.legacyBetaOn[k.GroupVersionKind] = fmt.Sprintf("%s/%s:%d", module, rel, fset.Position(el.Pos()).Line)
					}
				}
			}
			return false
		})
	}
	return nil
}

// withResourceCall reads `pkg.SchemeGroupVersion.WithResource("resource")`.
func withResourceCall(e ast.Expr) (pkg, resource string, ok bool) {
	call, isCall := e.(*ast.CallExpr)
	if !isCall || len(call.Args) != 1 {
		return "", "", false
	}
	sel, isSel := call.Fun.(*ast.SelectorExpr)
	if !isSel || sel.Sel.Name != "WithResource" {
		return "", "", false
	}
	inner, isSel := sel.X.(*ast.SelectorExpr)
	if !isSel || inner.Sel.Name != "SchemeGroupVersion" {
		return "", "", false
	}
	id, isID := inner.X.(*ast.Ident)
	if !isID {
		return "", "", false
	}
	resource, ok = apiStringLit(call.Args[0])
	return id.Name, resource, ok
}

// groupVersionDir is the last two elements of an import path: "flowcontrol/v1beta3".
func groupVersionDir(pkgPath string) string {
	parts := strings.Split(pkgPath, "/")
	if len(parts) < 2 {
		return pkgPath
	}
	return strings.Join(parts[len(parts)-2:], "/")
}

// apiResourcePlural is the resource name the API server derives from a kind (its default
// RESTMapper rule), enough to match the resources the control plane names.
func apiResourcePlural(kind string) string {
	s := strings.ToLower(kind)
	switch {
	case strings.HasSuffix(s, "s"):
		return s + "es"
	case strings.HasSuffix(s, "y"):
		return s[:len(s)-1] + "ies"
	}
	return s + "s"
}

// notObjectKinds are registered types that no one writes in a manifest or sends as a
// review: wrappers, subresources and API machinery.
var notObjectKinds = map[string]bool{
	"WatchEvent": true, "InternalEvent": true, "Status": true, "DeleteOptions": true,
	"Scale": true, "DeploymentRollback": true, "ReplicationControllerDummy": true,
	"RangeAllocation": true, "SerializedReference": true, "PodStatusResult": true,
	"APIVersions": true, "APIGroup": true, "APIGroupList": true, "APIResourceList": true,
	"Table": true, "PartialObjectMetadata": true,
	// core/v1 payloads of subresources and of the kubelet, never objects of their own.
	"EphemeralContainers": true, "NodeConfigSource": true,
}

func isObjectKind(kind string) bool {
	return !notObjectKinds[kind] && !strings.HasSuffix(kind, "List") && !strings.HasSuffix(kind, "Options")
}

// observed collects what every minor says about one group/version/kind.
type observed struct {
	gvk       knowledge.GroupVersionKind
	present   []knowledge.Minor // ascending
	firstSeen string            // register.go line of the first minor that has it
	lastSeen  string            // register.go line of the last minor that has it
	life      *lifecycle        // from the newest module that states one
}

// buildAPIs turns the per-minor scans into one lifecycle per kind, then applies the
// hand-kept rows. Warnings name disagreements worth a look; they do not stop generation.
func buildAPIs(scans []*minorScan, manual []manualAPI) ([]knowledge.API, []string) {
	var warnings []string
	obs := map[knowledge.GroupVersionKind]*observed{}
	legacyOn := map[knowledge.GroupVersionKind]string{}
	for _, s := range scans { // ascending minors: later modules overwrite the lifecycle
		for _, v := range s.versions {
			for _, k := range v.kinds {
				if !isObjectKind(k.Kind) {
					continue
				}
				o := obs[k.GroupVersionKind]
				if o == nil {
					o = &observed{gvk: k.GroupVersionKind, firstSeen: k.source}
					obs[k.GroupVersionKind] = o
				}
				o.present = append(o.present, s.minor)
				o.lastSeen = k.source
				if lc := v.lifecycle[k.Kind]; lc != nil {
					o.life = lc
				}
			}
		}
		for gvk, src := range s.legacyBetaOn {
			if _, ok := legacyOn[gvk]; !ok {
				legacyOn[gvk] = src
			}
		}
	}
	oldest, newest := scans[0].minor, scans[len(scans)-1].minor
	var out []knowledge.API
	for _, o := range obs {
		a := knowledge.API{GroupVersionKind: o.gvk}
		first, last := o.present[0], o.present[len(o.present)-1]
		if len(o.present) != last.Sub(first)+1 {
			warnings = append(warnings, fmt.Sprintf("%s: not registered in every minor between %s and %s", o.gvk, first, last))
		}
		var sources []string
		if o.life != nil {
			a.IntroducedIn, a.DeprecatedIn, a.RemovedIn, a.Replacement = o.life.introduced, o.life.deprecated, o.life.removed, o.life.replacement
			sources = append(sources, o.life.source)
		}
		// The first minor that registers the type is its introduction when the sources
		// say no earlier one; a type already in the oldest minor read keeps what the
		// lifecycle states, or none ("before the knowledge base begins").
		if first != oldest {
			if a.IntroducedIn != nil && *a.IntroducedIn != first {
				warnings = append(warnings, fmt.Sprintf("%s: lifecycle says introduced %s, first registered in %s (kept %s)", o.gvk, a.IntroducedIn, first, first))
			}
			a.IntroducedIn = first.Ptr()
			sources = append(sources, "introduced: "+o.firstSeen)
		}
		if last != newest {
			gone := last.Next()
			if a.RemovedIn == nil || gone.Less(*a.RemovedIn) {
				a.RemovedIn = &gone
				sources = append(sources, fmt.Sprintf("removed: last registered in %s at %s", last, o.lastSeen))
			}
		}
		if a.DeprecatedIn != nil && a.RemovedIn != nil && a.RemovedIn.Less(*a.DeprecatedIn) {
			// The stated deprecation was a projection (introduced + 3) that the removal
			// overtook: the version went before it was ever deprecated.
			sources = append(sources, "projected deprecation "+a.DeprecatedIn.String()+" overtaken by the removal")
			a.DeprecatedIn = nil
		}
		if len(sources) == 0 {
			sources = append(sources, o.firstSeen)
		}
		a.Source = strings.Join(sources, "; ")
		out = append(out, a)
	}
	out, mw := applyManual(out, manual)
	warnings = append(warnings, mw...)
	for i := range out {
		a := &out[i]
		clampToCoverage(a, oldest, newest)
		a.ServedByDefault = servedByDefault(a, legacyOn)
		if r := a.Replacement; r != nil && !containsGVK(out, *r) && !isObjectKind(r.Kind) {
			// Upstream once tagged a kind's replacement with the kind's list type
			// (networking.k8s.io/v1beta1 IngressClass -> IngressClassList); the object
			// kind it means is the one of the same name in the named version.
			fixed := knowledge.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: a.Kind}
			if containsGVK(out, fixed) {
				warnings = append(warnings, fmt.Sprintf("%s: replacement %s read as %s", a.GroupVersionKind, r, fixed))
				a.Replacement = &fixed
			}
		}
		if a.Replacement != nil && !containsGVK(out, *a.Replacement) {
			warnings = append(warnings, fmt.Sprintf("%s: replacement %s is not a known API", a.GroupVersionKind, a.Replacement))
		}
	}
	sort.Slice(out, func(i, j int) bool { return lessGVK(out[i].GroupVersionKind, out[j].GroupVersionKind) })
	sort.Strings(warnings)
	return out, warnings
}

// clampToCoverage keeps versions within the minors the knowledge base covers (oldest
// up to the minor after newest), which is all a hop between covered minors can ask about:
// an introduction before the oldest becomes none ("already there"), a deprecation before
// it becomes the oldest (still "deprecated by then"), and projections past newest+1 are
// dropped. What upstream states is kept in Source.
func clampToCoverage(a *knowledge.API, oldest, newest knowledge.Minor) {
	var stated []string
	if v := a.IntroducedIn; v != nil && v.Less(oldest) {
		stated = append(stated, "introduced "+v.String())
		a.IntroducedIn = nil
	}
	if v := a.DeprecatedIn; v != nil && v.Less(oldest) {
		stated = append(stated, "deprecated "+v.String())
		a.DeprecatedIn = oldest.Ptr()
	}
	limit := newest.Next()
	for _, f := range []struct {
		name string
		v    **knowledge.Minor
	}{{"introduced", &a.IntroducedIn}, {"deprecated", &a.DeprecatedIn}, {"removed", &a.RemovedIn}} {
		if *f.v != nil && limit.Less(**f.v) {
			stated = append(stated, f.name+" "+(*f.v).String())
			*f.v = nil
		}
	}
	if len(stated) > 0 {
		a.Source += "; upstream states " + strings.Join(stated, ", ")
	}
}

// servedByDefault applies the API server's rule: stable versions are on, alpha versions
// off; betas are on when introduced before KEP-3136 took effect, or when the control
// plane lists them among the legacy betas it still enables.
func servedByDefault(a *knowledge.API, legacyOn map[knowledge.GroupVersionKind]string) bool {
	switch p := knowledge.VersionPriority(a.Version); {
	case p >= 3_000_000:
		return true
	case p >= 2_000_000:
		if _, ok := legacyOn[a.GroupVersionKind]; ok {
			return true
		}
		return a.IntroducedIn == nil || a.IntroducedIn.Less(betasOffByDefaultFrom)
	}
	return false
}

func containsGVK(apis []knowledge.API, gvk knowledge.GroupVersionKind) bool {
	for i := range apis {
		if apis[i].GroupVersionKind == gvk {
			return true
		}
	}
	return false
}

func lessGVK(a, b knowledge.GroupVersionKind) bool {
	if a.Group != b.Group {
		return a.Group < b.Group
	}
	if a.Version != b.Version {
		return a.Version < b.Version
	}
	return a.Kind < b.Kind
}
