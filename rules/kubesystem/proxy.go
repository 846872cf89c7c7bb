package kubesystem

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// ProxyConfig is the kube-proxy-config rule.
var ProxyConfig = &rules.Rule{
	Name: "kube-proxy-config",
	Doc: `The kube-proxy ConfigMap sets a proxy mode or config field the hop's kube-proxy no longer has
kube-proxy reads its KubeProxyConfiguration from ConfigMap kube-system/kube-proxy
(config.conf). Its mode must be one that kube-proxy's config validation accepts at that minor
(userspace is gone in 1.26); any other makes kube-proxy exit at start on every node: an error at
the hop where it starts to fail.
Every field the file sets (nested ones too: iptables.masqueradeAll, conntrack.max) is looked up
in the v1alpha1 types of both minors of the hop; one the hop's kube-proxy no longer has is
reported at that hop. kube-proxy decodes the file strictly from 1.17 on but, for v1alpha1,
falls back to lenient decoding and only logs a warning, so such a field is silently ignored:
a warning, raised to an error only at a minor that rejects unknown fields outright. The file's
featureGates are judged by the feature gate rules (removed-feature-gate, locked-feature-gate),
like every component's.`,
	Severity: findings.Error,
	Run:      runProxyConfig,
}

// proxyConfig is the decoded KubeProxyConfiguration and where it sits in its file.
type proxyConfig struct {
	cm        *inventory.Object
	key       string
	root      *yaml.Node
	firstLine int // file line of the config text's first line, 0 if unknown
}

func findProxyConfig(inv *inventory.Inventory) *proxyConfig {
	cm := inv.Object("ConfigMap", "kube-system", "kube-proxy")
	if cm == nil {
		return nil
	}
	data, _ := cm.Body["data"].(map[string]any)
	for _, key := range sortedAny(data) {
		text, _ := data[key].(string)
		var doc yaml.Node
		if yaml.Unmarshal([]byte(text), &doc) != nil || len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if kind := inventory.NodeValue(root, "kind"); kind == nil || kind.Value != "KubeProxyConfiguration" {
			continue
		}
		return &proxyConfig{cm: cm, key: key, root: root, firstLine: blockStart(cm, key)}
	}
	return nil
}

func sortedAny(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// blockStart is the file line a data key's block scalar text starts on.
func blockStart(cm *inventory.Object, key string) int {
	if cm.Node == nil {
		return 0
	}
	root := cm.Node
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	v := inventory.NodeValue(inventory.NodeValue(root, "data"), key)
	if v == nil || v.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 {
		return 0
	}
	return v.Line + 1
}

func (pc *proxyConfig) source(n *yaml.Node) findings.Source {
	src := pc.cm.Source
	src.Object = pc.cm.Ref()
	if pc.firstLine > 0 && n != nil {
		src.Line = pc.firstLine + n.Line - 1
	}
	return src
}

func runProxyConfig(p *rules.Pass) {
	pc := findProxyConfig(p.Inv)
	if pc == nil {
		return
	}
	checkMode(p, pc)
	checkRemovedFields(p, pc, pc.root, "")
}

// checkRemovedFields reports each field under n (a mapping at path prefix) that kube-proxy
// has at the hop's source minor and no longer has at its target.
func checkRemovedFields(p *rules.Pass, pc *proxyConfig, n *yaml.Node, prefix string) {
	if n == nil || n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		path := prefix + key.Value
		field := p.KB.ProxyConfigField(path)
		if field == nil {
			continue // apiVersion, kind, a map's own keys (featureGates.X), or unknown to every minor
		}
		// kubeadm writes unset fields as null (conntrack.max: null up to 1.14): nothing is lost.
		if value.Tag == "!!null" {
			continue
		}
		if field.ExistsAt(p.Hop.From) && !field.ExistsAt(p.Hop.To) {
			reportRemovedField(p, pc, field, key)
			continue
		}
		checkRemovedFields(p, pc, value, path+".")
	}
}

func reportRemovedField(p *rules.Pass, pc *proxyConfig, field *knowledge.ProxyConfigField, key *yaml.Node) {
	rejects, decodeSource := p.KB.ProxyConfigRejectsUnknown(p.Hop.To)
	f := findings.Finding{
		Component:  "kube-proxy",
		Subject:    "config field: " + field.Path,
		Severity:   findings.Warning,
		Message:    fmt.Sprintf("kube-proxy %s no longer has config field %s: it ignores it, so the setting silently stops taking effect.", p.Hop.To, field.Path),
		Source:     pc.source(key),
		References: []string{field.Source},
	}
	if rejects {
		f.Severity = findings.Error
		f.Message = fmt.Sprintf("kube-proxy %s no longer has config field %s and rejects unknown fields: kube-proxy exits at start on every node and Services stop working.", p.Hop.To, field.Path)
	}
	if decodeSource != "" {
		if !rejects {
			f.Message = fmt.Sprintf("kube-proxy %s no longer has config field %s: strict decoding fails, kube-proxy falls back to lenient decoding and logs a warning, and the setting silently stops taking effect.", p.Hop.To, field.Path)
		}
		f.References = append(f.References, decodeSource)
	}
	f.Fix = fmt.Sprintf("Remove %s from %s of ConfigMap kube-system/kube-proxy before this hop.", field.Path, pc.key)
	if field.ReplacedBy != "" {
		f.Fix = fmt.Sprintf("Remove %s from %s of ConfigMap kube-system/kube-proxy before this hop; upstream says to use %s instead.", field.Path, pc.key, field.ReplacedBy)
	}
	p.Report(f)
}

func checkMode(p *rules.Pass, pc *proxyConfig) {
	n := inventory.NodeValue(pc.root, "mode")
	if n == nil || n.Value == "" {
		return
	}
	from, to := p.KB.AddonsAt(p.Hop.From), p.KB.AddonsAt(p.Hop.To)
	if from == nil || to == nil || len(to.KubeProxyModes) == 0 {
		return
	}
	if !slices.Contains(from.KubeProxyModes, n.Value) || slices.Contains(to.KubeProxyModes, n.Value) {
		return
	}
	p.Report(findings.Finding{
		Component: "kube-proxy",
		Subject:   "mode: " + n.Value,
		Message: fmt.Sprintf("kube-proxy %s no longer accepts proxy mode %q (its config validation allows %s or blank): kube-proxy exits at start on every node and Services stop working.",
			p.Hop.To, n.Value, strings.Join(to.KubeProxyModes, ", ")),
		Fix:        fmt.Sprintf("Before this hop, set mode to %q (or another mode kube-proxy %s accepts) in %s of ConfigMap kube-system/kube-proxy, and restart kube-proxy to check it runs.", to.KubeProxyModes[0], p.Hop.To, pc.key),
		Source:     pc.source(n),
		References: []string{to.KubeProxyModesSource},
	})
}
