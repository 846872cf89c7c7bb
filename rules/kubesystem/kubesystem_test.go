package kubesystem

import (
	"strings"
	"testing"

	"github.com/upgrade-lint/upgrade-lint/findings"

	"github.com/upgrade-lint/upgrade-lint/rules/gates"
	"github.com/upgrade-lint/upgrade-lint/rules/ruletest"
)

func TestScenarios(t *testing.T) {
	ruletest.Run(t, "testdata", Limits, ProxyConfig, gates.Removed)
}

func TestLimitRangeSeverities(t *testing.T) {
	fs := ruletest.RunScenario(t, "testdata/limitrange-min.txtar", Limits)
	for _, f := range fs {
		switch f.Subject {
		case "coredns":
			if f.Severity != findings.Error || !strings.Contains(f.Message, "minimum memory per container is 128Mi but the request is 70Mi") {
				t.Errorf("coredns: %v %s", f.Severity, f.Message)
			}
		case "kube-proxy":
			// kube-proxy gets defaults that satisfy the minimum: changed, not rejected.
			if f.Severity != findings.Warning || !strings.Contains(f.Message, "adds a cpu limit of 500m") {
				t.Errorf("kube-proxy: %v %s", f.Severity, f.Message)
			}
		}
	}
	fs = ruletest.RunScenario(t, "testdata/quota.txtar", Limits)
	for _, f := range fs {
		if f.Severity != findings.Error {
			t.Errorf("quota finding for %s is %v, want error", f.Subject, f.Severity)
		}
		if f.Subject == "coredns" && !strings.Contains(f.Message, "limits.cpu") {
			t.Errorf("coredns quota: %s", f.Message)
		}
	}
}

// A removed config field is ignored (kube-proxy decodes v1alpha1 leniently, with a warning,
// once strict decoding fails): a warning naming the replacement where upstream names one.
func TestProxyRemovedFieldSeverities(t *testing.T) {
	fs := ruletest.RunScenario(t, "testdata/kube-proxy-removed-fields.txtar", ProxyConfig)
	seen := map[string]bool{}
	for _, f := range fs {
		if !strings.HasPrefix(f.Subject, "config field: ") {
			continue
		}
		seen[f.Subject] = true
		if f.Severity != findings.Warning {
			t.Errorf("%s: severity %v, want warning", f.Subject, f.Severity)
		}
		switch f.Subject {
		case "config field: conntrack.max":
			if !strings.Contains(f.Fix, "conntrack.min and conntrack.maxPerCore") {
				t.Errorf("conntrack.max fix names no replacement: %s", f.Fix)
			}
		case "config field: udpIdleTimeout":
			if !strings.Contains(f.Message, "lenient decoding") {
				t.Errorf("udpIdleTimeout at 1.26 should explain the lenient fallback: %s", f.Message)
			}
		}
	}
	if len(seen) != 3 {
		t.Errorf("removed-field findings %v, want conntrack.max, resourceContainer, udpIdleTimeout", seen)
	}
}
