package flags

import (
	"strings"
	"testing"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/rules/ruletest"
)

func TestScenarios(t *testing.T) {
	ruletest.Run(t, "testdata", Removed, Deprecated, InvalidValue)
}

// A deprecation that no known release acts on is information with a fix that speaks of no
// removal; one with a known removal is a warning whose fix names that upgrade.
func TestDeprecatedSeverityAndFix(t *testing.T) {
	fs := ruletest.RunScenario(t, "testdata/deprecated-severity.txtar", Removed, Deprecated, InvalidValue)
	bySubject := map[string]findings.Finding{}
	for _, f := range fs {
		bySubject[f.Subject] = f
	}
	for _, tc := range []struct {
		subject  string
		severity findings.Severity
		fix      string
	}{
		{"--insecure-bind-address", findings.Warning, "Stop setting the flag before the upgrade to 1.24."},
		{"--cgroup-driver", findings.Info, "Move the setting into kubelet's configuration file (the file --config names) and drop the flag."},
	} {
		f, ok := bySubject[tc.subject]
		if !ok {
			t.Errorf("no finding for %s", tc.subject)
			continue
		}
		if f.Severity != tc.severity {
			t.Errorf("%s: severity %s, want %s", tc.subject, f.Severity, tc.severity)
		}
		if !strings.HasPrefix(f.Fix, tc.fix) {
			t.Errorf("%s: fix %q, want it to start with %q", tc.subject, f.Fix, tc.fix)
		}
	}
}
