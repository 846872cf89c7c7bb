// Package gates holds the feature gate rules: removed-feature-gate, locked-feature-gate
// and deprecated-feature-gate.
package gates

import (
	"fmt"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// Removed flags gates the hop's release no longer knows: the component refuses to start.
var Removed = &rules.Rule{
	Name:     "removed-feature-gate",
	Severity: findings.Error,
	Doc: `A feature gate set on a component is removed at this hop
Kubernetes components refuse to start when --feature-gates (or a config file's featureGates) names a gate
they do not know: "unrecognized feature gate". A gate that graduated to GA is usually locked to its default
for two releases, then removed; clusters that kept setting it break at the removal. Gates are read from
--feature-gates flags (static pods, kubelet command line, kubeadm extraArgs) and from the kubelet and
kube-proxy config files and ConfigMaps.`,
	Run: runRemoved,
}

// Locked flags gates set against a default the hop's release locks.
var Locked = &rules.Rule{
	Name:     "locked-feature-gate",
	Severity: findings.Error,
	Doc: `A feature gate is set to the opposite of a default that is locked at this hop
Once a gate is locked to its default (typically at GA), setting it to the other value makes the component
refuse to start: "cannot set feature gate X to false, feature is locked to true".`,
	Run: runLocked,
}

// Deprecated flags gates the target release marks deprecated.
var Deprecated = &rules.Rule{
	Name:     "deprecated-feature-gate",
	Severity: findings.Warning,
	Doc: `A feature gate set on a component is deprecated
The gate still works but is on its way out; the feature it guards is going away or has become the only
behaviour. Stop setting it before it is removed.`,
	Run: runDeprecated,
}

type setting struct {
	c *inventory.Component
	g inventory.GateSetting
}

func settings(inv *inventory.Inventory) []setting {
	var out []setting
	for _, c := range inv.Components {
		for _, g := range c.FeatureGates {
			if !rules.GateRenderedByKubeadm(inv, c, g) {
				out = append(out, setting{c, g})
			}
		}
	}
	return out
}

func (s setting) evidence(inv *inventory.Inventory) string {
	e := fmt.Sprintf("%s %s=%t", s.g.Via, s.g.Name, s.g.Enabled)
	e += " (" + s.c.Kind
	if s.c.Kind == "kubeadm-extra-args" {
		e += " in ConfigMap kube-system/kubeadm-config; kubeadm upgrade renders the static pods from it"
		if v, ok := s.c.FlagValue("feature-gates"); ok {
			if in := rules.RenderedInto(inv, s.c, "feature-gates", v); len(in) > 0 {
				e += "; rendered into " + strings.Join(in, ", ")
			}
		}
	}
	if s.c.Node != "" {
		e += " on node " + s.c.Node
	}
	return e + ")"
}

func runRemoved(p *rules.Pass) {
	for _, s := range settings(p.Inv) {
		gate := p.KB.Gate(s.g.Name)
		if gate == nil || !gate.RemovedFor(s.c.Name, p.Hop.To) || gate.RemovedFor(s.c.Name, p.Hop.From) {
			continue
		}
		last, _ := gate.At(p.Hop.From)
		p.Report(findings.Finding{
			Component: s.c.Name,
			Subject:   s.g.Name,
			Message: fmt.Sprintf("Feature gate %s is removed in %s (it was %s, default %t, in %s): %s will not start while it is set.",
				gate.Name, gate.RemovedIn, last.Stage, last.Default, p.Hop.From, s.c.Name),
			Fix:      fmt.Sprintf("Remove %s from %s before the hop.", gate.Name, s.g.Via),
			Evidence: s.evidence(p.Inv),
			Source:   s.g.Source,
		})
	}
}

func runLocked(p *rules.Pass) {
	for _, s := range settings(p.Inv) {
		gate := p.KB.Gate(s.g.Name)
		if gate == nil {
			continue
		}
		to, ok := gate.At(p.Hop.To)
		if !ok || !to.Locked || to.Default == s.g.Enabled {
			continue
		}
		if from, ok := gate.At(p.Hop.From); ok && from.Locked && from.Default == to.Default && !p.First() {
			continue // already locked before this hop: reported where it started
		}
		p.Report(findings.Finding{
			Component: s.c.Name,
			Subject:   s.g.Name,
			Message: fmt.Sprintf("Feature gate %s is %s and locked to %t in %s: setting it to %t makes %s refuse to start.",
				gate.Name, to.Stage, to.Default, p.Hop.To, s.g.Enabled, s.c.Name),
			Fix:      fmt.Sprintf("Remove %s=%t from %s; the behaviour of %t is the only one from %s.", gate.Name, s.g.Enabled, s.g.Via, to.Default, p.Hop.To),
			Evidence: s.evidence(p.Inv),
			Source:   s.g.Source,
		})
	}
}

func runDeprecated(p *rules.Pass) {
	for _, s := range settings(p.Inv) {
		gate := p.KB.Gate(s.g.Name)
		if gate == nil {
			continue
		}
		to, ok := gate.At(p.Hop.To)
		if !ok || to.Stage != "DEPRECATED" {
			continue
		}
		if from, ok := gate.At(p.Hop.From); ok && from.Stage == "DEPRECATED" && !p.First() {
			continue
		}
		if knowledge.Before(gate.RemovedIn, p.Plan.To) {
			continue // removed within the plan: removed-feature-gate reports it
		}
		p.Report(findings.Finding{
			Component: s.c.Name,
			Subject:   s.g.Name,
			Message:   fmt.Sprintf("Feature gate %s is deprecated in %s (default %t).", gate.Name, p.Hop.To, to.Default),
			Fix:       fmt.Sprintf("Stop setting %s in %s before it is removed.", gate.Name, s.g.Via),
			Evidence:  s.evidence(p.Inv),
			Source:    s.g.Source,
		})
	}
}
