package main

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

// This file reads feature-gate maps out of Kubernetes sources with go/ast, in all the
// shapes they have taken:
//
//	map[utilfeature.Feature]utilfeature.FeatureSpec{X: {Default: false, PreRelease: utilfeature.Alpha}}   // ≤1.14
//	map[featuregate.Feature]featuregate.FeatureSpec{genericfeatures.X: {...}}                           // ≤1.30
//	map[featuregate.Feature]featuregate.VersionedSpecs{X: {{Version: version.MustParse("1.29"), ...}}}  // 1.31+
//
// Keys are constants declared elsewhere (possibly in another package), so constants are
// collected per import path and selector keys are resolved through each file's imports.

// gateSpec is one FeatureSpec; version is meaningful only for VersionedSpecs entries.
type gateSpec struct {
	versioned bool
	version   knowledge.Minor
	stage     string // ALPHA, BETA, GA, DEPRECATED, PREALPHA
	def       bool
	locked    bool
}

// gateEntry is one key of one feature map.
type gateEntry struct {
	name      string
	specs     []gateSpec
	pos       string // module@version/path:line
	ownerPath string // import path of the package declaring the key's constant
	mapPath   string // import path of the package holding the map
}

// gatePackages loads Go packages by import path from a set of module roots, lazily,
// so that a key such as genericfeatures.X is resolved in whatever package declares it.
type gatePackages struct {
	fset *token.FileSet
	// roots maps a module path to its directory and its "module@version" label.
	roots map[string]gateModuleRoot
	pkgs  map[string]*gatePackage
}

type gateModuleRoot struct {
	dir   string
	label string // module@version, and for staging inside k8s.io/kubernetes its path prefix
}

type gatePackage struct {
	importPath string
	name       string
	consts     map[string]string
	bools      map[string]bool // boolean constants, for Default: someDefault
	files      []*gateFile
}

type gateFile struct {
	file    *ast.File
	rel     string            // "module@version/path/file.go"
	imports map[string]string // explicit local name -> import path
	plain   []string          // import paths without a local name
}

func newGatePackages(roots map[string]gateModuleRoot) *gatePackages {
	return &gatePackages{fset: token.NewFileSet(), roots: roots, pkgs: map[string]*gatePackage{}}
}

// locate maps an import path to its directory and source label prefix.
func (p *gatePackages) locate(importPath string) (dir, label string, ok bool) {
	best := ""
	for mod := range p.roots {
		if (importPath == mod || strings.HasPrefix(importPath, mod+"/")) && len(mod) > len(best) {
			best = mod
		}
	}
	if best == "" {
		return "", "", false
	}
	r := p.roots[best]
	sub := strings.TrimPrefix(strings.TrimPrefix(importPath, best), "/")
	return filepath.Join(r.dir, filepath.FromSlash(sub)), path.Join(r.label, sub), true
}

// load parses the non-test Go files of one package (nil, nil when it has none).
func (p *gatePackages) load(importPath string) (*gatePackage, error) {
	if pkg, ok := p.pkgs[importPath]; ok {
		return pkg, nil
	}
	dir, label, ok := p.locate(importPath)
	if !ok {
		return nil, fmt.Errorf("no module root for %s", importPath)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	pkg := &gatePackage{importPath: importPath, consts: map[string]string{}, bools: map[string]bool{}}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.Contains(n, "test") {
			continue
		}
		f, err := parser.ParseFile(p.fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		if !gateBuildable(f) {
			continue
		}
		pkg.name = f.Name.Name
		gf := &gateFile{file: f, rel: label + "/" + n, imports: map[string]string{}}
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			if imp.Name != nil {
				gf.imports[imp.Name.Name] = ip
			} else {
				gf.plain = append(gf.plain, ip)
			}
		}
		pkg.files = append(pkg.files, gf)
		gateCollectConsts(f, pkg)
	}
	p.pkgs[importPath] = pkg
	return pkg, nil
}

// gateBuildable drops files that carry a build constraint excluding normal builds
// (// +build ignore, //go:build tools).
func gateBuildable(f *ast.File) bool {
	for _, cg := range f.Comments {
		if cg.Pos() > f.Package {
			break
		}
		for _, c := range cg.List {
			if strings.HasPrefix(c.Text, "//go:build ") || strings.HasPrefix(c.Text, "// +build ") {
				if strings.Contains(c.Text, "ignore") || strings.Contains(c.Text, "tools") {
					return false
				}
			}
		}
	}
	return true
}

func gateCollectConsts(f *ast.File, pkg *gatePackage) {
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, s := range gd.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if i >= len(vs.Values) {
					continue
				}
				val := vs.Values[i]
				if call, ok := val.(*ast.CallExpr); ok && len(call.Args) == 1 {
					val = call.Args[0] // featuregate.Feature("SystemdWatchdog")
				}
				switch v := val.(type) {
				case *ast.BasicLit:
					if s, err := strconv.Unquote(v.Value); err == nil && v.Kind == token.STRING {
						pkg.consts[n.Name] = s
					}
				case *ast.Ident:
					if v.Name == "true" || v.Name == "false" {
						pkg.bools[n.Name] = v.Name == "true"
					}
				}
			}
		}
	}
}

// gateSpecTypeName reports whether a map's value type is a FeatureSpec or VersionedSpecs.
func gateSpecTypeName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.SelectorExpr:
		return t.Sel.Name
	}
	return ""
}

// entries returns every key of every feature map in the package, in source order.
func (p *gatePackages) entries(pkg *gatePackage) ([]gateEntry, error) {
	var out []gateEntry
	var errs []string
	for _, gf := range pkg.files {
		ast.Inspect(gf.file, func(n ast.Node) bool {
			cl, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			mt, ok := cl.Type.(*ast.MapType)
			if !ok {
				return true
			}
			valueType := gateSpecTypeName(mt.Value)
			if valueType != "FeatureSpec" && valueType != "VersionedSpecs" {
				return true
			}
			for _, el := range cl.Elts {
				kv, ok := el.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				line := p.fset.Position(kv.Pos()).Line
				at := fmt.Sprintf("%s:%d", gf.rel, line)
				name, owner, err := p.resolveKey(pkg, gf, kv.Key)
				if err != nil {
					errs = append(errs, fmt.Sprintf("%s: %v", at, err))
					continue
				}
				specs, err := gateParseSpecs(kv.Value, valueType == "VersionedSpecs", pkg.bools)
				if err != nil {
					errs = append(errs, fmt.Sprintf("%s: %s: %v", at, name, err))
					continue
				}
				out = append(out, gateEntry{name: name, specs: specs, pos: at, ownerPath: owner, mapPath: pkg.importPath})
			}
			return false
		})
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return out, nil
}

// resolveKey turns a map key (identifier, selector or string literal) into the gate name
// and the import path of the package declaring it.
func (p *gatePackages) resolveKey(pkg *gatePackage, gf *gateFile, key ast.Expr) (string, string, error) {
	switch k := key.(type) {
	case *ast.BasicLit:
		s, err := strconv.Unquote(k.Value)
		return s, pkg.importPath, err
	case *ast.Ident:
		if v, ok := pkg.consts[k.Name]; ok {
			return v, pkg.importPath, nil
		}
		return "", "", fmt.Errorf("constant %s not found in %s", k.Name, pkg.importPath)
	case *ast.SelectorExpr:
		x, ok := k.X.(*ast.Ident)
		if !ok {
			return "", "", fmt.Errorf("unsupported key expression")
		}
		ip, ok := p.importPathOf(gf, x.Name)
		if !ok {
			return "", "", fmt.Errorf("%s: no such import", x.Name)
		}
		dep, err := p.load(ip)
		if err != nil {
			return "", "", fmt.Errorf("%s.%s: %v", x.Name, k.Sel.Name, err)
		}
		if v, ok := dep.consts[k.Sel.Name]; ok {
			return v, ip, nil
		}
		return "", "", fmt.Errorf("constant %s not found in %s", k.Sel.Name, ip)
	}
	return "", "", fmt.Errorf("unsupported key expression %T", key)
}

// importPathOf finds the import a file refers to by name: an explicit name, else the
// package clause of an unnamed import (k8s.io/component-base/logs/api/v1 is "v1").
func (p *gatePackages) importPathOf(gf *gateFile, name string) (string, bool) {
	if ip, ok := gf.imports[name]; ok {
		return ip, true
	}
	for _, ip := range gf.plain {
		if path.Base(ip) == name {
			return ip, true
		}
	}
	for _, ip := range gf.plain {
		if dep, err := p.load(ip); err == nil && dep.name == name {
			return ip, true
		}
	}
	return "", false
}

// gateParseSpecs reads a FeatureSpec literal, or a VersionedSpecs list of them.
func gateParseSpecs(e ast.Expr, versioned bool, bools map[string]bool) ([]gateSpec, error) {
	cl, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil, fmt.Errorf("value is %T, not a literal", e)
	}
	if !versioned {
		s, err := gateParseSpec(cl, bools)
		if err != nil {
			return nil, err
		}
		return []gateSpec{s}, nil
	}
	var out []gateSpec
	for _, el := range cl.Elts {
		inner, ok := el.(*ast.CompositeLit)
		if !ok {
			return nil, fmt.Errorf("versioned spec is %T, not a literal", el)
		}
		s, err := gateParseSpec(inner, bools)
		if err != nil {
			return nil, err
		}
		if !s.versioned {
			return nil, fmt.Errorf("versioned spec without Version")
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty VersionedSpecs")
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].version.Less(out[j].version) })
	return out, nil
}

func gateParseSpec(cl *ast.CompositeLit, bools map[string]bool) (gateSpec, error) {
	s := gateSpec{stage: "GA"} // FeatureSpec's zero PreRelease is GA ("")
	for _, el := range cl.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			return s, fmt.Errorf("positional FeatureSpec fields")
		}
		field, _ := kv.Key.(*ast.Ident)
		if field == nil {
			return s, fmt.Errorf("field key %T", kv.Key)
		}
		var err error
		switch field.Name {
		case "Default":
			s.def, err = gateBool(kv.Value, bools)
		case "LockToDefault":
			s.locked, err = gateBool(kv.Value, bools)
		case "PreRelease":
			s.stage, err = gateStage(kv.Value)
		case "Version":
			s.version, err = gateVersion(kv.Value)
			s.versioned = true
		}
		if err != nil {
			return s, fmt.Errorf("%s: %v", field.Name, err)
		}
	}
	return s, nil
}

// gateBool reads true, false or a boolean constant of the map's package.
func gateBool(e ast.Expr, bools map[string]bool) (bool, error) {
	if id, ok := e.(*ast.Ident); ok {
		switch id.Name {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		if v, ok := bools[id.Name]; ok {
			return v, nil
		}
	}
	return false, fmt.Errorf("not a boolean literal or constant")
}

// gateStage maps the prerelease constant's name (featuregate.Beta, utilfeature.Alpha, Beta)
// to the stage names of knowledge.GateStage.
func gateStage(e ast.Expr) (string, error) {
	name := gateSpecTypeName(e)
	switch name {
	case "Alpha":
		return "ALPHA", nil
	case "Beta":
		return "BETA", nil
	case "GA":
		return "GA", nil
	case "Deprecated":
		return "DEPRECATED", nil
	case "PreAlpha":
		return "PREALPHA", nil
	}
	return "", fmt.Errorf("unknown prerelease %q", name)
}

// gateVersion reads version.MustParse("1.29") or version.MajorMinor(1, 29).
func gateVersion(e ast.Expr) (knowledge.Minor, error) {
	call, ok := e.(*ast.CallExpr)
	if !ok {
		return knowledge.Minor{}, fmt.Errorf("not a call")
	}
	switch gateSpecTypeName(call.Fun) {
	case "MustParse", "MustParseGeneric", "MustParseSemantic":
		if len(call.Args) == 1 {
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				return knowledge.ParseMinor(s)
			}
		}
	case "MajorMinor":
		if len(call.Args) == 2 {
			a, aok := call.Args[0].(*ast.BasicLit)
			b, bok := call.Args[1].(*ast.BasicLit)
			if aok && bok {
				return knowledge.ParseMinor(a.Value + "." + b.Value)
			}
		}
	}
	return knowledge.Minor{}, fmt.Errorf("unsupported version expression")
}

// gateMapDirs walks root (skipping tests, testdata, testing helpers and vendor) and returns the
// package directories, relative to root, whose Go files mention a feature-spec type.
func gateMapDirs(root string) ([]string, error) {
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			base := d.Name()
			if rel != "." && (base == "testdata" || base == "vendor" || base == "testing" || strings.HasPrefix(base, "_") || strings.HasPrefix(base, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		// Test helpers also live in plain files (policy_test_context.go in 1.30's apiserver).
		if !strings.HasSuffix(p, ".go") || strings.Contains(d.Name(), "test") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		// A cheap filter only: go/ast decides what is a feature map.
		if bytes.Contains(b, []byte("FeatureSpec{")) || bytes.Contains(b, []byte("VersionedSpecs{")) {
			seen[path.Dir(rel)] = true
		}
		return nil
	})
	var dirs []string
	for d := range seen {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	return dirs, err
}
