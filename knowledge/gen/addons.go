package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

// genAddons reads kubeadm's CoreDNS Deployment and kube-proxy DaemonSet templates
// (cmd/kubeadm/app/phases/addons/{dns,proxy}/manifests.go) of every pinned minor.
func genAddons(g *generator) error {
	var sets []knowledge.AddonSet
	var inputs []string
	for _, m := range g.minors() {
		version := g.kubernetesVersion(m)
		dir, err := g.moduleDir("k8s.io/kubernetes", version)
		if err != nil {
			return err
		}
		module := "k8s.io/kubernetes@" + version
		inputs = append(inputs, module)
		set := knowledge.AddonSet{Minor: m, Source: module + "/cmd/kubeadm/app/phases/addons"}
		set.CoreDNS, err = addonsReadPod(dir, module, "cmd/kubeadm/app/phases/addons/dns/manifests.go", "CoreDNSDeployment", "coredns")
		if err != nil {
			return fmt.Errorf("%s: %w", m, err)
		}
		set.KubeProxy, err = addonsReadPod(dir, module, "cmd/kubeadm/app/phases/addons/proxy/manifests.go", "KubeProxyDaemonSet", "kube-proxy")
		if err != nil {
			return fmt.Errorf("%s: %w", m, err)
		}
		set.PortZero, err = addonsPortZero(dir, module)
		if err != nil {
			return fmt.Errorf("%s: %w", m, err)
		}
		set.KubeProxyModes, set.KubeProxyModesSource, err = addonsProxyModes(dir, module)
		if err != nil {
			return fmt.Errorf("%s: %w", m, err)
		}
		sets = append(sets, set)
	}
	return g.writeData("addons.json", inputs, sets)
}

// templateAction matches a text/template action: kubeadm fills these in at run time; any
// placeholder keeps the YAML around them parseable.
var templateAction = regexp.MustCompile(`\{\{[^}]*\}\}`)

// addonsReadPod finds the string constant whose name starts with constPrefix (kube-proxy's
// is KubeProxyDaemonSet19 in older minors) and reads the named container from it.
func addonsReadPod(dir, module, file, constPrefix, container string) (knowledge.AddonPod, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join(dir, file), nil, 0)
	if err != nil {
		return knowledge.AddonPod{}, err
	}
	var text string
	var line int
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || text != "" {
			return text == ""
		}
		for i, name := range vs.Names {
			if !strings.HasPrefix(name.Name, constPrefix) || i >= len(vs.Values) {
				continue
			}
			if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					text, line = s, fset.Position(lit.Pos()).Line
				}
			}
		}
		return true
	})
	if text == "" {
		return knowledge.AddonPod{}, fmt.Errorf("%s: no constant %s*", file, constPrefix)
	}
	text = templateAction.ReplaceAllString(text, "placeholder")
	var obj struct {
		Kind string `json:"kind"`
		Spec struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Name  string `json:"name"`
						Ports []struct {
							Name          string `json:"name"`
							ContainerPort int    `json:"containerPort"`
						} `json:"ports"`
						Resources struct {
							Requests map[string]string `json:"requests"`
							Limits   map[string]string `json:"limits"`
						} `json:"resources"`
						ReadinessProbe *struct {
							HTTPGet *struct {
								Path string `json:"path"`
								Port any    `json:"port"`
							} `json:"httpGet"`
						} `json:"readinessProbe"`
					} `json:"containers"`
				} `json:"spec"`
			} `json:"template"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal([]byte(text), &obj); err != nil {
		return knowledge.AddonPod{}, fmt.Errorf("%s: %s: %w", file, constPrefix, err)
	}
	for _, c := range obj.Spec.Template.Spec.Containers {
		if c.Name != container {
			continue
		}
		pod := knowledge.AddonPod{
			Kind: obj.Kind, Container: c.Name,
			Requests: c.Resources.Requests, Limits: c.Resources.Limits,
			Source: fmt.Sprintf("%s/%s:%d", module, file, line),
		}
		if p := c.ReadinessProbe; p != nil && p.HTTPGet != nil {
			pod.ReadinessPath = p.HTTPGet.Path
			switch port := p.HTTPGet.Port.(type) {
			case float64:
				pod.ReadinessPort = int(port)
			case string: // a named container port (1.34+)
				for _, cp := range c.Ports {
					if cp.Name == port {
						pod.ReadinessPort = cp.ContainerPort
					}
				}
			}
		}
		return pod, nil
	}
	return knowledge.AddonPod{}, fmt.Errorf("%s: %s has no container %q", file, constPrefix, container)
}

// portZeroFuncs maps kubeadm's command builders to the components they start.
var portZeroFuncs = map[string]string{
	"getControllerManagerCommand": "kube-controller-manager",
	"getSchedulerCommand":         "kube-scheduler",
}

// addonsPortZero finds `"port": "0"` in kubeadm's control-plane command builders
// (cmd/kubeadm/app/phases/controlplane/manifests.go).
func addonsPortZero(dir, module string) ([]knowledge.ComponentFlag, error) {
	const file = "cmd/kubeadm/app/phases/controlplane/manifests.go"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join(dir, file), nil, 0)
	if err != nil {
		return nil, err
	}
	var out []knowledge.ComponentFlag
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || portZeroFuncs[fn.Name.Name] == "" {
			continue
		}
		ast.Inspect(fn, func(n ast.Node) bool {
			kv, ok := n.(*ast.KeyValueExpr)
			if !ok {
				return true
			}
			k, kok := kv.Key.(*ast.BasicLit)
			v, vok := kv.Value.(*ast.BasicLit)
			if kok && vok && k.Value == `"port"` && v.Value == `"0"` {
				out = append(out, knowledge.ComponentFlag{Component: portZeroFuncs[fn.Name.Name],
					Source: fmt.Sprintf("%s/%s:%d", module, file, fset.Position(kv.Pos()).Line)})
			}
			return true
		})
	}
	return out, nil
}

// addonsProxyModes reads the modes validateProxyModeLinux accepts, resolving its
// ProxyMode constants in the config package's types.go (pkg/proxy/apis/config, named
// kubeproxyconfig before 1.11).
func addonsProxyModes(dir, module string) ([]string, string, error) {
	for _, pkg := range []string{"pkg/proxy/apis/config", "pkg/proxy/apis/kubeproxyconfig"} {
		validation := filepath.Join(dir, pkg, "validation", "validation.go")
		fset := token.NewFileSet()
		vf, err := parser.ParseFile(fset, validation, nil, 0)
		if err != nil {
			continue
		}
		tf, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, pkg, "types.go"), nil, 0)
		if err != nil {
			return nil, "", err
		}
		consts := map[string]string{}
		ast.Inspect(tf, func(n ast.Node) bool {
			if vs, ok := n.(*ast.ValueSpec); ok {
				for i, name := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[name.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
			return true
		})
		var modes []string
		line := 0
		for _, decl := range vf.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Name.Name != "validateProxyModeLinux" {
				continue
			}
			line = fset.Position(fn.Pos()).Line
			ast.Inspect(fn, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && strings.HasPrefix(sel.Sel.Name, "ProxyMode") {
					if v, ok := consts[sel.Sel.Name]; ok {
						modes = append(modes, v)
					}
				}
				return true
			})
		}
		if line == 0 {
			return nil, "", fmt.Errorf("%s: no validateProxyModeLinux", validation)
		}
		return modes, fmt.Sprintf("%s/%s/validation/validation.go:%d", module, pkg, line), nil
	}
	return nil, "", fmt.Errorf("no kube-proxy config validation found")
}
