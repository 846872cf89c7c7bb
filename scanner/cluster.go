package scanner

import (
	"path"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

const mirrorAnnotation = "kubernetes.io/config.mirror"

var kubeletConfigMap = regexp.MustCompile(`^kubelet-config(-1\.\d+)?$`)

// DeriveFromObjects reads what objs (already in inv.Objects) say about the cluster's
// components: kubeadm's ClusterConfiguration, kube-proxy's and the kubelet's configs,
// Nodes, mirror pods; it appends the objects of deployed Helm releases to inv.Objects and
// then drops release payloads and Secret values from objs. The live scanner calls it too.
func DeriveFromObjects(inv *inventory.Inventory, objs []*inventory.Object) {
	var releases []*inventory.Object
	for _, o := range objs {
		switch {
		case o.Kind == "ConfigMap" && o.Namespace == "kube-system" && o.Name == "kubeadm-config":
			kubeadmFromConfigMap(inv, o)
		case o.Kind == "ConfigMap" && o.Namespace == "kube-system" && o.Name == "kube-proxy":
			if body, node, src, ok := embeddedConfig(inv, o, "config.conf"); ok {
				inv.Components = append(inv.Components, configComponent("kube-proxy", "kube-proxy-config", body, node, src))
			}
		case o.Kind == "ConfigMap" && o.Namespace == "kube-system" && kubeletConfigMap.MatchString(o.Name):
			if body, node, src, ok := embeddedConfig(inv, o, "kubelet"); ok {
				inv.Components = append(inv.Components, configComponent("kubelet", "kubelet-config", body, node, src))
			}
		case o.Kind == "KubeletConfiguration":
			inv.Components = append(inv.Components, configComponent("kubelet", "kubelet-config", o.Body, o.Node, o.Source))
		case o.Kind == "KubeProxyConfiguration":
			inv.Components = append(inv.Components, configComponent("kube-proxy", "kube-proxy-config", o.Body, o.Node, o.Source))
		case o.Kind == "ClusterConfiguration" && strings.HasPrefix(o.APIVersion, "kubeadm.k8s.io/"):
			kubeadmConfig(inv, o.Body, o.Node, o.Source)
		case o.Kind == "Node":
			inv.Nodes = append(inv.Nodes, nodeFromObject(o))
		case o.Kind == "Pod" && o.Namespace == "kube-system" && o.Origin == inventory.FromCluster && annotation(o, mirrorAnnotation) != "":
			node, _ := inventory.Field(o.Body, "spec", "nodeName").(string)
			inv.Components = append(inv.Components, podComponents(o, "mirror-pod", node)...)
		case o.Kind == "DaemonSet" && o.Namespace == "kube-system" && o.Name == "kube-proxy":
			inv.Components = append(inv.Components, podComponents(o, "daemonset", "")...)
		}
		if IsHelmRelease(o) {
			releases = append(releases, o)
		}
	}
	for _, rel := range DeployedHelmReleases(releases) {
		helmObjs, err := HelmReleaseObjects(rel)
		if err != nil {
			inv.InputErrors = append(inv.InputErrors, inventory.InputError{Source: rel.Source, Message: "Helm release: " + err.Error()})
			continue
		}
		inv.Objects = append(inv.Objects, helmObjs...)
	}
	// Release payloads and Secret values are not kept: no rule needs them.
	for _, o := range objs {
		if IsHelmRelease(o) {
			if data, ok := o.Body["data"].(map[string]any); ok {
				data["release"] = ""
			}
			if n := inventory.NodeAt(o.Node, "data", "release"); n != nil {
				n.Value = ""
			}
		}
		RedactSecret(o)
	}
}

func annotation(o *inventory.Object, key string) string {
	v, _ := inventory.Field(o.Body, "metadata", "annotations", key).(string)
	return v
}

// embeddedConfig decodes a YAML document held in a ConfigMap's data[key]. Lines of its
// fields are the ConfigMap file's lines when the value is a literal block (|), and the
// key's line otherwise (a quoted or folded string has no line-for-line mapping).
func embeddedConfig(inv *inventory.Inventory, o *inventory.Object, key string) (map[string]any, *yaml.Node, inventory.Source, bool) {
	text, _ := inventory.Field(o.Body, "data", key).(string)
	src := o.Source
	if text == "" {
		return nil, nil, src, false
	}
	valueNode := inventory.NodeAt(o.Node, "data", key)
	literal := valueNode != nil && valueNode.Style&yaml.LiteralStyle != 0
	keyLine := lineOf(inventory.ResolveNode(o.Node), src.Line, "data", key)
	src.Line = keyLine
	docLine := 1
	if literal {
		docLine = valueNode.Line + 1
	}
	docs := splitDocuments([]byte(text))
	if len(docs) == 0 {
		return nil, nil, src, false
	}
	doc := docs[0]
	doc.Line += docLine - 1
	node, err := parseDocument(doc)
	if err != nil {
		line := keyLine
		if literal {
			line = lineOfError(err)
		}
		inv.InputErrors = append(inv.InputErrors, inventory.InputError{
			Source: inventory.Source{Path: src.Path, Line: line, Object: src.Object}, Message: "data." + key + ": " + errorMessage(err)})
		return nil, nil, src, false
	}
	if node == nil {
		return nil, nil, src, false
	}
	if !literal {
		setLines(node, keyLine)
	}
	body, ok := toValue(node).(map[string]any)
	return body, node, src, ok
}

func setLines(n *yaml.Node, line int) {
	n.Line = line
	for _, c := range n.Content {
		setLines(c, line)
	}
}

func kubeadmFromConfigMap(inv *inventory.Inventory, o *inventory.Object) {
	body, node, src, ok := embeddedConfig(inv, o, "ClusterConfiguration")
	if !ok {
		// kubeadm before 1.12 kept a MasterConfiguration under data.MasterConfiguration.
		body, node, src, ok = embeddedConfig(inv, o, "MasterConfiguration")
	}
	if ok {
		kubeadmConfig(inv, body, node, src)
	}
}

// kubeadmExtraArgs maps ClusterConfiguration paths to the component their extraArgs feed;
// the top-level *ExtraArgs fields are the v1alpha1/v1alpha2 spelling.
var kubeadmExtraArgs = []struct {
	path      []string
	component string
}{
	{[]string{"apiServer", "extraArgs"}, "kube-apiserver"},
	{[]string{"controllerManager", "extraArgs"}, "kube-controller-manager"},
	{[]string{"scheduler", "extraArgs"}, "kube-scheduler"},
	{[]string{"etcd", "local", "extraArgs"}, "etcd"},
	{[]string{"apiServerExtraArgs"}, "kube-apiserver"},
	{[]string{"controllerManagerExtraArgs"}, "kube-controller-manager"},
	{[]string{"schedulerExtraArgs"}, "kube-scheduler"},
}

func kubeadmConfig(inv *inventory.Inventory, body map[string]any, node *yaml.Node, src inventory.Source) {
	str := func(keys ...string) string {
		s, _ := inventory.Field(body, keys...).(string)
		return s
	}
	kc := &inventory.KubeadmConfig{
		APIVersion:          str("apiVersion"),
		KubernetesVersion:   str("kubernetesVersion"),
		ImageRepository:     str("imageRepository"),
		DNSImageRepository:  str("dns", "imageRepository"),
		DNSImageTag:         str("dns", "imageTag"),
		EtcdImageRepository: str("etcd", "local", "imageRepository"),
		Source:              src,
	}
	if gates, ok := body["featureGates"].(map[string]any); ok {
		kc.FeatureGates = map[string]bool{}
		for k, v := range gates {
			if b, ok := v.(bool); ok {
				kc.FeatureGates[k] = b
			}
		}
	}
	inv.Kubeadm = kc
	for _, ea := range kubeadmExtraArgs {
		argsNode := inventory.NodeAt(node, ea.path...)
		if argsNode == nil {
			continue
		}
		c := &inventory.Component{Name: ea.component, Kind: "kubeadm-extra-args", Source: src}
		c.Source.Line = lineOf(inventory.ResolveNode(node), src.Line, ea.path...)
		var words []word
		switch argsNode.Kind {
		case yaml.MappingNode: // v1beta1..v1beta3: name: value
			for i := 0; i+1 < len(argsNode.Content); i += 2 {
				k, v := argsNode.Content[i], inventory.ResolveNode(argsNode.Content[i+1])
				val := ""
				if v != nil {
					val = v.Value
				}
				words = append(words, word{Text: "--" + k.Value + "=" + val, Source: lineSource(src, k.Line)})
			}
		case yaml.SequenceNode: // v1beta4: - name: x, value: y
			for _, item := range argsNode.Content {
				name := inventory.NodeValue(item, "name")
				if name == nil {
					continue
				}
				val := ""
				if v := inventory.NodeValue(item, "value"); v != nil {
					val = v.Value
				}
				words = append(words, word{Text: "--" + name.Value + "=" + val, Source: lineSource(src, inventory.ResolveNode(item).Line)})
			}
		}
		c.Flags, c.FeatureGates = parseFlags(words)
		inv.Components = append(inv.Components, c)
	}
}

func lineSource(src inventory.Source, line int) inventory.Source {
	src.Line = line
	return src
}

func nodeFromObject(o *inventory.Object) *inventory.Node {
	n := &inventory.Node{Name: o.Name, Source: o.Source}
	n.KubeletVersion, _ = inventory.Field(o.Body, "status", "nodeInfo", "kubeletVersion").(string)
	n.ContainerRuntime, _ = inventory.Field(o.Body, "status", "nodeInfo", "containerRuntimeVersion").(string)
	labels, _ := inventory.Field(o.Body, "metadata", "labels").(map[string]any)
	for _, l := range []string{"node-role.kubernetes.io/master", "node-role.kubernetes.io/control-plane"} {
		if _, ok := labels[l]; ok {
			n.ControlPlane = true
		}
	}
	return n
}

// knownComponents maps the names a binary or hyperkube subcommand goes by to the component.
var knownComponents = map[string]string{
	"kube-apiserver": "kube-apiserver", "apiserver": "kube-apiserver",
	"kube-controller-manager": "kube-controller-manager", "controller-manager": "kube-controller-manager",
	"kube-scheduler": "kube-scheduler", "scheduler": "kube-scheduler",
	"kube-proxy": "kube-proxy", "proxy": "kube-proxy",
	"kubelet": "kubelet", "etcd": "etcd", "cloud-controller-manager": "cloud-controller-manager",
}

var archSuffix = regexp.MustCompile(`-(amd64|arm64|arm|ppc64le|s390x)$`)

// podComponents reads the component each container of a pod (or pod template) runs.
func podComponents(o *inventory.Object, kind, nodeName string) []*inventory.Component {
	specPath := []string{"spec"}
	if o.Kind != "Pod" {
		specPath = []string{"spec", "template", "spec"}
	}
	containers, _ := inventory.Field(o.Body, append(specPath, "containers")...).([]any)
	containersNode := inventory.NodeAt(o.Node, append(specPath, "containers")...)
	var out []*inventory.Component
	for i, ci := range containers {
		ctr, _ := ci.(map[string]any)
		if ctr == nil {
			continue
		}
		var cnode *yaml.Node
		if containersNode != nil && containersNode.Kind == yaml.SequenceNode && i < len(containersNode.Content) {
			cnode = inventory.ResolveNode(containersNode.Content[i])
		}
		src := o.Source
		if cnode != nil {
			src.Line = cnode.Line
		}
		command := listWords(ctr["command"], inventory.NodeAt(cnode, "command"), src)
		args := listWords(ctr["args"], inventory.NodeAt(cnode, "args"), src)
		// sh -c "kube-apiserver --flag ...": the script's words, all at the script's line.
		if len(command) >= 3 && (path.Base(command[0].Text) == "sh" || path.Base(command[0].Text) == "bash") && command[1].Text == "-c" {
			var split []word
			for _, w := range splitUnitWords(command[2].Text, nil) {
				split = append(split, word{Text: w.Text, Source: command[2].Source})
			}
			command = append(split, command[3:]...)
		}
		all := append(command, args...)
		image, _ := ctr["image"].(string)
		name, flagsFrom := componentOf(all, image, ctr)
		c := &inventory.Component{Name: name, Node: nodeName, Kind: kind, Source: src, Image: image}
		if cnode != nil {
			if k := mapKey(cnode, "command"); k != nil {
				c.Source.Line = k.Line
			}
		}
		c.Flags, c.FeatureGates = parseFlags(all[flagsFrom:])
		envList, _ := ctr["env"].([]any)
		envNode := inventory.NodeAt(cnode, "env")
		for j, ei := range envList {
			e, _ := ei.(map[string]any)
			n, _ := e["name"].(string)
			if n == "" {
				continue
			}
			v, _ := e["value"].(string)
			s := src
			if item := inventory.NodeAt(envNode, itoa(j)); item != nil {
				s.Line = item.Line
			}
			c.Env = append(c.Env, inventory.EnvVar{Name: n, Value: v, Source: s})
		}
		out = append(out, c)
	}
	return out
}

// componentOf names the component a container runs, and where its flags start in words.
func componentOf(words []word, image string, ctr map[string]any) (string, int) {
	if len(words) > 0 {
		base := path.Base(words[0].Text)
		if base == "hyperkube" && len(words) > 1 {
			if c, ok := knownComponents[words[1].Text]; ok {
				return c, 2
			}
		}
		if c, ok := knownComponents[base]; ok {
			return c, 1
		}
	}
	// No command: the image's entrypoint is the component its image is named after.
	if image != "" {
		repo := image
		if i := strings.LastIndex(repo, "@"); i >= 0 {
			repo = repo[:i]
		}
		if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
			repo = repo[:i]
		}
		base := archSuffix.ReplaceAllString(path.Base(repo), "")
		if c, ok := knownComponents[base]; ok {
			return c, 0
		}
	}
	name, _ := ctr["name"].(string)
	if c, ok := knownComponents[name]; ok {
		return c, 0
	}
	if len(words) > 0 {
		return path.Base(words[0].Text), 1
	}
	return name, 0
}

func listWords(v any, n *yaml.Node, src inventory.Source) []word {
	list, _ := v.([]any)
	var out []word
	for i, item := range list {
		s := ""
		switch t := item.(type) {
		case string:
			s = t
		case nil:
		default:
			s = strings.TrimSpace(strings.Trim(yamlScalar(t), "\n"))
		}
		ws := src
		if n != nil && n.Kind == yaml.SequenceNode && i < len(n.Content) {
			ws.Line = n.Content[i].Line
		}
		out = append(out, word{Text: s, Source: ws})
	}
	return out
}

func yamlScalar(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
