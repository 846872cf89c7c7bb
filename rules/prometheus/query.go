package prometheus

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// Query is the prometheus-query rule.
var Query = &rules.Rule{
	Name: "prometheus-query",
	Doc: `PromQL that uses a metric or label the hop's Kubernetes no longer exposes
Every expression in Prometheus rule files, PrometheusRule objects, Grafana dashboards and
the rules a live Prometheus has loaded is parsed with Prometheus's PromQL parser; its metric
names, label matchers and by/without/on/ignoring/group_left labels are compared with the
metrics and labels each minor removes (upstream's metric lists from 1.20, and CHANGELOG-
sourced facts before: cAdvisor's pod_name/container_name labels in 1.16, the deprecated
*_latency_microseconds and *_count metrics turned off in 1.17 and 1.18).

Such a query does not fail: it returns nothing, so an alert never fires and a dashboard or
autoscaler goes blind. Alerting and recording rules are errors, dashboards warnings. The
fix is the expression rewritten to the replacement, where upstream names one.`,
	Severity: findings.Error,
	Run:      runQuery,
}

// queries gathers every expression: scanned files and live rules, and PrometheusRule objects.
func queries(inv *inventory.Inventory) []inventory.PromQuery {
	out := append([]inventory.PromQuery(nil), inv.PromQueries...)
	for _, o := range inv.ObjectsOfKind("PrometheusRule") {
		src := o.Source
		src.Object = o.Ref()
		if o.Node != nil {
			if groups := inventory.NodeAt(o.Node, "spec", "groups"); groups != nil {
				out = append(out, inventory.RuleGroupQueries(groups, src)...)
				continue
			}
		}
		// A live object has no lines: re-encode its groups to read them the same way.
		spec, _ := o.Body["spec"].(map[string]any)
		var n yaml.Node
		if err := n.Encode(spec["groups"]); err == nil {
			src.Line = 0
			for _, q := range inventory.RuleGroupQueries(&n, src) {
				q.Source.Line = 0
				out = append(out, q)
			}
		}
	}
	return out
}

func runQuery(p *rules.Pass) {
	for _, q := range queries(p.Inv) {
		e, err := parse(q.Expr)
		if err != nil {
			if p.First() {
				p.CouldNotCheck(fmt.Sprintf("PromQL %s (%s)", describe(q), q.Source), "the PromQL parser rejects it: "+err.Error())
			}
			continue
		}
		a := analyze(e)
		var out []findings.Finding
		var renames []func(string) (string, bool)
		for _, m := range a.metrics {
			for _, base := range baseNames(m) {
				if c := p.KB.MetricRemoval(base, p.Hop.To); c != nil {
					out = append(out, metricFinding(p, q, m, base, c))
					if c.Replacement != "" {
						renames = append(renames, func(expr string) (string, bool) { return renameMetric(expr, base, c.Replacement) })
					}
					break
				}
			}
		}
		for _, lu := range a.labels {
			var hit []string
			var change *knowledge.MetricChange
			for _, m := range lu.metrics {
				for _, base := range baseNames(m) {
					if c := p.KB.LabelRemoval(base, lu.label, p.Hop.To); c != nil {
						hit, change = append(hit, m), c
						break
					}
				}
			}
			if change != nil {
				out = append(out, labelFinding(p, q, lu.label, hit, change))
				if change.Replacement != "" {
					label, c := lu.label, change
					renames = append(renames, func(expr string) (string, bool) { return renameLabel(expr, label, c.Replacement, c.Matches) })
				}
			}
		}
		// One rewritten expression carries every change of this hop, so that applying any
		// finding's fix leaves nothing else of the hop broken in the same expression.
		rewritten, changed := q.Expr, false
		for _, r := range renames {
			if next, ok := r(rewritten); ok {
				rewritten, changed = next, true
			}
		}
		for _, f := range out {
			if changed {
				f.Fix += "\n\nThe expression with every change of this hop:\n\n" + rewritten
			}
			p.Report(f)
		}
	}
}

func describe(q inventory.PromQuery) string {
	switch q.Kind {
	case "alert":
		return "alert " + q.Name
	case "record":
		return "recording rule " + q.Name
	case "dashboard":
		return "dashboard panel " + strings.TrimSpace(q.Name)
	case "live-rule":
		return "loaded rule " + q.Name
	}
	return "query " + q.Name
}

func severityOf(q inventory.PromQuery) findings.Severity {
	if q.Kind == "dashboard" {
		return findings.Warning
	}
	return findings.Error
}

func component(c *knowledge.MetricChange) string {
	if c.Component != "" {
		return c.Component
	}
	return "Kubernetes"
}

func metricFinding(p *rules.Pass, q inventory.PromQuery, name, base string, c *knowledge.MetricChange) findings.Finding {
	msg := fmt.Sprintf("%s uses metric %s, which %s %s no longer exposes", capitalize(describe(q)), name, component(c), p.Hop.To)
	if c.Note != "" {
		msg += " (" + c.Note + ")"
	}
	msg += ": the expression returns nothing from this hop on"
	if q.Kind == "alert" {
		msg += " and the alert can never fire"
	}
	msg += "."
	fix := fmt.Sprintf("Upstream names no replacement for %s: remove the expression or rebuild it on a metric %s %s exposes.", base, component(c), p.Hop.To)
	if c.Replacement != "" {
		fix = fmt.Sprintf("Use %s instead of %s (check its type and unit: a *_microseconds summary becomes a *_seconds histogram).", c.Replacement, base)
	}
	return findings.Finding{
		Severity:   severityOf(q),
		Component:  "prometheus",
		Subject:    name,
		Message:    msg,
		Fix:        fix,
		Evidence:   q.Expr,
		Source:     q.Source,
		References: []string{c.Source},
	}
}

func labelFinding(p *rules.Pass, q inventory.PromQuery, label string, metrics []string, c *knowledge.MetricChange) findings.Finding {
	msg := fmt.Sprintf("%s uses label %s of %s, which %s %s no longer sets", capitalize(describe(q)), label, strings.Join(metrics, ", "), component(c), p.Hop.To)
	if c.Note != "" {
		msg += " (" + c.Note + ")"
	}
	msg += ": matchers on it stop matching and grouping by it collapses every series into one."
	fix := fmt.Sprintf("Stop using label %s on %s.", label, c.Metric)
	if c.Replacement != "" {
		fix = fmt.Sprintf("Use label %s instead of %s.", c.Replacement, label)
	}
	return findings.Finding{
		Severity:   severityOf(q),
		Component:  "prometheus",
		Subject:    label,
		Message:    msg,
		Fix:        fix,
		Evidence:   q.Expr,
		Source:     q.Source,
		References: []string{c.Source},
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
