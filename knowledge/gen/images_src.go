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
)

// goSource is the parsed non-test Go files of one directory of a downloaded module,
// enough to read constants, variables and literals out of kubeadm's sources.
type goSource struct {
	fset   *token.FileSet
	files  []*ast.File
	module string // module@version, for sources
	root   string // the module's extracted directory
}

// parseGoDir parses dir (relative to the module root); a missing directory yields an
// empty source, since kubeadm moved things between releases.
func parseGoDir(module, root, dir string) (*goSource, error) {
	src := &goSource{fset: token.NewFileSet(), module: module, root: root}
	entries, err := os.ReadDir(filepath.Join(root, dir))
	if os.IsNotExist(err) {
		return src, nil
	}
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(src.fset, filepath.Join(root, dir, name), nil, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", module, err)
		}
		src.files = append(src.files, f)
	}
	return src, nil
}

// where cites a position as module@version/path:line.
func (s *goSource) where(pos token.Pos) string {
	p := s.fset.Position(pos)
	rel, err := filepath.Rel(s.root, p.Filename)
	if err != nil {
		rel = p.Filename
	}
	return fmt.Sprintf("%s/%s:%d", s.module, filepath.ToSlash(rel), p.Line)
}

// valueOf finds the const or var named name and returns its initializer.
func (s *goSource) valueOf(name string) (ast.Expr, bool) {
	for _, f := range s.files {
		for _, decl := range f.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || (gd.Tok != token.CONST && gd.Tok != token.VAR) {
				continue
			}
			for _, spec := range gd.Specs {
				vs, ok := spec.(*ast.ValueSpec)
				if !ok {
					continue
				}
				for i, n := range vs.Names {
					if n.Name == name && i < len(vs.Values) {
						return vs.Values[i], true
					}
				}
			}
		}
	}
	return nil, false
}

// stringConst returns the string literal a const or var named name is set to.
func (s *goSource) stringConst(name string) (value, source string, ok bool) {
	e, found := s.valueOf(name)
	if !found {
		return "", "", false
	}
	v, ok := literalString(e)
	if !ok {
		return "", "", false
	}
	return v, s.where(e.Pos()), true
}

// intStringMap reads a map literal such as SupportedEtcdVersion (map[uint8]string{13: "3.2.24"}).
func (s *goSource) intStringMap(name string) (map[int]string, map[int]string, bool) {
	e, found := s.valueOf(name)
	if !found {
		return nil, nil, false
	}
	lit, ok := e.(*ast.CompositeLit)
	if !ok {
		return nil, nil, false
	}
	values, sources := map[int]string{}, map[int]string{}
	for _, elt := range lit.Elts {
		kv, ok := elt.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		k, kok := kv.Key.(*ast.BasicLit)
		v, vok := literalString(kv.Value)
		if !kok || !vok || k.Kind != token.INT {
			continue
		}
		n, err := strconv.Atoi(k.Value)
		if err != nil {
			continue
		}
		values[n], sources[n] = v, s.where(kv.Pos())
	}
	return values, sources, true
}

// stringMapKeys reads the string keys of a map literal assigned to name, whether
// declared at package level or with := inside a function (oldKnownAPIVersions).
func (s *goSource) stringMapKeys(name string) ([]string, string) {
	var keys []string
	var source string
	collect := func(e ast.Expr) {
		lit, ok := e.(*ast.CompositeLit)
		if !ok {
			return
		}
		source = s.where(lit.Pos())
		for _, elt := range lit.Elts {
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				if k, ok := literalString(kv.Key); ok {
					keys = append(keys, k)
				}
			}
		}
	}
	if e, ok := s.valueOf(name); ok {
		collect(e)
	}
	for _, f := range s.files {
		ast.Inspect(f, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok {
				return true
			}
			for i, lhs := range as.Lhs {
				if id, ok := lhs.(*ast.Ident); ok && id.Name == name && i < len(as.Rhs) {
					collect(as.Rhs[i])
				}
			}
			return true
		})
	}
	sort.Strings(keys)
	return keys, source
}

// funcDecl finds a top-level function by name.
func (s *goSource) funcDecl(name string) *ast.FuncDecl {
	for _, f := range s.files {
		for _, decl := range f.Decls {
			if fd, ok := decl.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == name {
				return fd
			}
		}
	}
	return nil
}

// stringLitIn finds a string literal equal to want inside node and cites it.
func (s *goSource) stringLitIn(node ast.Node, want string) (string, bool) {
	var found string
	ast.Inspect(node, func(n ast.Node) bool {
		if v, ok := literalString(n); ok && v == want && found == "" {
			found = s.where(n.Pos())
		}
		return found == ""
	})
	return found, found != ""
}

// callWithLiteralArgs finds a call to fn whose argument argIdx is the string literal
// match, and returns the string literal at argument valueIdx.
func (s *goSource) callWithLiteralArgs(fn string, argIdx int, match string, valueIdx int) (value, source string, ok bool) {
	for _, f := range s.files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, isCall := n.(*ast.CallExpr)
			if !isCall || ok || max(argIdx, valueIdx) >= len(call.Args) {
				return !ok
			}
			var name string
			switch fun := call.Fun.(type) {
			case *ast.Ident:
				name = fun.Name
			case *ast.SelectorExpr:
				name = fun.Sel.Name
			}
			if name != fn {
				return true
			}
			if a, isLit := literalString(call.Args[argIdx]); !isLit || a != match {
				return true
			}
			if v, isLit := literalString(call.Args[valueIdx]); isLit {
				value, source, ok = v, s.where(call.Pos()), true
			}
			return !ok
		})
		if ok {
			return
		}
	}
	return "", "", false
}

// importsUnder lists the last path element of every import below prefix, with the
// position of the import.
func (s *goSource) importsUnder(prefix string) map[string]string {
	out := map[string]string{}
	for _, f := range s.files {
		for _, imp := range f.Imports {
			p, err := strconv.Unquote(imp.Path.Value)
			if err != nil || !strings.HasPrefix(p, prefix) {
				continue
			}
			rest := strings.TrimPrefix(p, prefix)
			if rest == "" || strings.Contains(rest, "/") {
				continue
			}
			out[rest] = s.where(imp.Pos())
		}
	}
	return out
}

// literalString is the value of a string literal node.
func literalString(n ast.Node) (string, bool) {
	lit, ok := n.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(lit.Value)
	return v, err == nil
}
