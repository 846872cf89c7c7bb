package knowledge

import "strings"

// MetricChange is one metric, or one label of a metric, that a minor removes or renames:
// a query that still uses it returns nothing from that minor on.
type MetricChange struct {
	// Metric is the full metric name; a trailing "*" makes it a prefix (cAdvisor's
	// container_* family shares its labels).
	Metric string `json:"metric"`
	// Label is set when only this label goes away; "" means the whole metric.
	Label string `json:"label,omitempty"`
	// DeprecatedIn is the first minor that announced the change, if known.
	DeprecatedIn *Minor `json:"deprecatedIn"`
	// RemovedIn is the first minor that no longer exposes the metric (or label).
	RemovedIn Minor `json:"removedIn"`
	// Replacement is the metric (or label) to use instead, "" when upstream names none.
	Replacement string `json:"replacement,omitempty"`
	// Component exposes the metric: kube-apiserver, kubelet, cadvisor, kube-scheduler, ...
	Component string `json:"component,omitempty"`
	// Note says more where a rename is not one-for-one.
	Note   string `json:"note,omitempty"`
	Source string `json:"source"`
}

// Matches reports whether the change concerns metric name.
func (c *MetricChange) Matches(name string) bool {
	if p, ok := strings.CutSuffix(c.Metric, "*"); ok {
		return strings.HasPrefix(name, p)
	}
	return c.Metric == name
}

// MetricChangesIn lists the changes that take effect at minor m (RemovedIn == m), in data order.
func (kb *KB) MetricChangesIn(m Minor) []*MetricChange {
	var out []*MetricChange
	for i := range kb.Metrics {
		if kb.Metrics[i].RemovedIn == m {
			out = append(out, &kb.Metrics[i])
		}
	}
	return out
}

// MetricRemoval returns the change removing metric name (whole metric, Label "") at minor m, or nil.
func (kb *KB) MetricRemoval(name string, m Minor) *MetricChange {
	for i := range kb.Metrics {
		c := &kb.Metrics[i]
		if c.Label == "" && c.RemovedIn == m && c.Matches(name) {
			return c
		}
	}
	return nil
}

// LabelRemoval returns the change removing label from metric name at minor m, or nil.
func (kb *KB) LabelRemoval(name, label string, m Minor) *MetricChange {
	for i := range kb.Metrics {
		c := &kb.Metrics[i]
		if c.Label == label && c.RemovedIn == m && c.Matches(name) {
			return c
		}
	}
	return nil
}
