package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// srcTree is the Go source of one Kubernetes release as the component binaries see it:
// k8s.io/kubernetes itself plus the staging and k8s.io modules it depends on, parsed
// lazily, package by package, with the build constraints of a linux/amd64 build.
// Only k8s.io packages are loaded: flags are registered there, and pflag/cobra calls
// are recognised by name rather than followed.
type srcTree struct {
	g          *generator
	kubeVer    string // v1.20.15
	kubeDir    string
	fset       *token.FileSet
	requires   map[string]string // module path -> version (go.mod or Godeps.json)
	stagingMod map[string]bool   // staging modules published as k8s.io/<name> v0.X.Y

	mu     sync.Mutex
	pkgs   map[string]*srcPkg // import path -> package (nil: not loadable)
	inputs map[string]bool    // module@version actually read
	notes  []string
	mods   map[string]modDir // module@wanted version -> what download gave
}

type modDir struct {
	dir, version string
	err          error
}

// srcPkg is one parsed package.
type srcPkg struct {
	path   string
	name   string
	dir    string
	label  string // module@version/relative/dir, the prefix of Source strings
	files  []*ast.File
	funcs  map[string]*ast.FuncDecl
	inits  []*ast.FuncDecl
	meths  map[string]map[string]*ast.FuncDecl // receiver type -> method -> decl
	types  map[string]*ast.TypeSpec
	values map[string]ast.Expr // package-level const/var -> initialiser (or type for typed vars)
	vtypes map[string]ast.Expr // package-level var -> declared type
	fileOf map[ast.Node]*ast.File
}

var linuxBuild = func() build.Context {
	c := build.Default
	c.GOOS, c.GOARCH, c.CgoEnabled = "linux", "amd64", true
	c.BuildTags = nil
	return c
}()

func newSrcTree(g *generator, kubeVer string) (*srcTree, error) {
	t := &srcTree{g: g, fset: token.NewFileSet(), requires: map[string]string{}, stagingMod: map[string]bool{},
		pkgs: map[string]*srcPkg{}, inputs: map[string]bool{}, mods: map[string]modDir{}}
	dir, used, err := t.download("k8s.io/kubernetes", kubeVer, true)
	if err != nil {
		return nil, err
	}
	t.kubeVer, t.kubeDir = used, dir
	if err := t.readRequires(); err != nil {
		return nil, err
	}
	return t, nil
}

// readRequires records dependency versions: go.mod from 1.15, Godeps/Godeps.json before.
func (t *srcTree) readRequires() error {
	if f, err := os.Open(filepath.Join(t.kubeDir, "go.mod")); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		inRequire := false
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			switch {
			case line == "require (":
				inRequire = true
				continue
			case line == ")":
				inRequire = false
				continue
			}
			if strings.HasPrefix(line, "require ") {
				line, inRequire = strings.TrimPrefix(line, "require "), false
			} else if !inRequire {
				if strings.Contains(line, "=> ./staging/src/") {
					t.stagingMod[strings.Fields(line)[0]] = true
				}
				continue
			}
			if fs := strings.Fields(line); len(fs) >= 2 {
				t.requires[fs[0]] = fs[1]
			}
		}
		return sc.Err()
	}
	b, err := os.ReadFile(filepath.Join(t.kubeDir, "Godeps", "Godeps.json"))
	if err != nil {
		return nil // nothing to resolve outside the tree
	}
	var gd struct {
		Deps []struct{ ImportPath, Rev string }
	}
	if err := json.Unmarshal(b, &gd); err != nil {
		return fmt.Errorf("reading Godeps/Godeps.json: %w", err)
	}
	for _, d := range gd.Deps {
		if strings.HasPrefix(d.ImportPath, "k8s.io/klog") {
			t.requires["k8s.io/klog"] = d.Rev
		}
	}
	return nil
}

// constOnlyPrefix is a dependency outside k8s.io read only for the constants that name
// flags (cadvisor's cadvisorflags.HousekeepingInterval); its functions are never followed.
const constOnlyPrefix = "github.com/google/cadvisor/"

// locate maps an import path to the directory holding it and the label used in Source.
func (t *srcTree) locate(imp string) (dir, label string, ok bool) {
	const kube = "k8s.io/kubernetes"
	if imp == kube || strings.HasPrefix(imp, kube+"/") {
		rel := strings.TrimPrefix(strings.TrimPrefix(imp, kube), "/")
		return filepath.Join(t.kubeDir, rel), kube + "@" + t.kubeVer + "/" + rel, true
	}
	if !strings.HasPrefix(imp, "k8s.io/") && !strings.HasPrefix(imp, constOnlyPrefix) {
		return "", "", false
	}
	staged := filepath.Join(t.kubeDir, "staging", "src", imp)
	if st, err := os.Stat(staged); err == nil && st.IsDir() {
		return staged, kube + "@" + t.kubeVer + "/staging/src/" + imp, true
	}
	// A separate module: the longest module path that prefixes imp.
	mod := ""
	for m := range t.stagingMod {
		if (imp == m || strings.HasPrefix(imp, m+"/")) && len(m) > len(mod) {
			mod = m
		}
	}
	version := ""
	if mod != "" {
		version = stagingVersion(t.kubeVer)
	} else {
		for m, v := range t.requires {
			if (imp == m || strings.HasPrefix(imp, m+"/")) && len(m) > len(mod) {
				mod, version = m, v
			}
		}
	}
	if mod == "" {
		return "", "", false
	}
	mdir, usedVersion, err := t.download(mod, version, mod != "" && t.stagingMod[mod])
	if err != nil {
		t.note(err.Error())
		return "", "", false
	}
	rel := strings.TrimPrefix(strings.TrimPrefix(imp, mod), "/")
	return filepath.Join(mdir, rel), mod + "@" + usedVersion + "/" + rel, true
}

// download fetches mod@version; for staging modules a refused patch falls back to the
// nearest earlier patch of the same minor, and the substitution is noted.
func (t *srcTree) download(mod, version string, staging bool) (string, string, error) {
	key := mod + "@" + version
	t.mu.Lock()
	got, ok := t.mods[key]
	t.mu.Unlock()
	if !ok {
		got.dir, got.version, got.err = t.downloadNearest(mod, version, staging)
		t.mu.Lock()
		t.mods[key] = got
		t.mu.Unlock()
	}
	return got.dir, got.version, got.err
}

func (t *srcTree) downloadNearest(mod, version string, staging bool) (string, string, error) {
	dir, err := t.g.moduleDir(mod, version)
	if err == nil || !staging {
		t.mu.Lock()
		if err == nil {
			t.inputs[mod+"@"+version] = true
		} else {
			// Recorded in the data, not only on stderr: what the flags of this minor lack.
			t.inputs[mod+"@"+version+" (refused by the module proxy: not read)"] = true
		}
		t.mu.Unlock()
		return dir, version, err
	}
	i := strings.LastIndex(version, ".")
	patch, perr := strconv.Atoi(version[i+1:])
	if perr != nil {
		return "", "", err
	}
	for p := patch - 1; p >= 0; p-- {
		v := version[:i+1] + strconv.Itoa(p)
		if d, e := t.g.moduleDir(mod, v); e == nil {
			t.note(fmt.Sprintf("%s@%s refused by the proxy; read %s", mod, version, v))
			t.mu.Lock()
			t.inputs[mod+"@"+v+" ("+version+" refused by the module proxy)"] = true
			t.mu.Unlock()
			return d, v, nil
		}
	}
	return "", "", err
}

func (t *srcTree) note(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, n := range t.notes {
		if n == s {
			return
		}
	}
	t.notes = append(t.notes, s)
}

// pkg loads (once) and returns the package at import path imp, or nil.
func (t *srcTree) pkg(imp string) *srcPkg {
	t.mu.Lock()
	p, done := t.pkgs[imp]
	t.mu.Unlock()
	if done {
		return p
	}
	p = t.load(imp)
	t.mu.Lock()
	t.pkgs[imp] = p
	t.mu.Unlock()
	return p
}

func (t *srcTree) load(imp string) *srcPkg {
	dir, label, ok := t.locate(imp)
	if !ok {
		return nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	p := &srcPkg{path: imp, dir: dir, label: label, funcs: map[string]*ast.FuncDecl{},
		meths: map[string]map[string]*ast.FuncDecl{}, types: map[string]*ast.TypeSpec{},
		values: map[string]ast.Expr{}, vtypes: map[string]ast.Expr{}, fileOf: map[ast.Node]*ast.File{}}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		if ok, err := linuxBuild.MatchFile(dir, n); err != nil || !ok {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, err := parser.ParseFile(t.fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		if f.Name.Name == "main" && p.name != "" && p.name != "main" {
			continue
		}
		p.name = f.Name.Name
		p.files = append(p.files, f)
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				p.fileOf[d] = f
				if d.Recv == nil || len(d.Recv.List) == 0 {
					if d.Name.Name == "init" {
						p.inits = append(p.inits, d)
						continue
					}
					p.funcs[d.Name.Name] = d
					continue
				}
				rt := recvTypeName(d.Recv.List[0].Type)
				if p.meths[rt] == nil {
					p.meths[rt] = map[string]*ast.FuncDecl{}
				}
				p.meths[rt][d.Name.Name] = d
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						p.types[s.Name.Name] = s
						p.fileOf[s] = f
					case *ast.ValueSpec:
						for i, n := range s.Names {
							p.fileOf[n] = f
							if i < len(s.Values) {
								p.values[n.Name] = s.Values[i]
								p.fileOf[s.Values[i]] = f
							}
							if s.Type != nil {
								p.vtypes[n.Name] = s.Type
								p.fileOf[s.Type] = f
							}
						}
					}
				}
			}
		}
	}
	if len(p.files) == 0 {
		return nil
	}
	return p
}

func recvTypeName(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

// importName resolves a file-level package name to an import path.
func (t *srcTree) importName(f *ast.File, name string) (string, bool) {
	for _, im := range f.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		if im.Name != nil {
			if im.Name.Name == name {
				return p, true
			}
			continue
		}
		if guessPkgName(p) != name {
			// The declared name may differ from the last path element (k8s.io/klog/v2).
			if !strings.HasPrefix(p, "k8s.io/") {
				continue
			}
			if pk := t.pkg(p); pk == nil || pk.name != name {
				continue
			}
		}
		return p, true
	}
	return "", false
}

func guessPkgName(p string) string {
	base := path.Base(p)
	if len(base) > 1 && base[0] == 'v' && strings.Trim(base[1:], "0123456789") == "" {
		base = path.Base(path.Dir(p))
	}
	return base
}

// position renders a Source for node n of package p.
func (t *srcTree) position(p *srcPkg, n ast.Node) string {
	pos := t.fset.Position(n.Pos())
	return p.label + "/" + filepath.Base(pos.Filename) + ":" + strconv.Itoa(pos.Line)
}

// sourceLabel cleans a label so that an empty relative directory leaves no double slash.
func sourceLabel(s string) string { return strings.ReplaceAll(s, "//", "/") }
