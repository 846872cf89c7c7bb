package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/upgrade-lint/upgrade-lint/rules/all"
)

// docs/rules.md is generated from the rules' own docs (the help URI of every SARIF rule
// and HTML link points into it); -update rewrites it.
func TestRulesDoc(t *testing.T) {
	var b strings.Builder
	b.WriteString("# upgrade-lint rules\n\n<!-- Generated from the rules' Doc fields by `go test ./cmd/upgrade-lint -run TestRulesDoc -update`; DO NOT EDIT. -->\n\n")
	b.WriteString("| rule | default severity | checks |\n|---|---|---|\n")
	for _, r := range all.Rules() {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s | %s |\n", r.Name, r.Name, r.Severity, r.Title())
	}
	for _, r := range all.Rules() {
		_, body, _ := strings.Cut(r.Doc, "\n")
		fmt.Fprintf(&b, "\n## %s\n\n**%s.** Default severity: %s.\n\n%s\n", r.Name, r.Title(), r.Severity, strings.TrimSpace(body))
	}
	golden(t, "../../docs/rules.md", b.String())
}
