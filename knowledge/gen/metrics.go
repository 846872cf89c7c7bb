package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

// manualMetric is one row of manual_metrics.yaml: a change stated only in a CHANGELOG.
type manualMetric struct {
	Metric      string `json:"metric"`
	Label       string `json:"label"`
	Replacement string `json:"replacement"`
	RemovedIn   string `json:"removedIn"`
	Component   string `json:"component"`
	Note        string `json:"note"`
	// Changelog is the minor whose CHANGELOG-<minor>.md states the change; Quote is a
	// substring of the stating line, searched from the first line containing After.
	Changelog string `json:"changelog"`
	After     string `json:"after"`
	Quote     string `json:"quote"`
}

// genMetrics writes metrics.json: the hand table, each row located in its CHANGELOG, and
// the metrics upstream's own lists (test/instrumentation) drop from one minor to the next.
func genMetrics(g *generator) error {
	var out []knowledge.MetricChange
	var inputs []string
	manual, in, err := g.manualMetrics("knowledge/gen/manual_metrics.yaml")
	if err != nil {
		return err
	}
	out, inputs = append(out, manual...), append(inputs, in...)
	listed, in, err := g.listedMetricRemovals()
	if err != nil {
		return err
	}
	out, inputs = append(out, listed...), append(inputs, in...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].RemovedIn != out[j].RemovedIn {
			return out[i].RemovedIn.Less(out[j].RemovedIn)
		}
		if out[i].Metric != out[j].Metric {
			return out[i].Metric < out[j].Metric
		}
		return out[i].Label < out[j].Label
	})
	return g.writeData("metrics.json", inputs, out)
}

func (g *generator) manualMetrics(path string) ([]knowledge.MetricChange, []string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var rows []manualMetric
	if err := yaml.UnmarshalStrict(b, &rows); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []knowledge.MetricChange
	var inputs []string
	for _, r := range rows {
		m, err := knowledge.ParseMinor(r.Changelog)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", path, r.Metric, err)
		}
		version := g.kubernetesVersion(m)
		dir, err := g.moduleDir("k8s.io/kubernetes", version)
		if err != nil {
			return nil, nil, err
		}
		rel, line, err := changelogLineIn(dir, m, r.After, r.Quote)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", path, r.Metric, err)
		}
		removed, err := knowledge.ParseMinor(r.RemovedIn)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %s: %w", path, r.Metric, err)
		}
		inputs = append(inputs, "k8s.io/kubernetes@"+version)
		out = append(out, knowledge.MetricChange{
			Metric: r.Metric, Label: r.Label, RemovedIn: removed, Replacement: r.Replacement,
			Component: r.Component, Note: r.Note,
			Source: fmt.Sprintf("k8s.io/kubernetes@%s/%s:%d", version, rel, line),
		})
	}
	return out, inputs, nil
}

// listedMetric is one entry of upstream's metric lists.
type listedMetric struct {
	Name              string   `json:"name"`
	Subsystem         string   `json:"subsystem"`
	Namespace         string   `json:"namespace"`
	StabilityLevel    string   `json:"stabilityLevel"`
	Labels            []string `json:"labels"`
	DeprecatedVersion string   `json:"deprecatedVersion"`
}

func (l listedMetric) fullName() string {
	var parts []string
	for _, p := range []string{l.Namespace, l.Subsystem, l.Name} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "_")
}

// metricLists are upstream's machine-readable lists: stable (and beta) metrics from
// 1.20, every documented metric from 1.26.
var metricLists = []string{
	"test/instrumentation/testdata/stable-metrics-list.yaml",
	"test/instrumentation/documentation/documentation-list.yaml",
}

// listedMetricRemovals reports a metric as removed at minor m+1 when m's lists have it and
// no later minor's lists do: a metric the static analysis loses for one release and finds
// again is not a removal. Labels of stable metrics are compared the same way.
func (g *generator) listedMetricRemovals() ([]knowledge.MetricChange, []string, error) {
	type seen struct {
		labels map[string]bool
		source string
		stable bool
	}
	var minors []knowledge.Minor
	perMinor := map[knowledge.Minor]map[string]*seen{}
	var inputs []string
	for _, m := range g.minors() {
		version := g.kubernetesVersion(m)
		dir, err := g.moduleDir("k8s.io/kubernetes", version)
		if err != nil {
			return nil, nil, err
		}
		metrics := map[string]*seen{}
		for _, list := range metricLists {
			b, err := os.ReadFile(filepath.Join(dir, list))
			if err != nil {
				continue
			}
			var entries []listedMetric
			if err := yaml.Unmarshal(b, &entries); err != nil {
				return nil, nil, fmt.Errorf("%s@%s: %w", list, version, err)
			}
			for _, e := range entries {
				name := e.fullName()
				s := metrics[name]
				if s == nil {
					s = &seen{labels: map[string]bool{}, source: "k8s.io/kubernetes@" + version + "/" + list}
					metrics[name] = s
				}
				s.stable = s.stable || e.StabilityLevel == "STABLE"
				for _, l := range e.Labels {
					s.labels[l] = true
				}
			}
		}
		if len(metrics) == 0 {
			continue
		}
		inputs = append(inputs, "k8s.io/kubernetes@"+version)
		minors = append(minors, m)
		perMinor[m] = metrics
	}
	var out []knowledge.MetricChange
	for i := 0; i+1 < len(minors); i++ {
		m, next := minors[i], minors[i+1]
		names := make([]string, 0, len(perMinor[m]))
		for n := range perMinor[m] {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			s := perMinor[m][name]
			later := false
			for _, lm := range minors[i+1:] {
				if _, ok := perMinor[lm][name]; ok {
					later = true
				}
			}
			if !later {
				out = append(out, knowledge.MetricChange{Metric: name, RemovedIn: next,
					Note:   "listed in " + m.String() + "'s metric lists and in no later minor's",
					Source: s.source})
				continue
			}
			ns, ok := perMinor[next][name]
			if !ok || !s.stable {
				continue
			}
			var gone []string
			for l := range s.labels {
				if !ns.labels[l] {
					gone = append(gone, l)
				}
			}
			sort.Strings(gone)
			for _, l := range gone {
				out = append(out, knowledge.MetricChange{Metric: name, Label: l, RemovedIn: next,
					Note: "stable metric's label listed in " + m.String() + " and not in " + next.String(), Source: ns.source})
			}
		}
	}
	return out, inputs, nil
}
