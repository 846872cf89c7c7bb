package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

// proxyConfigFields is one minor's KubeProxyConfiguration: field path -> declaration.
type proxyConfigFields struct {
	module string
	fields map[string]string
	// opaque are paths whose type lives in another package: their nested fields are not
	// read, so a nested path missing below one is unknown there, not removed.
	opaque map[string]bool
	// strict and lenient are the kube-proxy lines that decode strictly and that fall
	// back to lenient decoding, "" when the minor has none.
	strict, lenient string
}

// genProxyConfig reads KubeProxyConfiguration v1alpha1 of every pinned minor and records
// each JSON field path with the minors it appears and disappears in, and how kube-proxy
// decodes its config file.
func genProxyConfig(g *generator) error {
	minors, perM, err := perMinor(g, "proxyconfig", g.readProxyConfig)
	if err != nil {
		return err
	}
	var inputs []string
	first, last := map[string]int{}, map[string]int{}
	for i, pc := range perM {
		inputs = append(inputs, pc.module, "k8s.io/kubernetes@"+g.kubernetesVersion(minors[i]))
		for path := range pc.fields {
			if _, ok := first[path]; !ok {
				first[path] = i
			}
		}
	}
	for path := range first {
		for i, pc := range perM {
			if _, ok := pc.fields[path]; ok || pc.hidesPath(path) {
				last[path] = i
			}
		}
	}
	var items []knowledge.ProxyConfigField
	for path, fi := range first {
		li := last[path]
		f := knowledge.ProxyConfigField{Path: path, Source: perM[li].fields[path], ReplacedBy: proxyConfigReplacements[path]}
		if f.Source == "" { // last seen only below an opaque parent: cite the last declaration read
			for i := li; i >= 0 && f.Source == ""; i-- {
				f.Source = perM[i].fields[path]
			}
		}
		if fi > 0 {
			f.IntroducedIn = minors[fi].Ptr()
		}
		if li < len(minors)-1 {
			f.RemovedIn = minors[li+1].Ptr()
		}
		items = append(items, f)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].Path < items[j].Path })
	if err := g.writeData("proxyconfig.json", inputs, items); err != nil {
		return err
	}
	var dec knowledge.ProxyConfigDecoding
	for i, pc := range perM {
		if pc.strict != "" && dec.StrictSource == "" {
			dec.StrictSince, dec.StrictSource = minors[i], pc.strict
		}
		if pc.lenient != "" && dec.LenientFallbackSince == nil {
			dec.LenientFallbackSince, dec.LenientFallbackSource = minors[i].Ptr(), pc.lenient
		}
	}
	if dec.StrictSource == "" {
		return fmt.Errorf("proxyconfig: no minor decodes kube-proxy's config strictly")
	}
	return g.writeData("proxyconfig-decoding.json", inputs, []knowledge.ProxyConfigDecoding{dec})
}

// readProxyConfig finds minor m's v1alpha1 types: inside k8s.io/kubernetes until the
// kube-proxy staging module is published (1.15), first under pkg/proxy/apis then staging/.
func (g *generator) readProxyConfig(m knowledge.Minor) (proxyConfigFields, error) {
	kversion := g.kubernetesVersion(m)
	kdir, err := g.moduleDir("k8s.io/kubernetes", kversion)
	if err != nil {
		return proxyConfigFields{}, err
	}
	kmodule := "k8s.io/kubernetes@" + kversion
	var dir, module, file string
	for _, rel := range []string{"pkg/proxy/apis/kubeproxyconfig/v1alpha1/types.go", "staging/src/k8s.io/kube-proxy/config/v1alpha1/types.go"} {
		if _, err := os.Stat(filepath.Join(kdir, rel)); err == nil {
			dir, module, file = kdir, kmodule, rel
			break
		}
	}
	if dir == "" {
		// Some staging patches are refused by the proxy: the nearest earlier one is read.
		var sversion string
		sversion, dir, err = g.nearestPatch("k8s.io/kube-proxy", stagingVersion(kversion))
		if err != nil {
			return proxyConfigFields{}, err
		}
		module, file = "k8s.io/kube-proxy@"+sversion, "config/v1alpha1/types.go"
	}
	fields, opaque, err := proxyConfigPaths(filepath.Join(dir, file), module+"/"+file)
	if err != nil {
		return proxyConfigFields{}, err
	}
	pc := proxyConfigFields{module: module, fields: fields, opaque: opaque}
	// loadConfig moved from server.go to options.go in later minors.
	for _, rel := range []string{"cmd/kube-proxy/app/server.go", "cmd/kube-proxy/app/options.go"} {
		b, err := os.ReadFile(filepath.Join(kdir, rel))
		if err != nil {
			continue
		}
		for i, line := range strings.Split(string(b), "\n") {
			at := fmt.Sprintf("%s/%s:%d", kmodule, rel, i+1)
			if pc.strict == "" && strings.Contains(line, "runtime.IsStrictDecodingError(") {
				pc.strict = at
			}
			if pc.lenient == "" && strings.Contains(line, "lenientCodecs.UniversalDecoder().Decode(") {
				pc.lenient = at
			}
		}
	}
	return pc, nil
}

// proxyConfigPaths lists the JSON field paths of KubeProxyConfiguration declared in file,
// following struct types of the same file; fields of other packages' types are leaves.
func proxyConfigPaths(file, name string) (map[string]string, map[string]bool, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, 0)
	if err != nil {
		return nil, nil, err
	}
	structs := map[string]*ast.StructType{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		for _, s := range gd.Specs {
			if ts, ok := s.(*ast.TypeSpec); ok {
				if st, ok := ts.Type.(*ast.StructType); ok {
					structs[ts.Name.Name] = st
				}
			}
		}
	}
	root := structs["KubeProxyConfiguration"]
	if root == nil {
		return nil, nil, fmt.Errorf("%s: no type KubeProxyConfiguration", name)
	}
	out, opaque := map[string]string{}, map[string]bool{}
	var walk func(st *ast.StructType, prefix string, depth int)
	walk = func(st *ast.StructType, prefix string, depth int) {
		for _, fld := range st.Fields.List {
			tag := ""
			if fld.Tag != nil {
				if s, err := strconv.Unquote(fld.Tag.Value); err == nil {
					tag = reflect.StructTag(s).Get("json")
				}
			}
			jsonName, _, _ := strings.Cut(tag, ",")
			if tag == "-" || jsonName == "" {
				continue // inline TypeMeta (apiVersion, kind) or not serialized
			}
			path := prefix + jsonName
			out[path] = fmt.Sprintf("%s:%d", name, fset.Position(fld.Pos()).Line)
			t := fld.Type
			if star, ok := t.(*ast.StarExpr); ok {
				t = star.X
			}
			if id, ok := t.(*ast.Ident); ok && structs[id.Name] != nil && depth < 8 {
				walk(structs[id.Name], path+".", depth+1)
			}
			if _, ok := t.(*ast.SelectorExpr); ok {
				opaque[path] = true
			}
		}
	}
	walk(root, "", 0)
	return out, opaque, nil
}

// hidesPath reports whether path lies below a field whose type this minor declares in
// another package (clientConnection from 1.12 on), so its absence here says nothing.
func (pc proxyConfigFields) hidesPath(path string) bool {
	for i := strings.LastIndex(path, "."); i > 0; i = strings.LastIndex(path[:i], ".") {
		if pc.opaque[path[:i]] {
			return true
		}
	}
	return false
}

// proxyConfigReplacements names what upstream says to use instead of a removed field,
// from the CHANGELOG line that announces the removal of its flag twin.
var proxyConfigReplacements = map[string]string{
	// CHANGELOG-1.15.md: "The deprecated flag `--conntrack-max` has been removed from
	// kube-proxy. Users of this flag should switch to `--conntrack-min` and
	// `--conntrack-max-per-core` instead." (#78399)
	"conntrack.max": "conntrack.min and conntrack.maxPerCore",
}
