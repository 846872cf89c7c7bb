package skew

import (
	"strings"
	"testing"

	"github.com/upgrade-lint/upgrade-lint/rules/ruletest"
)

func TestScenarios(t *testing.T) {
	ruletest.Run(t, "testdata", VersionSkew)
}

// At the hop where the 1.14 kubelets leave the policy, the 1.13 one (reported a hop earlier)
// is further behind still: the fix must name it too, or following it hop by hop strands it.
func TestFixNamesEveryKubeletBelowTheMinimum(t *testing.T) {
	fs := ruletest.RunScenario(t, "testdata/lagging-kubelet.txtar", VersionSkew)
	fixes := map[string]string{}
	for _, f := range fs {
		fixes[f.Hop] = f.Fix
	}
	if got := fixes["1.16->1.17"]; !strings.Contains(got, "on master-0, worker-1 to at least 1.15") {
		t.Errorf("fix at 1.16->1.17 = %q, want it to name master-0 and worker-1", got)
	}
	if got := fixes["1.15->1.16"]; !strings.Contains(got, "on worker-1 to at least 1.14") {
		t.Errorf("fix at 1.15->1.16 = %q, want it to name worker-1 only", got)
	}
}
