package main

import (
	"fmt"
	"go/ast"
	"go/types"
	"os"
	"sort"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

const admissionPluginsPkg = "k8s.io/kubernetes/pkg/kubeapiserver/options"

// admissionAt is what one minor's plugins.go says.
type admissionAt struct {
	minor     knowledge.Minor
	plugins   map[string]string // name -> Source of its AllOrderedPlugins entry
	defaultOn map[string]bool
	inputs    []string
}

// genAdmission reads, per minor, kube-apiserver's AllOrderedPlugins (the plugins
// --enable-admission-plugins accepts) and the default-on set of DefaultOffAdmissionPlugins.
func genAdmission(g *generator) error {
	_, results, err := perMinor(g, "admission", func(m knowledge.Minor) (*admissionAt, error) { return readAdmission(g, m) })
	if err != nil {
		return err
	}
	var inputs []string
	for _, r := range results {
		inputs = append(inputs, r.inputs...)
	}
	return g.writeData("admission.json", inputs, mergeAdmission(results))
}

func readAdmission(g *generator, m knowledge.Minor) (*admissionAt, error) {
	t, err := newSrcTree(g, g.kubernetesVersion(m))
	if err != nil {
		return nil, err
	}
	p := t.pkg(admissionPluginsPkg)
	if p == nil {
		return nil, fmt.Errorf("%s not found", admissionPluginsPkg)
	}
	w := newFlagWalker(t)
	out := &admissionAt{minor: m, plugins: map[string]string{}, defaultOn: map[string]bool{}}
	all, ok := p.values["AllOrderedPlugins"].(*ast.CompositeLit)
	if !ok {
		return nil, fmt.Errorf("%s: no AllOrderedPlugins list", admissionPluginsPkg)
	}
	s := &scope{pkg: p, file: p.fileOf[all], strs: map[string]string{}, types: map[string]typeRef{}, local: map[string]bool{}}
	for _, e := range all.Elts {
		name, ok := w.str(s, e)
		if !ok {
			return nil, fmt.Errorf("%s: cannot evaluate plugin name %s", t.position(p, e), exprText(e))
		}
		out.plugins[name] = t.position(p, e)
	}
	fn := p.funcs["DefaultOffAdmissionPlugins"]
	if fn == nil {
		return nil, fmt.Errorf("%s: no DefaultOffAdmissionPlugins", admissionPluginsPkg)
	}
	fs := &scope{pkg: p, file: p.fileOf[fn], strs: map[string]string{}, types: map[string]typeRef{}, local: map[string]bool{}}
	// The default-on set is the first set built in the function (sets.NewString(...) or
	// sets.New[string](...)) plus whatever is Insert-ed into it, feature-gated or not:
	// those gates are on by default in the minors that have such inserts.
	var onVar string
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		a, ok := n.(*ast.AssignStmt)
		if !ok || onVar != "" || len(a.Lhs) != 1 || len(a.Rhs) != 1 {
			return true
		}
		c, ok := a.Rhs[0].(*ast.CallExpr)
		if !ok || !isSetConstructor(c) {
			return true
		}
		onVar = exprText(a.Lhs[0])
		for _, arg := range c.Args {
			if v, ok := w.str(fs, arg); ok {
				out.defaultOn[v] = true
			}
		}
		return true
	})
	if onVar == "" {
		return nil, fmt.Errorf("%s: DefaultOffAdmissionPlugins builds no default-on set", admissionPluginsPkg)
	}
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || methodName(c.Fun) != "Insert" || exprText(c.Fun.(*ast.SelectorExpr).X) != onVar {
			return true
		}
		for _, arg := range c.Args {
			if v, ok := w.str(fs, arg); ok {
				out.defaultOn[v] = true
			}
		}
		return true
	})
	for in := range t.inputs {
		out.inputs = append(out.inputs, in)
	}
	return out, nil
}

func isSetConstructor(c *ast.CallExpr) bool {
	switch f := c.Fun.(type) {
	case *ast.SelectorExpr:
		return f.Sel.Name == "NewString" || f.Sel.Name == "New"
	case *ast.IndexExpr:
		sel, ok := f.X.(*ast.SelectorExpr)
		return ok && sel.Sel.Name == "New"
	}
	return false
}

func mergeAdmission(results []*admissionAt) []knowledge.AdmissionPlugin {
	newest := results[len(results)-1].minor
	names := map[string]bool{}
	for _, r := range results {
		for n := range r.plugins {
			names[n] = true
		}
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	var items []knowledge.AdmissionPlugin
	for _, n := range sorted {
		var p knowledge.AdmissionPlugin
		p.Name = n
		last := -1
		for i, r := range results {
			src, ok := r.plugins[n]
			if !ok {
				continue
			}
			if p.IntroducedIn == nil {
				p.IntroducedIn = r.minor.Ptr()
			}
			last, p.Source = i, sourceLabel(src)
			on := r.defaultOn[n]
			switch {
			case on && p.DefaultOnFrom == nil:
				p.DefaultOnFrom = r.minor.Ptr()
			case !on && p.DefaultOnFrom != nil && p.DefaultOnUntil == nil:
				p.DefaultOnUntil = r.minor.Ptr()
			case on && p.DefaultOnUntil != nil:
				fmt.Fprintf(os.Stderr, "gen: admission: %s default-on again at %s after %s; first stretch kept\n", n, r.minor, p.DefaultOnUntil)
			}
		}
		if results[last].minor != newest {
			p.RemovedIn = results[last].minor.Next().Ptr()
			if p.DefaultOnFrom != nil && p.DefaultOnUntil == nil {
				p.DefaultOnUntil = p.RemovedIn
			}
		}
		items = append(items, p)
	}
	return items
}

func exprText(e ast.Expr) string { return types.ExprString(e) }
