// Package inputs holds the input-error rule: what could not be read is reported, never
// silently skipped.
package inputs

import (
	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/rules"
)

// InputError reports inputs that could not be read in whole or in part.
var InputError = &rules.Rule{
	Name:     "input-error",
	Severity: findings.Error,
	Doc: `An input could not be read
A file (or part of it: one YAML document) could not be parsed, or a source could not be reached. The rest
of the inputs are still checked, but whatever this input held was not: fix it and run again.`,
	Run: func(p *rules.Pass) {
		for _, e := range p.Inv.InputErrors {
			subject := e.Source.Path
			if subject == "" && e.Source.Object != nil {
				subject = e.Source.Object.String()
			}
			p.ReportOnce(findings.Finding{
				Subject: subject,
				Message: e.Message,
				Fix:     "Fix or remove the input, then run upgrade-lint again: nothing in it was checked.",
				Source:  e.Source,
			})
		}
	},
}
