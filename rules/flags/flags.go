// Package flags holds the rules on component command-line flags: removed-flag,
// deprecated-flag and invalid-flag-value.
package flags

import (
	"fmt"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// Removed flags command-line flags the hop's release no longer has: the component exits
// at start with "unknown flag".
var Removed = &rules.Rule{
	Name:     "removed-flag",
	Severity: findings.Error,
	Doc: `A component flag is removed at this hop
The component's new binary does not know the flag and refuses to start ("unknown flag"). Flags are read
from static pod manifests (command and args), the kubelet's effective command line (systemd unit,
drop-ins, environment files, kubeadm-flags.env), kubeadm ClusterConfiguration extraArgs and mirror pods.
kube-apiserver's --allow-privileged and the kubelet's are different flags: each is judged for its own
component.`,
	Run: runRemoved,
}

// Deprecated flags flags that the target release deprecates.
var Deprecated = &rules.Rule{
	Name:     "deprecated-flag",
	Severity: findings.Warning,
	Doc: `A component flag is deprecated
The flag still works within the plan. A warning when a known release after the plan removes it; info when
no release up to the newest the knowledge base knows removes it (many kubelet flags have been "deprecated
in favour of the config file" for years). Upstream's deprecation message says what replaces it, often a
field of the component's config file.`,
	Run: runDeprecated,
}

// InvalidValue flags values a release stops accepting (kube-apiserver --insecure-port other
// than 0 from 1.20).
var InvalidValue = &rules.Rule{
	Name:     "invalid-flag-value",
	Severity: findings.Error,
	Doc: `A component flag has a value the hop's release rejects
Some flags keep their name but narrow what they accept before they go: kube-apiserver --insecure-port may
only be 0 from 1.20. The component refuses to start with the old value.`,
	Run: runInvalidValue,
}

func flagSources(inv *inventory.Inventory) []*inventory.Component {
	var out []*inventory.Component
	for _, c := range inv.Components {
		if len(c.Flags) > 0 {
			out = append(out, c)
		}
	}
	return out
}

func where(c *inventory.Component) string {
	switch c.Kind {
	case "kubeadm-extra-args":
		return "kubeadm ClusterConfiguration extraArgs (ConfigMap kube-system/kubeadm-config; kubeadm upgrade renders the static pods from it)"
	case "mirror-pod":
		return "mirror pod (the static pod file on the node is the authority)"
	case "kubelet-unit":
		return "kubelet command line"
	case "static-pod":
		return "static pod manifest"
	}
	return c.Kind
}

func evidence(inv *inventory.Inventory, c *inventory.Component, f inventory.Flag) string {
	e := where(c)
	if c.Node != "" {
		e += " on node " + c.Node
	}
	if f.HasValue {
		e += fmt.Sprintf(": --%s=%s", f.Name, f.Value)
	}
	if in := rules.RenderedInto(inv, c, f.Name, f.Value); len(in) > 0 {
		e += "; rendered into " + strings.Join(in, ", ")
	}
	return e
}

func runRemoved(p *rules.Pass) {
	for _, c := range flagSources(p.Inv) {
		for _, f := range c.Flags {
			if rules.RenderedByKubeadm(p.Inv, c, f.Name, f.Value) {
				continue
			}
			fact := p.KB.Flag(c.Name, f.Name)
			if fact == nil || !fact.At(p.Hop.From).Exists || fact.At(p.Hop.To).Exists {
				continue
			}
			msg := fmt.Sprintf("%s %s removes --%s: the component will not start with it.", c.Name, p.Hop.To, f.Name)
			fix := fmt.Sprintf("Remove --%s from the %s before the hop", f.Name, where(c))
			fix += "."
			if m := strings.TrimSpace(fact.DeprecationMessage); m != "" {
				fix += " Upstream's deprecation note: \"" + m + "\""
			}
			p.Report(findings.Finding{
				Component: c.Name, Subject: "--" + f.Name, Message: msg, Fix: fix,
				Evidence: evidence(p.Inv, c, f), Source: f.Source, References: refs(fact),
			})
		}
	}
}

func runDeprecated(p *rules.Pass) {
	for _, c := range flagSources(p.Inv) {
		for _, f := range c.Flags {
			if rules.RenderedByKubeadm(p.Inv, c, f.Name, f.Value) {
				continue
			}
			fact := p.KB.Flag(c.Name, f.Name)
			if fact == nil || fact.DeprecatedIn == nil {
				continue
			}
			to := fact.At(p.Hop.To)
			if !to.Deprecated {
				continue
			}
			// Once: where the deprecation starts, or on the first hop when it predates the plan.
			if fact.At(p.Hop.From).Deprecated && !p.First() {
				continue
			}
			if knowledge.Before(fact.RemovedIn, p.Plan.To) {
				continue // removed within the plan: removed-flag reports it at its hop
			}
			// A deprecation no release (of those known) acts on needs no action for any
			// upgrade: it is information, and the fix must not speak of a removal.
			severity, removal, when := findings.Warning, "", ""
			if fact.RemovedIn != nil {
				removal = fmt.Sprintf(" and removed in %s", fact.RemovedIn)
				when = fmt.Sprintf(" before the upgrade to %s", fact.RemovedIn)
			} else {
				severity = findings.Info
				removal = fmt.Sprintf("; no release up to %s removes it", knowledge.Newest)
			}
			msg := fmt.Sprintf("%s --%s is deprecated since %s%s.", c.Name, f.Name, fact.DeprecatedIn, removal)
			fix := fmt.Sprintf("Stop setting the flag%s.", when)
			m := strings.TrimSpace(to.Message)
			if strings.Contains(m, "--config") {
				fix = fmt.Sprintf("Move the setting into %s's configuration file (the file --config names) and drop the flag%s.", c.Name, when)
			}
			if m != "" {
				fix += " Upstream says: \"" + m + "\""
			}
			p.Report(findings.Finding{
				Component: c.Name, Subject: "--" + f.Name, Severity: severity, Message: msg, Fix: fix,
				Evidence: evidence(p.Inv, c, f), Source: f.Source, References: refs(fact),
			})
		}
	}
}

func runInvalidValue(p *rules.Pass) {
	for _, c := range flagSources(p.Inv) {
		for _, f := range c.Flags {
			if rules.RenderedByKubeadm(p.Inv, c, f.Name, f.Value) {
				continue
			}
			fact := p.KB.Flag(c.Name, f.Name)
			if fact == nil || !fact.At(p.Hop.To).Exists {
				continue
			}
			con := fact.ConstraintAt(p.Hop.To)
			if con == nil || (con.From != p.Hop.To && !p.First()) || allowed(con, f.Value) {
				continue
			}
			p.Report(findings.Finding{
				Component:  c.Name,
				Subject:    fmt.Sprintf("--%s=%s", f.Name, f.Value),
				Message:    fmt.Sprintf("%s %s accepts --%s only as %s: %s", c.Name, p.Hop.To, f.Name, strings.Join(con.Allowed, " or "), con.Note),
				Fix:        fmt.Sprintf("Set --%s=%s (or remove it) before the hop.", f.Name, con.Allowed[0]),
				Evidence:   evidence(p.Inv, c, f),
				Source:     f.Source,
				References: append(refs(fact), con.Source),
			})
		}
	}
}

func allowed(c *knowledge.ValueConstraint, v string) bool {
	for _, a := range c.Allowed {
		if a == v {
			return true
		}
	}
	return len(c.Allowed) == 0
}

func refs(f *knowledge.Flag) []string {
	if strings.HasPrefix(f.Source, "http") {
		return []string{f.Source}
	}
	return nil
}
