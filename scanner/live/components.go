package live

import (
	"sort"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// noteMirrorPods says, when control-plane flags came from mirror pods, that the static pod
// files on the nodes are the authority and were not read: a mirror pod can lag behind an
// edited manifest, and only the files show what the kubelet will run after a restart.
func noteMirrorPods(inv *inventory.Inventory) {
	seen := map[string]bool{}
	var nodes []string
	for _, c := range inv.Components {
		if c.Kind != "mirror-pod" || seen[c.Node] {
			continue
		}
		seen[c.Node] = true
		nodes = append(nodes, c.Node)
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
