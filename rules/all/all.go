// Package all lists every built-in rule: the one registry, explicit and ordered.
package all

import (
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/rules/admission"
	"github.com/upgrade-lint/upgrade-lint/rules/apis"
	"github.com/upgrade-lint/upgrade-lint/rules/coredns"
	"github.com/upgrade-lint/upgrade-lint/rules/flags"
	"github.com/upgrade-lint/upgrade-lint/rules/gates"
	"github.com/upgrade-lint/upgrade-lint/rules/images"
	"github.com/upgrade-lint/upgrade-lint/rules/inputs"
	"github.com/upgrade-lint/upgrade-lint/rules/kubesystem"
	"github.com/upgrade-lint/upgrade-lint/rules/prometheus"
	"github.com/upgrade-lint/upgrade-lint/rules/skew"
	"github.com/upgrade-lint/upgrade-lint/rules/webhookcert"
)

// Rules returns the built-in rules.
func Rules() []*rules.Rule {
	return []*rules.Rule{
		inputs.InputError,
		apis.Removed,
		apis.Deprecated,
		flags.Removed,
		flags.Deprecated,
		flags.InvalidValue,
		gates.Removed,
		gates.Locked,
		gates.Deprecated,
		admission.Removed,
		skew.VersionSkew,
		coredns.Corefile,
		prometheus.Query,
		prometheus.Target,
		kubesystem.Limits,
		kubesystem.ProxyConfig,
		webhookcert.Rule,
		images.Missing,
		images.PauseMismatch,
	}
}
