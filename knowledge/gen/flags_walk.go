package main

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// flagWalker follows, from a component's main(), every call into a function that takes
// or returns a flag set (or a cobra command), and records the flags those functions
// register. Following the calls, rather than collecting every registration in a
// directory, is what keeps a shared option package (k8s.io/apiserver's, say) from
// lending kube-apiserver's flags to the controller-manager, which uses only part of it.
type flagWalker struct {
	t       *srcTree
	regs    map[string]*flagReg
	marks   map[string]string // flag -> MarkDeprecated message
	blanket map[string]string // flag -> message set on a whole flag set (VisitAll)
	visited map[string]bool
	// home is the component's command package: every call into its tree is followed
	// (option constructors there build the flag sets), calls elsewhere only when they
	// concern flags.
	home string
}

type flagReg struct {
	name   string
	source string
	// usageDeprecated is the usage text after a leading "DEPRECATED:", if any.
	usageDeprecated *string
}

// typeRef names a declared type in a loaded package.
type typeRef struct {
	pkg  *srcPkg
	name string
}

func (r typeRef) ok() bool { return r.pkg != nil }

// scope is what the walker knows inside one function.
type scope struct {
	pkg   *srcPkg
	file  *ast.File
	strs  map[string]string  // variables with a known string value (bound arguments, consts)
	types map[string]typeRef // variables of a known declared type
	local map[string]bool    // every local name, so that a local shadows an import
	// regsOn groups this function's registrations by the flag-set expression they used.
	regsOn  map[string][]string
	lookups []lookupCall
	adds    bool // calls AddFlag/AddGoFlag: a Lookup'd flag is re-registered
}

type lookupCall struct {
	name string
	pos  ast.Node
}

var flagNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// registrationMethods are the pflag / flag methods that define a flag.
var registrationMethods = func() map[string]bool {
	m := map[string]bool{"Var": true, "VarP": true, "VarPF": true, "Func": true, "BoolFunc": true, "TextVar": true}
	for _, base := range []string{"Bool", "BoolSlice", "String", "StringSlice", "StringArray", "StringToString",
		"StringToInt", "StringToInt64", "Int", "Int8", "Int16", "Int32", "Int64", "IntSlice", "Int32Slice",
		"Int64Slice", "Uint", "Uint8", "Uint16", "Uint32", "Uint64", "UintSlice", "Float32", "Float64",
		"Float32Slice", "Float64Slice", "Duration", "DurationSlice", "IP", "IPSlice", "IPMask", "IPNet",
		"Count", "BytesHex", "BytesBase64"} {
		for _, suf := range []string{"", "P", "Var", "VarP"} {
			m[base+suf] = true
		}
	}
	return m
}()

func newFlagWalker(t *srcTree) *flagWalker {
	return &flagWalker{t: t, regs: map[string]*flagReg{}, marks: map[string]string{},
		blanket: map[string]string{}, visited: map[string]bool{}}
}

// walkMain starts at func main of the component's command package.
func (w *flagWalker) walkMain(cmdPkg string) error {
	p := w.t.pkg(cmdPkg)
	if p == nil || p.funcs["main"] == nil {
		return fmt.Errorf("%s: no func main", cmdPkg)
	}
	w.home = cmdPkg
	w.visit(p, p.funcs["main"], typeRef{}, nil, map[string]string{}, 0)
	return nil
}

func normalizeFlag(s string) string { return strings.ReplaceAll(s, "_", "-") }

func (w *flagWalker) visit(p *srcPkg, fn *ast.FuncDecl, recv typeRef, argTypes map[string]typeRef, bound map[string]string, depth int) {
	if fn.Body == nil || depth > 30 || strings.HasPrefix(p.path, constOnlyPrefix) {
		return
	}
	keys := make([]string, 0, len(bound))
	for k, v := range bound {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	key := p.path + "." + recv.name + "." + fn.Name.Name + "|" + strings.Join(keys, ",")
	if w.visited[key] {
		return
	}
	w.visited[key] = true

	s := &scope{pkg: p, file: p.fileOf[fn], strs: map[string]string{}, types: map[string]typeRef{},
		local: map[string]bool{}, regsOn: map[string][]string{}}
	for k, v := range bound {
		s.strs[k] = v
	}
	if fn.Recv != nil && len(fn.Recv.List) > 0 && len(fn.Recv.List[0].Names) > 0 {
		n := fn.Recv.List[0].Names[0].Name
		s.local[n] = true
		s.types[n] = typeRef{pkg: p, name: recvTypeName(fn.Recv.List[0].Type)}
	}
	for _, fld := range fn.Type.Params.List {
		for _, n := range fld.Names {
			s.local[n.Name] = true
			if r := w.resolveType(fld.Type, p, s.file); r.ok() {
				s.types[n.Name] = r
			} else if r, ok := argTypes[n.Name]; ok {
				s.types[n.Name] = r
			}
		}
	}

	w.inspect(s, fn.Body, depth)

	if s.adds {
		for _, l := range s.lookups {
			w.register(l.name, w.t.position(p, l.pos), nil)
		}
	}
	w.blanketDeprecations(s, fn.Body)
}

func (w *flagWalker) inspect(s *scope, root ast.Node, depth int) {
	ast.Inspect(root, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			w.assign(s, n)
		case *ast.ValueSpec:
			for i, id := range n.Names {
				s.local[id.Name] = true
				if n.Type != nil {
					if r := w.resolveType(n.Type, s.pkg, s.file); r.ok() {
						s.types[id.Name] = r
					}
				}
				if i < len(n.Values) {
					if v, ok := w.str(s, n.Values[i]); ok {
						s.strs[id.Name] = v
					}
					if r := w.typeOf(s, n.Values[i]); r.ok() {
						s.types[id.Name] = r
					}
				}
			}
		case *ast.RangeStmt:
			// for _, name := range []string{"a", "b"} { fs.IntVar(&x, name, ...) }
			id, ok := n.Value.(*ast.Ident)
			if !ok {
				return true
			}
			s.local[id.Name] = true
			list, ok := w.strList(s, n.X)
			if !ok {
				return true
			}
			for _, v := range list {
				s.strs[id.Name] = v
				w.inspect(s, n.Body, depth)
			}
			delete(s.strs, id.Name)
			return false
		case *ast.FuncLit:
			for _, fld := range n.Type.Params.List {
				for _, id := range fld.Names {
					s.local[id.Name] = true
				}
			}
		case *ast.CallExpr:
			w.call(s, n, depth)
		}
		return true
	})
}

// strList evaluates a []string literal, directly or through a package-level variable.
func (w *flagWalker) strList(s *scope, e ast.Expr) ([]string, bool) {
	switch x := e.(type) {
	case *ast.CompositeLit:
		var out []string
		for _, el := range x.Elts {
			v, ok := w.str(s, el)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	case *ast.Ident:
		if !s.local[x.Name] {
			if v := s.pkg.values[x.Name]; v != nil {
				return w.strList(&scope{pkg: s.pkg, file: s.pkg.fileOf[v], strs: map[string]string{}, local: map[string]bool{}}, v)
			}
		}
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok && !s.local[id.Name] {
			if imp, ok := w.t.importName(s.file, id.Name); ok {
				if q := w.t.pkg(imp); q != nil && q.values[x.Sel.Name] != nil {
					v := q.values[x.Sel.Name]
					return w.strList(&scope{pkg: q, file: q.fileOf[v], strs: map[string]string{}, local: map[string]bool{}}, v)
				}
			}
		}
	}
	return nil, false
}

func (w *flagWalker) assign(s *scope, n *ast.AssignStmt) {
	// fs.Lookup("name").Deprecated = "message"
	for i, lhs := range n.Lhs {
		sel, ok := lhs.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Deprecated" || i >= len(n.Rhs) {
			continue
		}
		if c, ok := sel.X.(*ast.CallExpr); ok && len(c.Args) == 1 && methodName(c.Fun) == "Lookup" {
			name, ok1 := w.str(s, c.Args[0])
			msg, ok2 := w.str(s, n.Rhs[i])
			if ok1 && ok2 {
				w.marks[normalizeFlag(name)] = msg
			}
		}
	}
	if len(n.Lhs) != len(n.Rhs) {
		// a, err := f(): the names take f's result types in order.
		var results []callee
		if c, ok := n.Rhs[0].(*ast.CallExpr); ok && len(n.Rhs) == 1 {
			results = w.callees(s, c)
		}
		for i, lhs := range n.Lhs {
			id, ok := lhs.(*ast.Ident)
			if !ok {
				continue
			}
			s.local[id.Name] = true
			if len(results) > 0 {
				if r := resultType(w, results[0], i); r.ok() {
					s.types[id.Name] = r
				}
			}
		}
		return
	}
	for i, lhs := range n.Lhs {
		id, ok := lhs.(*ast.Ident)
		if !ok || id.Name == "_" {
			continue
		}
		s.local[id.Name] = true
		if v, ok := w.str(s, n.Rhs[i]); ok {
			s.strs[id.Name] = v
		}
		if r := w.typeOf(s, n.Rhs[i]); r.ok() {
			s.types[id.Name] = r
		}
	}
}

func methodName(e ast.Expr) string {
	if sel, ok := e.(*ast.SelectorExpr); ok {
		return sel.Sel.Name
	}
	return ""
}

func (w *flagWalker) call(s *scope, c *ast.CallExpr, depth int) {
	if sel, ok := c.Fun.(*ast.SelectorExpr); ok {
		m := sel.Sel.Name
		switch {
		case registrationMethods[m]:
			if w.registration(s, c, sel) {
				return
			}
		case m == "MarkDeprecated" && len(c.Args) == 2:
			name, ok1 := w.str(s, c.Args[0])
			msg, ok2 := w.str(s, c.Args[1])
			if ok1 {
				if !ok2 {
					msg = ""
				}
				w.marks[normalizeFlag(name)] = msg
			}
			return
		case m == "Lookup" && len(c.Args) == 1:
			// Only a looked-up name passed in by the caller marks a re-registration
			// helper; a literal Lookup is a guard ("already added?").
			if _, isIdent := c.Args[0].(*ast.Ident); !isIdent {
				return
			}
			if name, ok := w.str(s, c.Args[0]); ok {
				s.lookups = append(s.lookups, lookupCall{name, c})
			}
			return
		case m == "AddFlag" || m == "AddGoFlag":
			s.adds = true
		case m == "AddGoFlagSet" && len(c.Args) == 1 && w.isGoCommandLine(s, c.Args[0]):
			w.commandLineInits(s, c)
		case m == "VisitAll" && len(c.Args) == 1:
			w.copiedPackageFlags(s, sel, c)
		}
	}
	for _, tgt := range w.callees(s, c) {
		if !takesFlags(tgt.fn) && !strings.Contains(strings.ToLower(tgt.fn.Name.Name), "flag") &&
			tgt.pkg.path != w.home && !strings.HasPrefix(tgt.pkg.path, w.home+"/") {
			continue
		}
		bound := map[string]string{}
		argTypes := map[string]typeRef{}
		i := 0
		for _, fld := range tgt.fn.Type.Params.List {
			for _, n := range fld.Names {
				if i < len(c.Args) {
					if v, ok := w.str(s, c.Args[i]); ok {
						bound[n.Name] = v
					}
					if r := w.typeOf(s, c.Args[i]); r.ok() {
						argTypes[n.Name] = r
					}
				}
				i++
			}
			if len(fld.Names) == 0 {
				i++
			}
		}
		w.visit(tgt.pkg, tgt.fn, tgt.recv, argTypes, bound, depth+1)
	}
}

// registration records fs.XxxVar(&v, "name", ..., "usage") and friends; it reports
// false when the call is not a flag definition after all.
func (w *flagWalker) registration(s *scope, c *ast.CallExpr, sel *ast.SelectorExpr) bool {
	m := sel.Sel.Name
	idx := 0
	if strings.HasSuffix(m, "Var") || strings.HasSuffix(m, "VarP") || strings.HasSuffix(m, "VarPF") {
		idx = 1
	}
	if m == "Func" || m == "BoolFunc" {
		idx = 0
	}
	if len(c.Args) < idx+2 {
		return false
	}
	if r := w.typeOf(s, sel.X); r.ok() {
		if ts := r.pkg.types[r.name]; ts != nil {
			if _, isIface := ts.Type.(*ast.InterfaceType); !isIface && len(w.methods(r, m, 0)) > 0 {
				return false // a Kubernetes type's own method of that name, not a flag set's
			}
		}
	}
	name, ok := w.str(s, c.Args[idx])
	if !ok || !flagNameRE.MatchString(name) {
		return false
	}
	name = normalizeFlag(name)
	var dep *string
	if usage, ok := w.str(s, c.Args[len(c.Args)-1]); ok {
		if rest, found := strings.CutPrefix(strings.TrimSpace(usage), "DEPRECATED:"); found {
			msg := strings.TrimSpace(rest)
			dep = &msg
		}
	}
	w.register(name, w.t.position(s.pkg, c), dep)
	recvText := types.ExprString(sel.X)
	s.regsOn[recvText] = append(s.regsOn[recvText], name)
	return true
}

func (w *flagWalker) register(name, source string, dep *string) {
	name = normalizeFlag(name)
	if r, ok := w.regs[name]; ok {
		if r.usageDeprecated == nil {
			r.usageDeprecated = dep
		}
		return
	}
	w.regs[name] = &flagReg{name: name, source: source, usageDeprecated: dep}
}

// blanketDeprecations handles fs.VisitAll(func(f *pflag.Flag) { f.Deprecated = msg }):
// every flag this function registered on fs is deprecated with msg (kubelet's flags
// that moved to the config file).
func (w *flagWalker) blanketDeprecations(s *scope, body *ast.BlockStmt) {
	ast.Inspect(body, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || methodName(c.Fun) != "VisitAll" || len(c.Args) != 1 {
			return true
		}
		lit, ok := c.Args[0].(*ast.FuncLit)
		if !ok || len(lit.Type.Params.List) != 1 || len(lit.Type.Params.List[0].Names) != 1 {
			return true
		}
		param := lit.Type.Params.List[0].Names[0].Name
		msg, found := "", false
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			a, ok := n.(*ast.AssignStmt)
			if !ok || len(a.Lhs) != 1 || len(a.Rhs) != 1 {
				return true
			}
			if sel, ok := a.Lhs[0].(*ast.SelectorExpr); ok && sel.Sel.Name == "Deprecated" && types.ExprString(sel.X) == param {
				if v, ok := w.str(s, a.Rhs[0]); ok && v != "" {
					msg, found = v, true
				}
			}
			return true
		})
		if !found {
			return true
		}
		for _, name := range s.regsOn[types.ExprString(c.Fun.(*ast.SelectorExpr).X)] {
			if _, ok := w.blanket[name]; !ok {
				w.blanket[name] = msg
			}
		}
		return true
	})
}

// takesFlags says whether a function is part of flag registration: it takes or returns
// a flag set (pflag, flag, NamedFlagSets) or a cobra command.
func takesFlags(fn *ast.FuncDecl) bool {
	check := func(fl *ast.FieldList) bool {
		if fl == nil {
			return false
		}
		for _, f := range fl.List {
			s := types.ExprString(f.Type)
			if strings.Contains(s, "FlagSet") || strings.Contains(s, "cobra.Command") {
				return true
			}
		}
		return false
	}
	return check(fn.Type.Params) || check(fn.Type.Results)
}

type callee struct {
	pkg  *srcPkg
	fn   *ast.FuncDecl
	recv typeRef
}

// callees resolves the target(s) of a call: a package function, a method of a known
// type (through embedding), or every implementation in the declaring package of an
// interface method.
func (w *flagWalker) callees(s *scope, c *ast.CallExpr) []callee {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		if s.local[f.Name] {
			return nil
		}
		if fn := s.pkg.funcs[f.Name]; fn != nil {
			return []callee{{pkg: s.pkg, fn: fn}}
		}
	case *ast.SelectorExpr:
		if id, ok := f.X.(*ast.Ident); ok && !s.local[id.Name] && s.pkg.values[id.Name] == nil && s.pkg.funcs[id.Name] == nil {
			if imp, ok := w.t.importName(s.file, id.Name); ok {
				if p := w.t.pkg(imp); p != nil && p.funcs[f.Sel.Name] != nil {
					return []callee{{pkg: p, fn: p.funcs[f.Sel.Name]}}
				}
				return nil
			}
		}
		if r := w.typeOf(s, f.X); r.ok() {
			return w.methods(r, f.Sel.Name, 0)
		}
	}
	return nil
}

func (w *flagWalker) methods(r typeRef, name string, depth int) []callee {
	if depth > 8 || !r.ok() {
		return nil
	}
	if fn := r.pkg.meths[r.name][name]; fn != nil {
		return []callee{{pkg: r.pkg, fn: fn, recv: r}}
	}
	ts := r.pkg.types[r.name]
	if ts == nil {
		return nil
	}
	switch t := ts.Type.(type) {
	case *ast.InterfaceType:
		var out []callee
		var impls []string
		for tn, ms := range r.pkg.meths {
			if ms[name] != nil {
				impls = append(impls, tn)
			}
		}
		sort.Strings(impls)
		for _, tn := range impls {
			out = append(out, callee{pkg: r.pkg, fn: r.pkg.meths[tn][name], recv: typeRef{r.pkg, tn}})
		}
		return out
	case *ast.StructType:
		for _, fld := range t.Fields.List {
			if len(fld.Names) == 0 {
				if out := w.methods(w.resolveType(fld.Type, r.pkg, r.pkg.fileOf[ts]), name, depth+1); len(out) > 0 {
					return out
				}
			}
		}
	default:
		if ts.Assign.IsValid() {
			return w.methods(w.resolveType(ts.Type, r.pkg, r.pkg.fileOf[ts]), name, depth+1)
		}
	}
	return nil
}

// resolveType turns a type expression written in file f of package p into a typeRef.
func (w *flagWalker) resolveType(e ast.Expr, p *srcPkg, f *ast.File) typeRef {
	switch x := e.(type) {
	case *ast.StarExpr:
		return w.resolveType(x.X, p, f)
	case *ast.ParenExpr:
		return w.resolveType(x.X, p, f)
	case *ast.IndexExpr:
		return w.resolveType(x.X, p, f)
	case *ast.IndexListExpr:
		return w.resolveType(x.X, p, f)
	case *ast.Ident:
		if p.types[x.Name] != nil {
			return typeRef{p, x.Name}
		}
	case *ast.SelectorExpr:
		id, ok := x.X.(*ast.Ident)
		if !ok || f == nil {
			return typeRef{}
		}
		if imp, ok := w.t.importName(f, id.Name); ok {
			if q := w.t.pkg(imp); q != nil && q.types[x.Sel.Name] != nil {
				return typeRef{q, x.Sel.Name}
			}
		}
	}
	return typeRef{}
}

// typeOf infers the declared type of an expression, as far as syntax allows.
func (w *flagWalker) typeOf(s *scope, e ast.Expr) typeRef {
	switch x := e.(type) {
	case *ast.ParenExpr:
		return w.typeOf(s, x.X)
	case *ast.StarExpr:
		return w.typeOf(s, x.X)
	case *ast.UnaryExpr:
		if x.Op == token.AND {
			return w.typeOf(s, x.X)
		}
	case *ast.CompositeLit:
		if x.Type != nil {
			return w.resolveType(x.Type, s.pkg, s.file)
		}
	case *ast.Ident:
		if r, ok := s.types[x.Name]; ok {
			return r
		}
		if !s.local[x.Name] {
			return w.pkgVarType(s.pkg, x.Name)
		}
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok && !s.local[id.Name] && s.pkg.values[id.Name] == nil {
			if imp, ok := w.t.importName(s.file, id.Name); ok {
				if q := w.t.pkg(imp); q != nil {
					return w.pkgVarType(q, x.Sel.Name)
				}
				return typeRef{}
			}
		}
		return w.fieldType(w.typeOf(s, x.X), x.Sel.Name, 0)
	case *ast.CallExpr:
		if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "new" && len(x.Args) == 1 {
			return w.resolveType(x.Args[0], s.pkg, s.file)
		}
		for _, c := range w.callees(s, x) {
			if r := resultType(w, c, 0); r.ok() {
				return r
			}
		}
	}
	return typeRef{}
}

func (w *flagWalker) pkgVarType(p *srcPkg, name string) typeRef {
	if t := p.vtypes[name]; t != nil {
		return w.resolveType(t, p, p.fileOf[t])
	}
	if v := p.values[name]; v != nil {
		inner := &scope{pkg: p, file: p.fileOf[v], strs: map[string]string{}, types: map[string]typeRef{}, local: map[string]bool{}}
		return w.typeOf(inner, v)
	}
	return typeRef{}
}

func (w *flagWalker) fieldType(r typeRef, name string, depth int) typeRef {
	if !r.ok() || depth > 8 {
		return typeRef{}
	}
	ts := r.pkg.types[r.name]
	if ts == nil {
		return typeRef{}
	}
	f := r.pkg.fileOf[ts]
	st, ok := ts.Type.(*ast.StructType)
	if !ok {
		return w.fieldType(w.resolveType(ts.Type, r.pkg, f), name, depth+1)
	}
	for _, fld := range st.Fields.List {
		for _, n := range fld.Names {
			if n.Name == name {
				return w.resolveType(fld.Type, r.pkg, f)
			}
		}
		if len(fld.Names) == 0 && recvTypeName(embeddedName(fld.Type)) == name {
			return w.resolveType(fld.Type, r.pkg, f)
		}
	}
	for _, fld := range st.Fields.List {
		if len(fld.Names) == 0 {
			if t := w.fieldType(w.resolveType(fld.Type, r.pkg, f), name, depth+1); t.ok() {
				return t
			}
		}
	}
	return typeRef{}
}

func embeddedName(e ast.Expr) ast.Expr {
	if st, ok := e.(*ast.StarExpr); ok {
		e = st.X
	}
	if sel, ok := e.(*ast.SelectorExpr); ok {
		return sel.Sel
	}
	return e
}

// str evaluates a string-valued expression: literals, bound names, constants (of this
// or an imported package), concatenation and fmt.Sprintf.
func (w *flagWalker) str(s *scope, e ast.Expr) (string, bool) {
	return w.strDepth(s, e, 0)
}

func (w *flagWalker) strDepth(s *scope, e ast.Expr, depth int) (string, bool) {
	if depth > 10 {
		return "", false
	}
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			v, err := strconv.Unquote(x.Value)
			return v, err == nil
		}
		if x.Kind == token.INT {
			return x.Value, true
		}
	case *ast.ParenExpr:
		return w.strDepth(s, x.X, depth+1)
	case *ast.Ident:
		if v, ok := s.strs[x.Name]; ok {
			return v, true
		}
		if s.local[x.Name] {
			return "", false
		}
		return w.pkgConst(s.pkg, x.Name, depth)
	case *ast.SelectorExpr:
		id, ok := x.X.(*ast.Ident)
		if !ok || s.local[id.Name] {
			return "", false
		}
		if imp, ok := w.t.importName(s.file, id.Name); ok {
			if q := w.t.pkg(imp); q != nil {
				return w.pkgConst(q, x.Sel.Name, depth)
			}
		}
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return "", false
		}
		a, ok1 := w.strDepth(s, x.X, depth+1)
		b, ok2 := w.strDepth(s, x.Y, depth+1)
		return a + b, ok1 && ok2
	case *ast.CallExpr:
		fn := types.ExprString(x.Fun)
		switch {
		case fn == "fmt.Sprintf" && len(x.Args) >= 1:
			format, ok := w.strDepth(s, x.Args[0], depth+1)
			if !ok {
				return "", false
			}
			var args []any
			for _, a := range x.Args[1:] {
				v, ok := w.strDepth(s, a, depth+1)
				if !ok {
					return "", false
				}
				args = append(args, v)
			}
			return fmt.Sprintf(strings.ReplaceAll(format, "%d", "%s"), args...), true
		case (fn == "normalize" || fn == "string") && len(x.Args) == 1:
			return w.strDepth(s, x.Args[0], depth+1)
		}
	}
	return "", false
}

func (w *flagWalker) pkgConst(p *srcPkg, name string, depth int) (string, bool) {
	v := p.values[name]
	if v == nil {
		return "", false
	}
	inner := &scope{pkg: p, file: p.fileOf[v], strs: map[string]string{}, types: map[string]typeRef{}, local: map[string]bool{}}
	return w.strDepth(inner, v, depth+1)
}

// resultType is the type of the i-th result of a callee.
func resultType(w *flagWalker, c callee, i int) typeRef {
	res := c.fn.Type.Results
	if res == nil {
		return typeRef{}
	}
	n := 0
	for _, fld := range res.List {
		k := max(len(fld.Names), 1)
		if i < n+k {
			return w.resolveType(fld.Type, c.pkg, c.pkg.fileOf[c.fn])
		}
		n += k
	}
	return typeRef{}
}

// isGoCommandLine reports whether e is the standard library's flag.CommandLine.
func (w *flagWalker) isGoCommandLine(s *scope, e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "CommandLine" {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	imp, ok := w.t.importName(s.file, id.Name)
	return ok && imp == "flag"
}

// commandLineInits handles fs.AddGoFlagSet(flag.CommandLine): the flags are whatever
// package init functions registered globally. The walker looks at the init functions
// of the Kubernetes packages the calling file imports (klog's flags arrive that way).
func (w *flagWalker) commandLineInits(s *scope, c *ast.CallExpr) {
	for _, im := range s.file.Imports {
		imp, _ := strconv.Unquote(im.Path.Value)
		if !strings.HasPrefix(imp, "k8s.io/") {
			continue
		}
		p := w.t.pkg(imp)
		if p == nil {
			continue
		}
		for _, fn := range p.inits {
			w.commandLineInit(p, fn)
		}
	}
}

// commandLineInit follows only what an init function registers on flag.CommandLine:
// klog.InitFlags(flag.CommandLine or nil) and flag.XxxVar(...) calls.
func (w *flagWalker) commandLineInit(p *srcPkg, fn *ast.FuncDecl) {
	s := &scope{pkg: p, file: p.fileOf[fn], strs: map[string]string{}, types: map[string]typeRef{},
		local: map[string]bool{}, regsOn: map[string][]string{}}
	for _, st := range fn.Body.List {
		es, ok := st.(*ast.ExprStmt)
		if !ok {
			continue
		}
		c, ok := es.X.(*ast.CallExpr)
		if !ok {
			continue
		}
		sel, ok := c.Fun.(*ast.SelectorExpr)
		if !ok {
			continue
		}
		if id, ok := sel.X.(*ast.Ident); ok && registrationMethods[sel.Sel.Name] {
			if imp, ok := w.t.importName(s.file, id.Name); ok && imp == "flag" {
				w.registration(s, c, sel)
			}
			continue
		}
		global := false
		for _, a := range c.Args {
			if id, ok := a.(*ast.Ident); (ok && id.Name == "nil") || w.isGoCommandLine(s, a) {
				global = true
			}
		}
		if global {
			w.call(s, c, 1)
		}
	}
}

// visitInit walks an init function as if called with no arguments.
func (w *flagWalker) visitInit(p *srcPkg, fn *ast.FuncDecl) {
	key := p.path + ".init@" + strconv.Itoa(int(fn.Pos()))
	if w.visited[key] {
		return
	}
	w.visited[key] = true
	s := &scope{pkg: p, file: p.fileOf[fn], strs: map[string]string{}, types: map[string]typeRef{},
		local: map[string]bool{}, regsOn: map[string][]string{}}
	w.inspect(s, fn.Body, 1)
}

// copiedPackageFlags handles pkgFlags.VisitAll(func(f *flag.Flag) { ...; fs.AddFlag(pf) })
// where pkgFlags is a package-level flag set filled by the package's init functions
// (component-base/logs re-exporting klog's flags, deprecating most of them in a
// switch on f.Name).
func (w *flagWalker) copiedPackageFlags(s *scope, sel *ast.SelectorExpr, c *ast.CallExpr) {
	id, ok := sel.X.(*ast.Ident)
	lit, ok2 := c.Args[0].(*ast.FuncLit)
	if !ok || !ok2 || s.local[id.Name] || s.pkg.values[id.Name] == nil || len(lit.Type.Params.List) != 1 || len(lit.Type.Params.List[0].Names) != 1 {
		return
	}
	adds := false
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok && (methodName(c.Fun) == "AddFlag" || methodName(c.Fun) == "AddGoFlag") {
			adds = true
		}
		return true
	})
	if !adds {
		return
	}
	sub := newFlagWalker(w.t)
	sub.home = w.home
	for _, fn := range s.pkg.inits {
		sub.visitInit(s.pkg, fn)
	}
	param := lit.Type.Params.List[0].Names[0].Name
	deprecated := w.switchDeprecations(s, lit.Body, param)
	for name, r := range sub.regs {
		w.register(name, r.source, r.usageDeprecated)
		if msg, ok := deprecated(name); ok {
			w.marks[name] = msg
		}
	}
	for name, msg := range sub.marks {
		w.marks[name] = msg
	}
}

// switchDeprecations reads which flag names a VisitAll callback deprecates: an
// unconditional "x.Deprecated = msg", or one inside the clauses of "switch f.Name".
func (w *flagWalker) switchDeprecations(s *scope, body *ast.BlockStmt, param string) func(string) (string, bool) {
	setsDeprecated := func(stmts []ast.Stmt) (string, bool) {
		msg, found := "", false
		for _, st := range stmts {
			a, ok := st.(*ast.AssignStmt)
			if !ok || len(a.Lhs) != 1 || len(a.Rhs) != 1 {
				continue
			}
			if sel, ok := a.Lhs[0].(*ast.SelectorExpr); ok && sel.Sel.Name == "Deprecated" {
				if v, ok := w.str(s, a.Rhs[0]); ok {
					msg, found = v, true
				}
			}
		}
		return msg, found
	}
	if msg, ok := setsDeprecated(body.List); ok {
		return func(string) (string, bool) { return msg, true }
	}
	named := map[string]string{} // name -> message ("" = not deprecated)
	defaultMsg, hasDefault := "", false
	for _, st := range body.List {
		sw, ok := st.(*ast.SwitchStmt)
		if !ok || types.ExprString(sw.Tag) != param+".Name" {
			continue
		}
		for _, cc := range sw.Body.List {
			clause := cc.(*ast.CaseClause)
			msg, dep := setsDeprecated(clause.Body)
			if clause.List == nil {
				defaultMsg, hasDefault = msg, dep
				continue
			}
			for _, e := range clause.List {
				if v, ok := w.str(s, e); ok {
					if dep {
						named[normalizeFlag(v)] = msg
					} else {
						named[normalizeFlag(v)] = ""
					}
				}
			}
		}
	}
	return func(name string) (string, bool) {
		if msg, ok := named[name]; ok {
			return msg, msg != ""
		}
		return defaultMsg, hasDefault
	}
}
