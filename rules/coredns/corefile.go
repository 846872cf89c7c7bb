package coredns

import (
	"strings"

	"github.com/coredns/caddy/caddyfile"
	"github.com/coredns/corefile-migration/migration"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// corefileInput is the cluster's Corefile and where it was read.
type corefileInput struct {
	Text string
	// ConfigMap holds the Corefile; Key is its data key.
	ConfigMap *inventory.Object
	Key       string
	// FirstLine is the file line of the Corefile's first line, 0 when unknown (live objects,
	// quoted strings).
	FirstLine int
	// lines maps "plugin" and "plugin option" to the Corefile line (1-based) they first appear on.
	lines map[string]int
}

// findCorefile returns the Corefile of the CoreDNS Deployment: from the ConfigMaps its pod
// template mounts, else ConfigMap kube-system/coredns.
func findCorefile(inv *inventory.Inventory) *corefileInput {
	var names []string
	if d := corednsDeployment(inv); d != nil {
		for _, v := range inventory.FieldMaps(d.Body, "spec", "template", "spec", "volumes") {
			if name := inventory.FieldString(v, "configMap", "name"); name != "" {
				names = append(names, name)
			}
		}
	}
	names = append(names, "coredns")
	for _, name := range names {
		cm := inv.Object("ConfigMap", "kube-system", name)
		if cm == nil {
			continue
		}
		data, _ := cm.Body["data"].(map[string]any)
		key := "Corefile"
		if _, ok := data[key]; !ok {
			if len(data) != 1 {
				continue
			}
			for k := range data {
				key = k
			}
		}
		text, ok := data[key].(string)
		if !ok || strings.TrimSpace(text) == "" {
			continue
		}
		in := &corefileInput{Text: text, ConfigMap: cm, Key: key, FirstLine: firstContentLine(cm, key)}
		in.lines = pluginLines(text)
		return in
	}
	return nil
}

// corednsDeployment is the CoreDNS Deployment kubeadm manages.
func corednsDeployment(inv *inventory.Inventory) *inventory.Object {
	return inv.Object("Deployment", "kube-system", "coredns")
}

// runningImage is the coredns container's image in the Deployment, "" when unknown.
func runningImage(inv *inventory.Inventory) (string, *inventory.Object) {
	d := corednsDeployment(inv)
	if d == nil {
		return "", nil
	}
	for _, c := range inventory.FieldMaps(d.Body, "spec", "template", "spec", "containers") {
		name := inventory.FieldString(c, "name")
		image := inventory.FieldString(c, "image")
		if name == "coredns" || strings.Contains(image, "coredns") {
			return image, d
		}
	}
	return "", d
}

// imageVersion turns an image reference into a CoreDNS version the migration library can
// name: the tag without "v", or the version of a released digest.
func imageVersion(image string) string {
	if ref, digest, ok := strings.Cut(image, "@"); ok {
		if v, err := migration.VersionFromSHA(strings.TrimPrefix(digest, "sha256:")); err == nil {
			return v
		}
		image = ref
	}
	slash := strings.LastIndex(image, "/")
	colon := strings.LastIndex(image, ":")
	if colon <= slash {
		return ""
	}
	return strings.TrimPrefix(image[colon+1:], "v")
}

// firstContentLine is the file line the data key's block scalar content starts on.
func firstContentLine(cm *inventory.Object, key string) int {
	if cm.Node == nil {
		return 0
	}
	data := inventory.NodeValue(cm.Node, "data")
	if data == nil {
		return 0
	}
	v := inventory.NodeValue(data, key)
	if v == nil || (v.Style != 0 && v.Style&literalOrFolded == 0) {
		return 0
	}
	return v.Line + 1
}

// pluginLines locates each plugin and option with CoreDNS's own Caddyfile tokenizer, at the
// nesting depths corefile-migration reads them at.
func pluginLines(text string) map[string]int {
	lines := map[string]int{}
	d := caddyfile.NewDispenser("Corefile", strings.NewReader(text))
	depth := 0
	plugin := ""
	for d.Next() {
		switch d.Val() {
		case "{":
			depth++
			continue
		case "}":
			depth--
			continue
		}
		val, line := d.Val(), d.Line()
		d.RemainingArgs()
		key := ""
		switch depth {
		case 1:
			plugin, key = val, val
		case 2:
			key = plugin + " " + val
		}
		if _, seen := lines[key]; key != "" && !seen {
			lines[key] = line
		}
	}
	return lines
}

// source places a plugin (and option) in the file the ConfigMap was read from.
func (in *corefileInput) source(plugin, option string) findings.Source {
	src := in.ConfigMap.Source
	src.Object = in.ConfigMap.Ref()
	key := plugin
	if option != "" {
		key += " " + option
	}
	if l, ok := in.lines[key]; ok && in.FirstLine > 0 {
		src.Line = in.FirstLine + l - 1
	}
	return src
}

// hasPlugin reports whether any server block of the Corefile has the plugin.
func (in *corefileInput) hasPlugin(name string) bool {
	_, ok := in.lines[name]
	return ok
}
