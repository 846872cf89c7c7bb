package apis

import (
	"strings"
	"testing"

	"github.com/upgrade-lint/upgrade-lint/rules/ruletest"
)

func TestScenarios(t *testing.T) {
	ruletest.Run(t, "testdata", Removed, Deprecated)
}

// The replacement named for a deprecated API must be one the cluster can take when the fix
// is applied: networking.k8s.io/v1 Ingress is not served by a 1.14 API server.
func TestDeprecatedFixSaysWhenReplacementIsServed(t *testing.T) {
	fs := ruletest.RunScenario(t, "testdata/deprecated-replacement-later.txtar", Removed, Deprecated)
	if len(fs) != 1 {
		t.Fatalf("got %d findings, want 1", len(fs))
	}
	want := "Change apiVersion to networking.k8s.io/v1 (served from 1.19; 1.14 does not serve it yet, so make the change once the cluster runs 1.19 or later and before the upgrade to 1.22)"
	if !strings.HasPrefix(fs[0].Fix, want) {
		t.Errorf("fix:\n%s\nwant it to start with:\n%s", fs[0].Fix, want)
	}
}
