package rules

import "github.com/upgrade-lint/upgrade-lint/scanner/inventory"

// RenderedByKubeadm reports whether a control-plane static pod's flag is also set, to the
// same value, in the kubeadm ClusterConfiguration's extraArgs for the same component.
// kubeadm upgrade renders the static pods from that configuration, so the finding on
// kubeadm-config is the one to act on: the static pod's would only repeat it.
func RenderedByKubeadm(inv *inventory.Inventory, c *inventory.Component, name, value string) bool {
	if c.Kind != "static-pod" && c.Kind != "mirror-pod" {
		return false
	}
	for _, k := range inv.Components {
		if k.Kind == "kubeadm-extra-args" && k.Name == c.Name {
			if v, ok := k.FlagValue(name); ok && v == value {
				return true
			}
		}
	}
	return false
}

// GateRenderedByKubeadm is RenderedByKubeadm for one feature gate of a --feature-gates flag.
func GateRenderedByKubeadm(inv *inventory.Inventory, c *inventory.Component, g inventory.GateSetting) bool {
	if c.Kind != "static-pod" && c.Kind != "mirror-pod" {
		return false
	}
	for _, k := range inv.Components {
		if k.Kind != "kubeadm-extra-args" || k.Name != c.Name {
			continue
		}
		for _, kg := range k.FeatureGates {
			if kg.Name == g.Name && kg.Enabled == g.Enabled {
				return true
			}
		}
	}
	return false
}

// RenderedInto lists where the static pods carry a kubeadm extraArgs flag (same value):
// the places kubeadm upgrade will rewrite, named in the kubeadm-config finding's evidence.
func RenderedInto(inv *inventory.Inventory, k *inventory.Component, name, value string) []string {
	if k.Kind != "kubeadm-extra-args" {
		return nil
	}
	var out []string
	for _, c := range inv.Components {
		if (c.Kind != "static-pod" && c.Kind != "mirror-pod") || c.Name != k.Name {
			continue
		}
		for _, f := range c.Flags {
			if f.Name == name && f.Value == value {
				out = append(out, f.Source.String())
			}
		}
	}
	return out
}
