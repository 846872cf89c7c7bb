package inventory

import "gopkg.in/yaml.v3"

// PromQuery is one PromQL expression found in a Prometheus rule file, a PrometheusRule
// object, a Grafana dashboard panel or a live Prometheus's loaded rules.
type PromQuery struct {
	// Expr is the PromQL expression as written.
	Expr string
	// Name is the alert or recording rule's name, or the dashboard panel's title.
	Name string
	// Kind is where the expression lives: "alert", "record", "dashboard", "live-rule".
	Kind string
	// Source is the file and line of the expression (or the object it is in).
	Source Source
}

// ScrapeTarget is one place Prometheus scrapes (or is configured to scrape): a static
// target in prometheus.yml, a ServiceMonitor/PodMonitor endpoint, or a live target.
type ScrapeTarget struct {
	// Job is the scrape job's name (job_name, or the monitor's name).
	Job string
	// Address is host:port when the target names one ("" when only Port is known).
	Address string
	// Port is the numeric port when known, else 0.
	Port int
	// PortName is a named port (ServiceMonitor endpoints.port), when that is all there is.
	PortName string
	// Scheme is "http" or "https" ("" when unstated: Prometheus then uses http).
	Scheme string
	// Labels are the target's labels when known (live targets, static_configs labels).
	Labels map[string]string
	// Health is the live target's health ("up", "down", "unknown"), "" for configured targets.
	Health string
	// How is the kind of evidence: "scrape-config", "service-monitor", "pod-monitor",
	// "live-target".
	How    string
	Source Source
}

// RuleGroupQueries reads the expressions of a `groups:` list (a rule file, or a
// PrometheusRule's spec.groups). src names the file or object; lines come from the nodes.
func RuleGroupQueries(groups *yaml.Node, src Source) []PromQuery {
	var out []PromQuery
	if groups == nil || groups.Kind != yaml.SequenceNode {
		return nil
	}
	for _, g := range groups.Content {
		rules := NodeValue(g, "rules")
		if rules == nil || rules.Kind != yaml.SequenceNode {
			continue
		}
		for _, r := range rules.Content {
			expr := NodeValue(r, "expr")
			if expr == nil || expr.Kind != yaml.ScalarNode {
				continue
			}
			q := PromQuery{Expr: expr.Value, Kind: "record", Source: src}
			if n := NodeValue(r, "alert"); n != nil {
				q.Kind, q.Name = "alert", n.Value
			} else if n := NodeValue(r, "record"); n != nil {
				q.Name = n.Value
			}
			q.Source.Line = exprLine(expr)
			out = append(out, q)
		}
	}
	return out
}

// exprLine is the line an expression starts on: a block scalar's text starts below its indicator.
func exprLine(n *yaml.Node) int {
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Line + 1
	}
	return n.Line
}
