package policy

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/upgrade-lint/upgrade-lint/"

// allowed maps a package prefix to the project packages it may import. The most specific
// prefix wins. Rules are pure functions of (inventory, knowledge, hop): no scanner, no I/O
// libraries; the knowledge base and findings import nothing of ours.
var allowed = []struct {
	pkg     string
	imports []string
	// forbidden external import prefixes
	external []string
}{
	{pkg: "knowledge/gen", imports: []string{"knowledge"}},
	{pkg: "knowledge/update", imports: []string{"knowledge"}},
	{pkg: "knowledge", imports: nil},
	{pkg: "findings", imports: nil},
	{pkg: "scanner/inventory", imports: []string{"findings"}},
	{pkg: "scanner", imports: []string{"scanner", "findings", "knowledge"}, external: nil},
	{pkg: "rules/ruletest", imports: []string{"rules", "findings", "knowledge", "scanner"}},
	{pkg: "rules", imports: []string{"rules", "findings", "knowledge", "scanner/inventory"},
		external: []string{"k8s.io/client-go", "net/http", "os/exec", "github.com/google/go-containerregistry/pkg/v1/remote"}},
	{pkg: "report", imports: []string{"report", "findings", "knowledge"}},
	{pkg: "cmd", imports: []string{""}},
	{pkg: "internal", imports: []string{""}},
}

func TestImportPolicy(t *testing.T) {
	root := "../.."
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		rule := -1
		for i, a := range allowed {
			if (rel == a.pkg || strings.HasPrefix(rel, a.pkg+"/")) && (rule < 0 || len(a.pkg) > len(allowed[rule].pkg)) {
				rule = i
			}
		}
		if rule < 0 {
			t.Errorf("%s: package %s has no import policy: add it to allowed", path, rel)
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		checked++
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, bad := range allowed[rule].external {
				if strings.HasPrefix(p, bad) {
					t.Errorf("%s imports %s: %s may not", path, p, allowed[rule].pkg)
				}
			}
			if !strings.HasPrefix(p, module) {
				continue
			}
			target := strings.TrimPrefix(p, module)
			ok := false
			for _, a := range allowed[rule].imports {
				if a == "" || target == a || strings.HasPrefix(target, a+"/") {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s imports %s: %s may import only %v", path, target, allowed[rule].pkg, allowed[rule].imports)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("only %d files checked: is the walk rooted right?", checked)
	}
}
