package prometheus

import (
	"sort"
	"strings"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"
)

// labelUse is one label an expression depends on, and the metrics it depends on it for.
type labelUse struct {
	label   string
	metrics []string
}

// analysis is what an expression reads: metric names and the labels it matches, groups
// or joins on.
type analysis struct {
	metrics []string
	labels  []labelUse
}

// grafanaIntervals are Grafana's template variables that stand where PromQL wants a
// duration; any duration keeps the expression's structure for the parser.
var grafanaIntervals = strings.NewReplacer(
	"$__rate_interval", "5m", "${__rate_interval}", "5m",
	"$__interval", "5m", "${__interval}", "5m",
	"$__range", "5m", "${__range}", "5m",
	"$interval", "5m", "${interval}", "5m",
	"$resolution", "5m",
)

// parse reads an expression; a dashboard's is retried with Grafana's interval variables
// filled in.
func parse(expr string) (parser.Expr, error) {
	e, err := parser.ParseExpr(expr)
	if err == nil {
		return e, nil
	}
	if filled := grafanaIntervals.Replace(expr); filled != expr {
		if e, err2 := parser.ParseExpr(filled); err2 == nil {
			return e, nil
		}
	}
	return nil, err
}

// selectorName is a vector selector's metric name, from its name or a __name__ matcher.
func selectorName(vs *parser.VectorSelector) string {
	if vs.Name != "" {
		return vs.Name
	}
	for _, m := range vs.LabelMatchers {
		if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
			return m.Value
		}
	}
	return ""
}

// selectorsUnder lists the metric names selected anywhere below n.
func selectorsUnder(n parser.Node) []string {
	var out []string
	parser.Inspect(n, func(c parser.Node, _ []parser.Node) error {
		if vs, ok := c.(*parser.VectorSelector); ok {
			if name := selectorName(vs); name != "" {
				out = append(out, name)
			}
		}
		return nil
	})
	return out
}

func analyze(e parser.Expr) analysis {
	var a analysis
	byLabel := map[string]map[string]bool{}
	add := func(label string, metrics []string) {
		if byLabel[label] == nil {
			byLabel[label] = map[string]bool{}
		}
		for _, m := range metrics {
			byLabel[label][m] = true
		}
	}
	seen := map[string]bool{}
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.VectorSelector:
			name := selectorName(n)
			if name == "" {
				return nil
			}
			if !seen[name] {
				seen[name] = true
				a.metrics = append(a.metrics, name)
			}
			for _, m := range n.LabelMatchers {
				if m.Name != model.MetricNameLabel {
					add(m.Name, []string{name})
				}
			}
		case *parser.AggregateExpr:
			ms := selectorsUnder(n.Expr)
			for _, l := range n.Grouping {
				add(l, ms)
			}
		case *parser.BinaryExpr:
			if n.VectorMatching == nil {
				return nil
			}
			ms := append(selectorsUnder(n.LHS), selectorsUnder(n.RHS)...)
			for _, l := range n.VectorMatching.MatchingLabels {
				add(l, ms)
			}
			for _, l := range n.VectorMatching.Include {
				add(l, ms)
			}
		}
		return nil
	})
	names := make([]string, 0, len(byLabel))
	for l := range byLabel {
		names = append(names, l)
	}
	sort.Strings(names)
	for _, l := range names {
		var ms []string
		for m := range byLabel[l] {
			ms = append(ms, m)
		}
		sort.Strings(ms)
		a.labels = append(a.labels, labelUse{label: l, metrics: ms})
	}
	return a
}

// seriesSuffixes are the series a histogram or summary exposes under its name.
var seriesSuffixes = []string{"_bucket", "_sum", "_count"}

// baseNames lists name and, for histogram/summary series, the metric it belongs to.
func baseNames(name string) []string {
	out := []string{name}
	for _, s := range seriesSuffixes {
		if b, ok := strings.CutSuffix(name, s); ok {
			out = append(out, b)
		}
	}
	return out
}

// renameMetric rewrites every selector of metric old (or its series) to new.
func renameMetric(expr, old, new string) (string, bool) {
	// Only an expression the parser takes as written is rewritten: one with Grafana
	// variables filled in would print them as the placeholder durations.
	e, err := parser.ParseExpr(expr)
	if err != nil {
		return "", false
	}
	changed := false
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := selectorName(vs)
		target := ""
		for _, s := range append([]string{""}, seriesSuffixes...) {
			if name == old+s {
				target = new + s
			}
		}
		if target == "" {
			return nil
		}
		changed = true
		if vs.Name != "" {
			vs.Name = target
		}
		for i, m := range vs.LabelMatchers {
			if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
				if nm, err := labels.NewMatcher(m.Type, m.Name, target); err == nil {
					vs.LabelMatchers[i] = nm
				}
			}
		}
		return nil
	})
	return e.String(), changed
}

// renameLabel rewrites label old to new in matchers of the metrics match accepts and in
// by/without/on/ignoring/group_left clauses over them.
func renameLabel(expr, old, new string, match func(metric string) bool) (string, bool) {
	e, err := parser.ParseExpr(expr)
	if err != nil {
		return "", false
	}
	anyMatch := func(ms []string) bool {
		for _, m := range ms {
			if match(m) {
				return true
			}
		}
		return false
	}
	rename := func(ls []string) bool {
		c := false
		for i, l := range ls {
			if l == old {
				ls[i], c = new, true
			}
		}
		return c
	}
	changed := false
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		switch n := n.(type) {
		case *parser.VectorSelector:
			if !match(selectorName(n)) {
				return nil
			}
			for i, m := range n.LabelMatchers {
				if m.Name != old {
					continue
				}
				if nm, err := labels.NewMatcher(m.Type, new, m.Value); err == nil {
					n.LabelMatchers[i], changed = nm, true
				}
			}
		case *parser.AggregateExpr:
			if anyMatch(selectorsUnder(n.Expr)) && rename(n.Grouping) {
				changed = true
			}
		case *parser.BinaryExpr:
			if n.VectorMatching != nil && anyMatch(append(selectorsUnder(n.LHS), selectorsUnder(n.RHS)...)) {
				if rename(n.VectorMatching.MatchingLabels) || rename(n.VectorMatching.Include) {
					changed = true
				}
			}
		}
		return nil
	})
	return e.String(), changed
}
