// Package admission holds the removed-admission-plugin rule.
package admission

import (
	"fmt"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// Removed flags admission plugins named on kube-apiserver that the hop's release no longer has.
var Removed = &rules.Rule{
	Name:     "removed-admission-plugin",
	Severity: findings.Error,
	Doc: `An admission plugin named on kube-apiserver is removed at this hop
kube-apiserver refuses to start when --enable-admission-plugins, --admission-control or
--disable-admission-plugins names a plugin it does not have (PodPreset went in 1.20, PodSecurityPolicy in 1.25).`,
	Run: run,
}

var pluginFlags = map[string]bool{"enable-admission-plugins": true, "admission-control": true, "disable-admission-plugins": true}

func run(p *rules.Pass) {
	for _, c := range p.Inv.ComponentsNamed("kube-apiserver") {
		for _, f := range c.Flags {
			if !pluginFlags[f.Name] || rules.RenderedByKubeadm(p.Inv, c, f.Name, f.Value) {
				continue
			}
			for _, name := range strings.Split(f.Value, ",") {
				name = strings.TrimSpace(name)
				plugin := p.KB.AdmissionPlugin(name)
				if plugin == nil || plugin.RemovedIn == nil || *plugin.RemovedIn != p.Hop.To {
					continue
				}
				fix := fmt.Sprintf("Remove %s from --%s before the hop", name, f.Name)
				if name == "PodSecurityPolicy" {
					fix += "; move the policies to Pod Security Admission (namespace labels) or a policy webhook first"
				}
				p.Report(findings.Finding{
					Component: c.Name,
					Subject:   name,
					Message:   fmt.Sprintf("Admission plugin %s is removed in %s: kube-apiserver will not start while --%s names it.", name, plugin.RemovedIn, f.Name),
					Fix:       fix + ".",
					Evidence:  evidence(p, c, f),
					Source:    f.Source,
				})
			}
		}
	}
}

func evidence(p *rules.Pass, c *inventory.Component, f inventory.Flag) string {
	e := fmt.Sprintf("--%s=%s (%s)", f.Name, f.Value, c.Kind)
	if in := rules.RenderedInto(p.Inv, c, f.Name, f.Value); len(in) > 0 {
		e += "; rendered into " + strings.Join(in, ", ")
	}
	return e
}
