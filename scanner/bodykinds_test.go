package scanner

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The fast path leaves out the body of -f documents whose kind is not in bodyKinds, so
// every kind a rule or the scanner picks objects by must be there. Kinds are found in
// the source: ObjectsOfKind("X") and Object("X", ...) (a literal, or a variable ranging
// over a literal list), comparisons with a .Kind field and switches on one.
func TestBodyKindsCoverReaders(t *testing.T) {
	var files []string
	for _, root := range []string{".", "../rules"} {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				// The scanner's subpackages read live clusters and certificates, never -f files.
				if root == "." && p != "." || d.Name() == "testdata" {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	read := map[string][]string{} // kind → where
	fset := token.NewFileSet()
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for kind, pos := range kindsPickedIn(t, fset, f) {
			read[kind] = append(read[kind], pos...)
		}
	}
	if len(read) < 10 {
		t.Fatalf("found only %d kinds read in %d files: the search is broken", len(read), len(files))
	}
	var kinds []string
	for k := range read {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		if _, ok := bodyKinds[k]; !ok {
			t.Errorf("kind %s is picked at %s but is not in bodyKinds: -f documents of it carry no body", k, strings.Join(read[k], ", "))
		}
	}
}

// kindsPickedIn returns the CamelCase kind literals f picks objects by, with positions.
func kindsPickedIn(t *testing.T, fset *token.FileSet, f *ast.File) map[string][]string {
	out := map[string][]string{}
	add := func(e ast.Expr) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return
		}
		s, err := strconv.Unquote(lit.Value)
		if err != nil || s == "" || s[0] < 'A' || s[0] > 'Z' {
			return // lowercase: a component or query kind, not an API kind
		}
		out[s] = append(out[s], fset.Position(lit.Pos()).String())
	}
	isKindField := func(e ast.Expr) bool {
		sel, ok := e.(*ast.SelectorExpr)
		return ok && sel.Sel.Name == "Kind"
	}
	// Variables ranging over literal lists: for _, kind := range []string{"A", "B"}.
	ranged := map[string][]ast.Expr{}
	ast.Inspect(f, func(n ast.Node) bool {
		if r, ok := n.(*ast.RangeStmt); ok {
			if v, ok := r.Value.(*ast.Ident); ok {
				if lit, ok := r.X.(*ast.CompositeLit); ok {
					ranged[v.Name] = lit.Elts
				}
			}
		}
		return true
	})
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "ObjectsOfKind" && sel.Sel.Name != "Object") || len(n.Args) == 0 {
				return true
			}
			switch a := n.Args[0].(type) {
			case *ast.BasicLit:
				add(a)
			case *ast.Ident:
				elts, ok := ranged[a.Name]
				if !ok {
					t.Errorf("%s: %s(%s): cannot tell which kind it reads", fset.Position(n.Pos()), sel.Sel.Name, a.Name)
				}
				for _, e := range elts {
					add(e)
				}
			default:
				t.Errorf("%s: %s: cannot tell which kind it reads", fset.Position(n.Pos()), sel.Sel.Name)
			}
		case *ast.BinaryExpr:
			if n.Op == token.EQL || n.Op == token.NEQ {
				if isKindField(n.X) {
					add(n.Y)
				}
				if isKindField(n.Y) {
					add(n.X)
				}
			}
		case *ast.SwitchStmt:
			if n.Tag != nil && isKindField(n.Tag) {
				for _, c := range n.Body.List {
					for _, e := range c.(*ast.CaseClause).List {
						add(e)
					}
				}
			}
		}
		return true
	})
	return out
}
