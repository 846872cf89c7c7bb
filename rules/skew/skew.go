// Package skew holds the version-skew rule.
package skew

import (
	"fmt"
	"sort"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// VersionSkew flags kubelets that a hop leaves outside the supported version-skew policy.
var VersionSkew = &rules.Rule{
	Name:     "version-skew",
	Severity: findings.Error,
	Doc: `Kubelets would fall outside the supported version skew at this hop
A kubelet may lag the API server by a bounded number of minors: 2 before 1.28, 3 from 1.28. Upgrading the
control plane first and the kubelets later is a legitimate plan, but only while every kubelet stays within
that policy: this rule reports, per kubelet version (from Node objects), the first hop at which the kubelets,
if left where they are, would be outside it, and the minor they must reach before that hop.`,
	Run: run,
}

func allowedSkew(kb *knowledge.KB, m knowledge.Minor) int {
	if r := kb.Release(m); r != nil && r.KubeletSkew > 0 {
		return r.KubeletSkew
	}
	return 2
}

func run(p *rules.Pass) {
	byVersion := map[knowledge.Minor][]*inventory.Node{}
	for _, n := range p.Inv.Nodes {
		m, err := knowledge.ParseMinor(n.KubeletVersion)
		if err != nil {
			continue
		}
		byVersion[m] = append(byVersion[m], n)
	}
	for _, nodes := range byVersion {
		sort.Slice(nodes, func(i, j int) bool { return nodes[i].Name < nodes[j].Name })
	}
	for k, nodes := range byVersion {
		allowedTo := allowedSkew(p.KB, p.Hop.To)
		if p.Hop.To.Sub(k) <= allowedTo {
			continue
		}
		// Report where the policy is first left: the hop's start was still within it, or the
		// plan starts outside it.
		if !p.First() && p.Hop.From.Sub(k) > allowedSkew(p.KB, p.Hop.From) {
			continue
		}
		minimum := p.Hop.To.Add(-allowedTo)
		names := nodeList(nodes)
		// The fix names every kubelet below the minimum, also those an earlier hop already
		// reported: a kubelet upgraded only as far as that hop asked is behind again here.
		var behind []*inventory.Node
		for m, ns := range byVersion {
			if m.Less(minimum) {
				behind = append(behind, ns...)
			}
		}
		p.Report(findings.Finding{
			Component: "kubelet",
			Subject:   "kubelet " + k.String(),
			Message: fmt.Sprintf("%d node(s) run kubelet %s; with the control plane at %s they would be %d minors behind, and the %s policy allows %d.",
				len(nodes), k, p.Hop.To, p.Hop.To.Sub(k), p.Hop.To, allowedTo),
			Fix:        fmt.Sprintf("Upgrade the kubelets on %s to at least %s before this hop (drain, upgrade kubeadm/kubelet packages, uncordon, node by node).", strings.Join(nodeList(behind), ", "), minimum),
			Evidence:   fmt.Sprintf("Node status.nodeInfo.kubeletVersion %s on %s", nodes[0].KubeletVersion, strings.Join(names, ", ")),
			Source:     nodes[0].Source,
			References: []string{"https://kubernetes.io/releases/version-skew-policy/#kubelet"},
		})
	}
}

// nodeList names nodes in order, the first five and then how many more.
func nodeList(nodes []*inventory.Node) []string {
	sorted := append([]*inventory.Node(nil), nodes...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	names := make([]string, 0, 6)
	for i, n := range sorted {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(sorted)-5))
			break
		}
		names = append(names, n.Name)
	}
	return names
}
