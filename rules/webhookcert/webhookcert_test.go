package webhookcert

import (
	"testing"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/rules/ruletest"
)

// The scenarios follow rules/ruletest's conventions; `now:` sets the expiry horizon and
// `unchecked:` the could-not-check entries expected. Certificates come from DIR/certs and
// the snapshot's TLS Secrets, which scanner.Scan reads as the CLI does.
func TestScenarios(t *testing.T) {
	ruletest.Run(t, "testdata", Rule)
}

// findingsOf runs one scenario and returns its findings, for tests that check severities
// and texts beyond the want comments.
func findingsOf(t *testing.T, archive string) []findings.Finding {
	return ruletest.RunScenario(t, archive, Rule)
}
