package scanner

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// systemdUnitDirs are where systemd looks for units, highest priority first.
var systemdUnitDirs = []string{"etc/systemd/system", "run/systemd/system", "usr/lib/systemd/system", "lib/systemd/system"}

// kubeletEnvFiles are the environment files distributions and installers give the
// kubelet; read even when no unit file names them.
var kubeletEnvFiles = []string{
	"etc/kubernetes/kubelet.env", "etc/default/kubelet", "etc/sysconfig/kubelet", "var/lib/kubelet/kubeadm-flags.env",
}

const defaultKubeletConfig = "var/lib/kubelet/config.yaml"

// nodeScan reads one node's filesystem.
type nodeScan struct {
	inv  *inventory.Inventory
	root string // on disk
	// prefix is prepended to paths in findings ("nodes/master-0" in a snapshot, "" for --node-root).
	prefix string
	name   string
}

// display turns a root-relative slash path into the path findings show.
func (ns *nodeScan) display(rel string) string {
	if ns.prefix == "" {
		return rel
	}
	return ns.prefix + "/" + rel
}

func (ns *nodeScan) read(rel string) (string, bool) {
	b, err := os.ReadFile(filepath.Join(ns.root, filepath.FromSlash(rel)))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			ns.inputError(rel, 0, err.Error())
		}
		return "", false
	}
	return string(b), true
}

func (ns *nodeScan) inputError(rel string, line int, msg string) {
	ns.inv.InputErrors = append(ns.inv.InputErrors, inventory.InputError{
		Source: inventory.Source{Path: ns.display(rel), Line: line}, Message: msg,
	})
}

func scanNodeRoot(inv *inventory.Inventory, root, prefix, name string) {
	ns := &nodeScan{inv: inv, root: root, prefix: prefix, name: name}
	ns.staticPods()
	ns.kubelet()
}

// staticPods reads etc/kubernetes/manifests.
func (ns *nodeScan) staticPods() {
	dir := "etc/kubernetes/manifests"
	entries, err := os.ReadDir(filepath.Join(ns.root, filepath.FromSlash(dir)))
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() || !isManifestName(e.Name()) {
			continue
		}
		rel := dir + "/" + e.Name()
		data, ok := ns.read(rel)
		if !ok {
			continue
		}
		// Static pods are components: their whole body is read.
		objs, errs := parseManifest([]byte(data), ns.display(rel), inventory.FromManifest, false)
		ns.inv.InputErrors = append(ns.inv.InputErrors, errs...)
		for _, o := range objs {
			if o.Kind != "Pod" {
				continue
			}
			ns.inv.Components = append(ns.inv.Components, podComponents(o, "static-pod", ns.name)...)
		}
	}
}

// kubelet resolves the kubelet's command line from its systemd unit and drop-ins.
func (ns *nodeScan) kubelet() {
	var unitRel string
	for _, d := range systemdUnitDirs {
		if _, err := os.Stat(filepath.Join(ns.root, filepath.FromSlash(d), "kubelet.service")); err == nil {
			unitRel = d + "/kubelet.service"
			break
		}
	}
	dropins := map[string]string{} // file name → highest-priority path
	for _, d := range systemdUnitDirs {
		entries, _ := os.ReadDir(filepath.Join(ns.root, filepath.FromSlash(d), "kubelet.service.d"))
		for _, e := range entries {
			if !e.IsDir() && strings.HasSuffix(e.Name(), ".conf") {
				if _, ok := dropins[e.Name()]; !ok {
					dropins[e.Name()] = d + "/kubelet.service.d/" + e.Name()
				}
			}
		}
	}
	files := []string{}
	if unitRel != "" {
		files = append(files, unitRel)
	}
	for _, name := range sortedKeys(dropins) {
		files = append(files, dropins[name])
	}
	used := map[string]bool{}
	var flags []inventory.Flag
	if len(files) > 0 {
		if c := ns.kubeletFromUnit(files, used); c != nil {
			flags = c.Flags
			ns.inv.Components = append(ns.inv.Components, c)
		}
	}
	// Environment files no unit used: their flag-like values are still the kubelet's
	// arguments as far as anyone can tell (a snapshot may lack the unit).
	for _, rel := range kubeletEnvFiles {
		if used[rel] {
			continue
		}
		data, ok := ns.read(rel)
		if !ok {
			continue
		}
		var words []word
		c := &inventory.Component{Name: "kubelet", Node: ns.name, Kind: "kubelet-unit", Source: inventory.Source{Path: ns.display(rel), Line: 1}}
		for _, v := range parseEnvFile(data, ns.display(rel)) {
			c.Env = append(c.Env, inventory.EnvVar{Name: v.Name, Value: v.Value, Source: v.Source})
			for _, w := range splitUnitWords(v.Value, v.Lines) {
				words = append(words, word{Text: w.Text, Source: v.wordSource(w)})
			}
		}
		c.Flags, c.FeatureGates = parseFlags(words)
		if len(c.Flags) > 0 {
			ns.inv.Components = append(ns.inv.Components, c)
			flags = append(flags, c.Flags...)
		}
	}
	ns.kubeletConfigs(flags)
}

// kubeletFromUnit applies the unit file and its drop-ins in order.
func (ns *nodeScan) kubeletFromUnit(files []string, used map[string]bool) *inventory.Component {
	type envFileRef struct {
		path     string
		optional bool
		src      inventory.Source
	}
	var (
		assigns   []envVar
		envFiles  []envFileRef
		exec      *unitEntry
		execFile  string
		execFound bool
	)
	for _, rel := range files {
		data, ok := ns.read(rel)
		if !ok {
			continue
		}
		for _, e := range parseUnit(data) {
			if e.Section != "Service" {
				continue
			}
			src := inventory.Source{Path: ns.display(rel), Line: e.Line}
			switch e.Key {
			case "Environment":
				if e.Value == "" {
					assigns = nil
					continue
				}
				for _, w := range splitUnitWords(e.Value, e.Lines) {
					if name, val, ok := strings.Cut(w.Text, "="); ok && validEnvName(name) {
						var lines []int
						if len(w.Lines) == len(w.Text) {
							lines = w.Lines[len(name)+1:]
						}
						assigns = append(assigns, envVar{Name: name, Value: val, Lines: lines, Source: inventory.Source{Path: ns.display(rel), Line: w.Line}})
					}
				}
			case "EnvironmentFile":
				if e.Value == "" {
					envFiles = nil
					continue
				}
				for _, w := range splitUnitWords(e.Value, e.Lines) {
					p, optional := strings.CutPrefix(w.Text, "-")
					envFiles = append(envFiles, envFileRef{path: p, optional: optional, src: src})
				}
			case "ExecStart":
				if e.Value == "" {
					exec, execFound = nil, false
					continue
				}
				ee := e
				exec, execFile, execFound = &ee, rel, true
			}
		}
	}
	env := &environment{}
	for _, a := range assigns {
		env.set(a)
	}
	// Variables from files override Environment= (systemd.exec(5)).
	for _, f := range envFiles {
		rel := strings.TrimPrefix(path.Clean("/"+f.path), "/")
		data, ok := ns.read(rel)
		if !ok {
			if !f.optional {
				ns.inv.InputErrors = append(ns.inv.InputErrors, inventory.InputError{Source: f.src,
					Message: "EnvironmentFile " + f.path + " is not in the node root; the kubelet would not start without it"})
			}
			continue
		}
		used[rel] = true
		for _, v := range parseEnvFile(data, ns.display(rel)) {
			env.set(v)
		}
	}
	if !execFound {
		return nil
	}
	words := expandCommand(exec.Value, exec.Lines, ns.display(execFile), env)
	if len(words) > 0 {
		words[0].Text = stripExecPrefixes(words[0].Text)
	}
	// Wrappers (hyperkube kubelet, docker run … kubelet) put the kubelet's flags after
	// a "kubelet" word; a plain unit starts with the kubelet binary itself.
	args := words
	if len(words) > 0 {
		args = words[1:]
		if path.Base(words[0].Text) != "kubelet" {
			for i, w := range words {
				if w.Text == "kubelet" || strings.HasSuffix(w.Text, "/kubelet") {
					args = words[i+1:]
					break
				}
			}
		}
	}
	c := &inventory.Component{Name: "kubelet", Node: ns.name, Kind: "kubelet-unit",
		Source: inventory.Source{Path: ns.display(execFile), Line: exec.Line}}
	c.Flags, c.FeatureGates = parseFlags(args)
	for _, v := range env.list() {
		c.Env = append(c.Env, inventory.EnvVar{Name: v.Name, Value: v.Value, Source: v.Source})
	}
	return c
}

// kubeletConfigs reads the kubelet's --config file (the last one given wins) and the
// kubeadm default location.
func (ns *nodeScan) kubeletConfigs(flags []inventory.Flag) {
	seen := map[string]bool{}
	var rels []string
	for i := len(flags) - 1; i >= 0; i-- {
		if flags[i].Name == "config" && flags[i].Value != "" {
			rels = append(rels, strings.TrimPrefix(path.Clean("/"+flags[i].Value), "/"))
			break
		}
	}
	rels = append(rels, defaultKubeletConfig)
	for _, rel := range rels {
		if seen[rel] {
			continue
		}
		seen[rel] = true
		data, ok := ns.read(rel)
		if !ok {
			continue
		}
		docs := splitDocuments([]byte(data))
		for _, doc := range docs {
			node, err := parseDocument(doc)
			if err != nil {
				ns.inputError(rel, lineOfError(err), err.Error())
				continue
			}
			if node == nil {
				continue
			}
			body, _ := toValue(node).(map[string]any)
			if body == nil {
				continue
			}
			c := configComponent("kubelet", "kubelet-config", body, node, inventory.Source{Path: ns.display(rel), Line: doc.Line})
			c.Node = ns.name
			ns.inv.Components = append(ns.inv.Components, c)
		}
	}
}

// configComponent builds a component from a decoded config file (KubeletConfiguration,
// KubeProxyConfiguration), with its featureGates at their lines.
func configComponent(name, kind string, body map[string]any, node *yaml.Node, src inventory.Source) *inventory.Component {
	c := &inventory.Component{Name: name, Kind: kind, Source: src, Config: body}
	gatesNode := inventory.NodeAt(node, "featureGates")
	if gates, ok := body["featureGates"].(map[string]any); ok {
		for _, g := range sortedKeys(gates) {
			b, ok := gates[g].(bool)
			if !ok {
				continue
			}
			s := src
			if k := mapKey(gatesNode, g); k != nil {
				s.Line = k.Line
			}
			c.FeatureGates = append(c.FeatureGates, inventory.GateSetting{Name: g, Enabled: b, Via: "featureGates", Source: s})
		}
		sort.SliceStable(c.FeatureGates, func(i, j int) bool { return c.FeatureGates[i].Source.Line < c.FeatureGates[j].Source.Line })
	}
	return c
}

func lineOfError(err error) int {
	var ye *yamlError
	if errors.As(err, &ye) {
		return ye.Line
	}
	return 0
}

func isManifestName(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}
