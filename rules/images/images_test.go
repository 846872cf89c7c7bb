package images

import (
	"strings"
	"testing"

	"github.com/upgrade-lint/upgrade-lint/rules/ruletest"
)

func TestScenarios(t *testing.T) {
	ruletest.Run(t, "testdata", Missing, PauseMismatch)
}

// With the repository unknown, the fix keeps the kubelet's own repository.
func TestPauseFixKeepsMirrorWhenRepositoryUnknown(t *testing.T) {
	fs := ruletest.RunScenario(t, "testdata/pause-repository-unknown.txtar", Missing, PauseMismatch)
	if len(fs) != 1 {
		t.Fatalf("got %d findings, want 1", len(fs))
	}
	if want := "Set --pod-infra-container-image=mirror.example/k8s/pause:3.2 in"; !strings.HasPrefix(fs[0].Fix, want) {
		t.Errorf("fix %q, want it to start with %q", fs[0].Fix, want)
	}
}
