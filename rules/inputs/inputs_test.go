package inputs

import (
	"testing"

	"github.com/upgrade-lint/upgrade-lint/rules/ruletest"
)

func TestScenarios(t *testing.T) {
	ruletest.Run(t, "testdata", InputError)
}
