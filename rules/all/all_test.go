package all

import (
	"regexp"
	"strings"
	"testing"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

// Every built-in rule is well formed: a stable kebab-case name, a one-line title that
// reads as a sentence, a body that explains, a default severity and a Run function.
func TestRulesWellFormed(t *testing.T) {
	kebab := regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, r := range Rules() {
		if !kebab.MatchString(r.Name) {
			t.Errorf("rule name %q is not kebab-case", r.Name)
		}
		if seen[r.Name] {
			t.Errorf("rule %q listed twice", r.Name)
		}
		seen[r.Name] = true
		title, body, _ := strings.Cut(r.Doc, "\n")
		if title == "" || strings.HasSuffix(title, ".") || title[0] < 'A' || title[0] > 'Z' {
			t.Errorf("%s: title %q should be a capitalised line without a final period", r.Name, title)
		}
		if len(strings.TrimSpace(body)) < 40 {
			t.Errorf("%s: doc body should explain the rule (what breaks, where it reads from)", r.Name)
		}
		if r.Severity < findings.Info || r.Severity > findings.Error {
			t.Errorf("%s: no default severity", r.Name)
		}
		if r.Run == nil {
			t.Errorf("%s: no Run", r.Name)
		}
	}
	for _, want := range []string{"removed-api", "deprecated-api", "removed-flag", "deprecated-flag", "invalid-flag-value",
		"removed-feature-gate", "locked-feature-gate", "deprecated-feature-gate", "removed-admission-plugin", "version-skew", "input-error"} {
		if !seen[want] {
			t.Errorf("rule %s missing from the registry", want)
		}
	}
}
