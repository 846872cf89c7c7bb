package kubesystem

import (
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// ProxyConfig is the kube-proxy-config rule.
var ProxyConfig = &rules.Rule{
	Name: "kube-proxy-config",
	Doc: `The kube-proxy ConfigMap sets a proxy mode the hop's kube-proxy refuses
kube-proxy reads its KubeProxyConfiguration from ConfigMap kube-system/kube-proxy
(config.conf). Its mode must be one that kube-proxy's config validation accepts at that minor
(userspace is gone in 1.26); any other makes kube-proxy exit at start on every node: an error at
the hop where it starts to fail. The file's featureGates are judged by the feature gate rules
(removed-feature-gate, locked-feature-gate), like every component's.`,
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
