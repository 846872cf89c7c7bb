package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

// apiTree is one tree of API packages read for a minor: the root of k8s.io/api, or the
// pkg/apis folder of apiextensions-apiserver or kube-aggregator, either as its own module
// (1.15 on) or as a staging folder inside the k8s.io/kubernetes module (up to 1.14).
type apiTree struct {
	module string // module@version, for Source
	dir    string // absolute directory of the tree
	rel    string // the tree's path inside the module ("" for a module root)
	// pkgPath is the Go import path of the tree's root, to match imports of its packages.
	pkgPath string
}

// sourceOf renders an absolute file path and line as "module@version/path:line".
func (t apiTree) sourceOf(file string, line int) string {
	rel, err := filepath.Rel(t.dir, file)
	if err != nil {
		rel = file
	}
	return fmt.Sprintf("%s/%s:%d", t.module, filepath.ToSlash(filepath.Join(t.rel, rel)), line)
}

// registeredKind is a kind that a version's register.go adds to the scheme.
type registeredKind struct {
	knowledge.GroupVersionKind
	source string
}

// lifecycle is what zz_generated.prerelease-lifecycle.go states for one type.
type lifecycle struct {
	introduced, deprecated, removed *knowledge.Minor
	replacement                     *knowledge.GroupVersionKind
	source                          string // the file and line of the first method found
}

// scannedVersion is one group/version package found in a tree.
type scannedVersion struct {
	pkgPath   string
	kinds     []registeredKind
	lifecycle map[string]*lifecycle // by type name
}

var apiVersionDir = regexp.MustCompile(`^v[0-9]+((alpha|beta)[0-9]+)?$`)

// scanTree finds every versioned API package under t (a folder holding register.go)
// and reads what it registers and, where present, its prerelease-lifecycle methods.
func scanTree(t apiTree) ([]scannedVersion, error) {
	var out []scannedVersion
	err := filepath.WalkDir(t.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if name := d.Name(); name == "testdata" || name == "vendor" || name == "fuzzer" {
			return filepath.SkipDir
		}
		if !apiVersionDir.MatchString(d.Name()) {
			return nil
		}
		reg := filepath.Join(path, "register.go")
		if _, err := os.Stat(reg); err != nil {
			return nil
		}
		sv, err := scanVersion(t, path)
		if err != nil {
			return err
		}
		if sv != nil {
			out = append(out, *sv)
		}
		return nil
	})
	return out, err
}

func scanVersion(t apiTree, dir string) (*scannedVersion, error) {
	fset := token.NewFileSet()
	regFile := filepath.Join(dir, "register.go")
	f, err := parser.ParseFile(fset, regFile, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	consts := apiStringConsts(f)
	group, version, ok := schemeGroupVersion(f, consts)
	if !ok {
		// Some packages keep GroupName in doc.go or another small file.
		more, err := packageStringConsts(dir)
		if err != nil {
			return nil, err
		}
		for k, v := range more {
			if _, ok := consts[k]; !ok {
				consts[k] = v
			}
		}
		group, version, ok = schemeGroupVersion(f, consts)
		if !ok {
			return nil, fmt.Errorf("%s: no SchemeGroupVersion with literal group and version", t.sourceOf(regFile, 1))
		}
	}
	rel, err := filepath.Rel(t.dir, dir)
	if err != nil {
		return nil, err
	}
	sv := &scannedVersion{pkgPath: t.pkgPath + "/" + filepath.ToSlash(rel), lifecycle: map[string]*lifecycle{}}
	seen := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "AddKnownTypes" || len(call.Args) < 2 {
			return true
		}
		for _, arg := range call.Args[1:] {
			u, ok := arg.(*ast.UnaryExpr)
			if !ok || u.Op != token.AND {
				continue
			}
			lit, ok := u.X.(*ast.CompositeLit)
			if !ok {
				continue
			}
			id, ok := lit.Type.(*ast.Ident) // a type of this package, not metav1.Status and the like
			if !ok || seen[id.Name] {
				continue
			}
			seen[id.Name] = true
			sv.kinds = append(sv.kinds, registeredKind{
				GroupVersionKind: knowledge.GroupVersionKind{Group: group, Version: version, Kind: id.Name},
				source:           t.sourceOf(regFile, fset.Position(id.Pos()).Line),
			})
		}
		return true
	})
	lcFile := filepath.Join(dir, "zz_generated.prerelease-lifecycle.go")
	if _, err := os.Stat(lcFile); err == nil {
		if err := readLifecycle(t, lcFile, sv.lifecycle); err != nil {
			return nil, err
		}
	}
	return sv, nil
}

// apiStringConsts collects top-level `const/var Name = "literal"` declarations.
func apiStringConsts(f *ast.File) map[string]string {
	out := map[string]string{}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, spec := range gd.Specs {
			vs, ok := spec.(*ast.ValueSpec)
			if !ok {
				continue
			}
			for i, name := range vs.Names {
				if i >= len(vs.Values) {
					break
				}
				if s, ok := apiStringLit(vs.Values[i]); ok {
					out[name.Name] = s
				}
			}
		}
	}
	return out
}

func packageStringConsts(dir string) (map[string]string, error) {
	out := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || strings.HasPrefix(n, "zz_") || strings.HasPrefix(n, "generated") || n == "types.go" || strings.HasPrefix(n, "types_") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		for k, v := range apiStringConsts(f) {
			out[k] = v
		}
	}
	return out, nil
}

// schemeGroupVersion reads `SchemeGroupVersion = schema.GroupVersion{Group: ..., Version: ...}`.
func schemeGroupVersion(f *ast.File, consts map[string]string) (group, version string, ok bool) {
	var gotGroup, gotVersion bool
	for _, decl := range f.Decls {
		gd, isGen := decl.(*ast.GenDecl)
		if !isGen {
			continue
		}
		for _, spec := range gd.Specs {
			vs, isValue := spec.(*ast.ValueSpec)
			if !isValue {
				continue
			}
			for i, name := range vs.Names {
				if name.Name != "SchemeGroupVersion" || i >= len(vs.Values) {
					continue
				}
				lit, isLit := vs.Values[i].(*ast.CompositeLit)
				if !isLit {
					continue
				}
				for _, el := range lit.Elts {
					kv, isKV := el.(*ast.KeyValueExpr)
					if !isKV {
						continue
					}
					key, _ := kv.Key.(*ast.Ident)
					if key == nil {
						continue
					}
					val, resolved := apiResolveString(kv.Value, consts)
					switch key.Name {
					case "Group":
						group, gotGroup = val, resolved
					case "Version":
						version, gotVersion = val, resolved
					}
				}
			}
		}
	}
	return group, version, gotGroup && gotVersion
}

func apiResolveString(e ast.Expr, consts map[string]string) (string, bool) {
	if s, ok := apiStringLit(e); ok {
		return s, true
	}
	if id, ok := e.(*ast.Ident); ok {
		s, ok := consts[id.Name]
		return s, ok
	}
	return "", false
}

func apiStringLit(e ast.Expr) (string, bool) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(bl.Value)
	return s, err == nil
}

// readLifecycle reads the APILifecycle* methods of a zz_generated.prerelease-lifecycle.go.
func readLifecycle(t apiTree, file string, into map[string]*lifecycle) error {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	if err != nil {
		return err
	}
	for _, decl := range f.Decls {
		fd, ok := decl.(*ast.FuncDecl)
		if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 || fd.Body == nil || len(fd.Body.List) != 1 {
			continue
		}
		typeName := apiReceiverType(fd.Recv.List[0].Type)
		ret, ok := fd.Body.List[0].(*ast.ReturnStmt)
		if typeName == "" || !ok {
			continue
		}
		lc := into[typeName]
		if lc == nil {
			lc = &lifecycle{source: t.sourceOf(file, fset.Position(fd.Pos()).Line)}
			into[typeName] = lc
		}
		switch fd.Name.Name {
		case "APILifecycleIntroduced":
			lc.introduced = returnedMinor(ret)
		case "APILifecycleDeprecated":
			lc.deprecated = returnedMinor(ret)
		case "APILifecycleRemoved":
			lc.removed = returnedMinor(ret)
		case "APILifecycleReplacement":
			lc.replacement = returnedGVK(ret)
		}
	}
	return nil
}

func apiReceiverType(e ast.Expr) string {
	if st, ok := e.(*ast.StarExpr); ok {
		e = st.X
	}
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// returnedMinor reads `return 1, 22`.
func returnedMinor(ret *ast.ReturnStmt) *knowledge.Minor {
	if len(ret.Results) != 2 {
		return nil
	}
	var nums [2]int
	for i, r := range ret.Results {
		bl, ok := r.(*ast.BasicLit)
		if !ok || bl.Kind != token.INT {
			return nil
		}
		n, err := strconv.Atoi(bl.Value)
		if err != nil {
			return nil
		}
		nums[i] = n
	}
	return &knowledge.Minor{Major: nums[0], Minor: nums[1]}
}

// returnedGVK reads `return schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"}`.
func returnedGVK(ret *ast.ReturnStmt) *knowledge.GroupVersionKind {
	if len(ret.Results) != 1 {
		return nil
	}
	lit, ok := ret.Results[0].(*ast.CompositeLit)
	if !ok {
		return nil
	}
	var gvk knowledge.GroupVersionKind
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		key, _ := kv.Key.(*ast.Ident)
		val, ok := apiStringLit(kv.Value)
		if key == nil || !ok {
			continue
		}
		switch key.Name {
		case "Group":
			gvk.Group = val
		case "Version":
			gvk.Version = val
		case "Kind":
			gvk.Kind = val
		}
	}
	if gvk.Version == "" || gvk.Kind == "" {
		return nil
	}
	return &gvk
}
