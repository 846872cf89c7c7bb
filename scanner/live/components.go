package live

import (
	"path"
	"sort"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/scanner"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// mirrorAnnotation marks the API server's read-only copy of a kubelet's static pod.
const mirrorAnnotation = "kubernetes.io/config.mirror"

// controlPlaneComponents are the static pods whose flags the rules check.
var controlPlaneComponents = map[string]bool{
	"kube-apiserver": true, "kube-controller-manager": true, "kube-scheduler": true, "etcd": true,
}

// addHelmReleases adds the objects of each release's deployed revision, each carrying
// helm-release evidence. A record that cannot be decoded is an input error.
func addHelmReleases(inv *inventory.Inventory) {
	for _, rec := range scanner.DeployedHelmReleases(inv.Objects) {
		objs, err := scanner.HelmReleaseObjects(rec)
		if err != nil {
			inv.InputErrors = append(inv.InputErrors, inventory.InputError{Source: rec.Source, Message: "Helm release record: " + err.Error()})
			continue
		}
		inv.Objects = append(inv.Objects, objs...)
	}
}

// addNodes records each Node's kubelet version and container runtime.
func addNodes(inv *inventory.Inventory) {
	for _, o := range inv.ObjectsOfKind("Node") {
		status, _ := o.Body["status"].(map[string]any)
		info, _ := status["nodeInfo"].(map[string]any)
		kubelet, _ := info["kubeletVersion"].(string)
		runtime, _ := info["containerRuntimeVersion"].(string)
		md, _ := o.Body["metadata"].(map[string]any)
		labels, _ := md["labels"].(map[string]any)
		_, cp := labels["node-role.kubernetes.io/control-plane"]
		_, master := labels["node-role.kubernetes.io/master"]
		inv.Nodes = append(inv.Nodes, &inventory.Node{
			Name: o.Name, KubeletVersion: kubelet, ContainerRuntime: runtime,
			ControlPlane: cp || master, Source: o.Source,
		})
	}
}

// addMirrorPods reads control-plane flags from the mirror pods of static pods. The files on
// the nodes are the authority (a mirror pod may lag behind an edited manifest), so the
// inventory says that the node roots were not read.
func addMirrorPods(inv *inventory.Inventory) {
	var nodes []string
	seen := map[string]bool{}
	for _, o := range inv.ObjectsOfKind("Pod") {
		if o.Namespace != "kube-system" || o.Origin != inventory.FromCluster {
			continue
		}
		md, _ := o.Body["metadata"].(map[string]any)
		ann, _ := md["annotations"].(map[string]any)
		if _, ok := ann[mirrorAnnotation]; !ok {
			continue
		}
		spec, _ := o.Body["spec"].(map[string]any)
		node, _ := spec["nodeName"].(string)
		containers, _ := spec["containers"].([]any)
		for _, c := range containers {
			comp := mirrorPodComponent(c, node, o.Source)
			if comp == nil {
				continue
			}
			inv.Components = append(inv.Components, comp)
			if !seen[node] {
				seen[node] = true
				nodes = append(nodes, node)
			}
		}
	}
	if len(nodes) == 0 {
		return
	}
	sort.Strings(nodes)
	inv.Unchecked = append(inv.Unchecked, findings.Unchecked{
		What: "static pod manifests on " + strings.Join(nodes, ", "),
		Reason: "control-plane flags were read from the API server's mirror pods, which can lag behind the files on the nodes; " +
			"run `upgrade-lint collect --node-root /` on each control-plane node (or give --node-root) to check the files themselves",
	})
}

// mirrorPodComponent reads one container of a mirror pod: the component named by its
// command, its flags (command and args) and its environment.
func mirrorPodComponent(c any, node string, src inventory.Source) *inventory.Component {
	cm, _ := c.(map[string]any)
	words := append(stringList(cm["command"]), stringList(cm["args"])...)
	if len(words) == 0 {
		return nil
	}
	name := path.Base(words[0])
	if !controlPlaneComponents[name] {
		if n, _ := cm["name"].(string); controlPlaneComponents[n] {
			name = n
		} else {
			return nil
		}
	}
	image, _ := cm["image"].(string)
	comp := &inventory.Component{Name: name, Node: node, Kind: "mirror-pod", Source: src, Image: image}
	for _, w := range words[1:] {
		if !strings.HasPrefix(w, "--") {
			continue
		}
		f := inventory.Flag{Name: strings.TrimPrefix(w, "--"), Source: src}
		if n, v, ok := strings.Cut(f.Name, "="); ok {
			f.Name, f.Value, f.HasValue = n, v, true
		}
		comp.Flags = append(comp.Flags, f)
		if f.Name == "feature-gates" {
			comp.FeatureGates = append(comp.FeatureGates, gateSettings(f.Value, src)...)
		}
	}
	env, _ := cm["env"].([]any)
	for _, e := range env {
		em, _ := e.(map[string]any)
		n, _ := em["name"].(string)
		v, _ := em["value"].(string)
		if n != "" {
			comp.Env = append(comp.Env, inventory.EnvVar{Name: n, Value: v, Source: src})
		}
	}
	return comp
}

func gateSettings(list string, src inventory.Source) []inventory.GateSetting {
	var out []inventory.GateSetting
	for _, part := range strings.Split(list, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || name == "" {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(val)) {
		case "true":
			out = append(out, inventory.GateSetting{Name: name, Enabled: true, Via: "--feature-gates", Source: src})
		case "false":
			out = append(out, inventory.GateSetting{Name: name, Enabled: false, Via: "--feature-gates", Source: src})
		}
	}
	return out
}

func stringList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
