package kubesystem

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// Limits is the kube-system-limits rule.
var Limits = &rules.Rule{
	Name: "kube-system-limits",
	Doc: `A kube-system LimitRange or ResourceQuota rejects or changes the add-on pods the hop creates
kubeadm replaces the CoreDNS Deployment and the kube-proxy DaemonSet with its own templates
at each hop, and the API server admits their new pods against the LimitRanges and
ResourceQuotas of kube-system. Pods that already run were admitted before such a policy
existed; the new ones are not: a minimum above kubeadm's request (CoreDNS asks for 70Mi)
or a maximum below its limit rejects them, and CoreDNS rolls out no pod at all; a default
limit or request changes them (a CPU limit throttles CoreDNS under load). Reported once, at
the first hop that creates the pods, with kubeadm's requests and limits of that minor.`,
	Severity: findings.Error,
	Run:      runLimits,
}

type addon struct {
	name string // coredns, kube-proxy
	pod  func(*knowledge.AddonSet) knowledge.AddonPod
	// recreated reports whether hop h rolls out new pods of the add-on.
	recreated func(p *rules.Pass, h knowledge.Hop) bool
}

var addons = []addon{
	{
		name: "coredns",
		pod:  func(a *knowledge.AddonSet) knowledge.AddonPod { return a.CoreDNS },
		recreated: func(p *rules.Pass, h knowledge.Hop) bool {
			from, to := p.KB.ImageSetAt(h.From), p.KB.ImageSetAt(h.To)
			if from == nil || to == nil {
				return true
			}
			fa, ta := p.KB.AddonsAt(h.From), p.KB.AddonsAt(h.To)
			return from.CoreDNS != to.CoreDNS || (fa != nil && ta != nil && !samePod(fa.CoreDNS, ta.CoreDNS))
		},
	},
	{
		// kube-proxy's image is the Kubernetes version: every hop rolls it out.
		name:      "kube-proxy",
		pod:       func(a *knowledge.AddonSet) knowledge.AddonPod { return a.KubeProxy },
		recreated: func(*rules.Pass, knowledge.Hop) bool { return true },
	},
}

func samePod(a, b knowledge.AddonPod) bool {
	return fmt.Sprint(a.Requests, a.Limits) == fmt.Sprint(b.Requests, b.Limits)
}

// firstRollout is the plan's first hop that creates new pods of the add-on.
func firstRollout(p *rules.Pass, a addon) (knowledge.Hop, bool) {
	for _, h := range p.Plan.Hops {
		if a.recreated(p, h) {
			return h, true
		}
	}
	return knowledge.Hop{}, false
}

func runLimits(p *rules.Pass) {
	for _, a := range addons {
		h, ok := firstRollout(p, a)
		if !ok || h != p.Hop {
			continue
		}
		set := p.KB.AddonsAt(h.To)
		if set == nil {
			continue
		}
		pod := a.pod(set)
		for _, lr := range p.Inv.ObjectsOfKind("LimitRange") {
			if lr.Namespace == "kube-system" {
				checkLimitRange(p, a.name, pod, lr)
			}
		}
		for _, q := range p.Inv.ObjectsOfKind("ResourceQuota") {
			if q.Namespace == "kube-system" {
				checkQuota(p, a.name, pod, q, p.Inv)
			}
		}
	}
}

// container is one container's resources as admission sees them.
type container struct {
	requests, limits map[string]resource.Quantity
}

func parseList(m map[string]string) map[string]resource.Quantity {
	out := map[string]resource.Quantity{}
	for k, v := range m {
		if q, err := resource.ParseQuantity(v); err == nil {
			out[k] = q
		}
	}
	return out
}

func parseBody(v any) map[string]resource.Quantity {
	out := map[string]resource.Quantity{}
	m, _ := v.(map[string]any)
	for k, raw := range m {
		if q, err := resource.ParseQuantity(fmt.Sprint(raw)); err == nil {
			out[k] = q
		}
	}
	return out
}

// limitItems are a LimitRange's Container limits.
func limitItems(lr *inventory.Object) []map[string]any {
	spec, _ := lr.Body["spec"].(map[string]any)
	items, _ := spec["limits"].([]any)
	var out []map[string]any
	for _, it := range items {
		m, _ := it.(map[string]any)
		if t, _ := m["type"].(string); t == "Container" {
			out = append(out, m)
		}
	}
	return out
}

// admitted applies the LimitRange to c as the LimitRanger admission plugin does: default
// limits and requests fill what is unset, then min, max and the ratio are enforced.
func admitted(c container, item map[string]any) (out container, changes, rejections []string) {
	out = container{requests: map[string]resource.Quantity{}, limits: map[string]resource.Quantity{}}
	for k, v := range c.requests {
		out.requests[k] = v
	}
	for k, v := range c.limits {
		out.limits[k] = v
	}
	def, defReq := parseBody(item["default"]), parseBody(item["defaultRequest"])
	minimum, maximum := parseBody(item["min"]), parseBody(item["max"])
	// The API server defaults a LimitRange item as SetDefaults_LimitRangeItem does
	// (pkg/apis/core/v1/defaults.go): default from max, defaultRequest from default, then min.
	for res, q := range maximum {
		if _, ok := def[res]; !ok {
			def[res] = q
		}
	}
	for res, q := range def {
		if _, ok := defReq[res]; !ok {
			defReq[res] = q
		}
	}
	for res, q := range minimum {
		if _, ok := defReq[res]; !ok {
			defReq[res] = q
		}
	}
	for _, res := range sortedKeys(def) {
		if _, ok := out.limits[res]; !ok {
			out.limits[res] = def[res]
			changes = append(changes, fmt.Sprintf("adds a %s limit of %s", res, quantity(def[res])))
		}
	}
	for _, res := range sortedKeys(defReq) {
		if _, ok := out.requests[res]; !ok {
			out.requests[res] = defReq[res]
			changes = append(changes, fmt.Sprintf("adds a %s request of %s", res, quantity(defReq[res])))
		}
	}
	for _, res := range sortedKeys(out.limits) {
		if _, ok := out.requests[res]; !ok {
			out.requests[res] = out.limits[res] // a limit without a request requests the limit
		}
	}
	for _, res := range sortedKeys(minimum) {
		min := minimum[res]
		if r, ok := out.requests[res]; !ok {
			rejections = append(rejections, fmt.Sprintf("minimum %s per container is %s but no request is set", res, quantity(min)))
		} else if r.Cmp(min) < 0 {
			rejections = append(rejections, fmt.Sprintf("minimum %s per container is %s but the request is %s", res, quantity(min), quantity(r)))
		}
		if l, ok := out.limits[res]; ok && l.Cmp(min) < 0 {
			rejections = append(rejections, fmt.Sprintf("minimum %s per container is %s but the limit is %s", res, quantity(min), quantity(l)))
		}
	}
	for _, res := range sortedKeys(maximum) {
		max := maximum[res]
		if l, ok := out.limits[res]; !ok {
			rejections = append(rejections, fmt.Sprintf("maximum %s per container is %s but no limit is set", res, quantity(max)))
		} else if l.Cmp(max) > 0 {
			rejections = append(rejections, fmt.Sprintf("maximum %s per container is %s but the limit is %s", res, quantity(max), quantity(l)))
		}
	}
	ratios := parseBody(item["maxLimitRequestRatio"])
	for _, res := range sortedKeys(ratios) {
		l, lok := out.limits[res]
		r, rok := out.requests[res]
		if lok && rok && r.MilliValue() > 0 {
			ratio := float64(l.MilliValue()) / float64(r.MilliValue())
			max := ratios[res]
			if ratio > max.AsApproximateFloat64() {
				rejections = append(rejections, fmt.Sprintf("%s limit/request ratio %.2f exceeds maxLimitRequestRatio %s", res, ratio, quantity(ratios[res])))
			}
		}
	}
	return out, changes, rejections
}

func quantity(q resource.Quantity) string { return q.String() }

func sortedKeys(m map[string]resource.Quantity) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func describePod(pod knowledge.AddonPod) string {
	var parts []string
	for _, k := range sortedStrings(pod.Requests) {
		parts = append(parts, "request "+k+" "+pod.Requests[k])
	}
	for _, k := range sortedStrings(pod.Limits) {
		parts = append(parts, "limit "+k+" "+pod.Limits[k])
	}
	if len(parts) == 0 {
		return "no requests or limits"
	}
	return strings.Join(parts, ", ")
}

func sortedStrings(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func checkLimitRange(p *rules.Pass, name string, pod knowledge.AddonPod, lr *inventory.Object) {
	c := container{requests: parseList(pod.Requests), limits: parseList(pod.Limits)}
	for _, item := range limitItems(lr) {
		_, changes, rejections := admitted(c, item)
		if len(changes) == 0 && len(rejections) == 0 {
			continue
		}
		src := lr.Source
		src.Object = lr.Ref()
		f := findings.Finding{
			Component:  name,
			Subject:    name,
			Source:     src,
			Evidence:   fmt.Sprintf("kubeadm %s's %s container: %s", p.Hop.To, name, describePod(pod)),
			References: []string{pod.Source},
		}
		if len(rejections) > 0 {
			f.Severity = findings.Error
			f.Message = fmt.Sprintf("LimitRange %s/%s rejects the %s pods kubeadm %s creates: %s. %s", lr.Namespace, lr.Name, name, p.Hop.To, strings.Join(rejections, "; "), consequence(name))
		} else {
			f.Severity = findings.Warning
			f.Message = fmt.Sprintf("LimitRange %s/%s changes the %s pods kubeadm %s creates: it %s.", lr.Namespace, lr.Name, name, p.Hop.To, strings.Join(changes, " and "))
		}
		f.Fix = fmt.Sprintf("Before this hop, exempt kube-system from LimitRange %s (delete it, or move the policy to the namespaces it is meant for), or make its minimum, maximum and defaults admit %s as kubeadm %s deploys it (%s) unchanged.", lr.Name, name, p.Hop.To, describePod(pod))
		p.Report(f)
	}
}

func consequence(name string) string {
	if name == "coredns" {
		return "The Deployment's new ReplicaSet gets no pods, and once the old pods go cluster DNS is down."
	}
	return "The DaemonSet cannot replace the pod it deletes on each node, so Services stop being programmed on nodes as the rollout proceeds."
}

// quotaResources maps a quota's hard keys to the container field a pod must then set.
var quotaResources = map[string][2]string{
	"requests.cpu": {"requests", "cpu"}, "cpu": {"requests", "cpu"},
	"requests.memory": {"requests", "memory"}, "memory": {"requests", "memory"},
	"limits.cpu": {"limits", "cpu"}, "limits.memory": {"limits", "memory"},
}

// checkQuota reports a quota on compute resources the pod (after kube-system's LimitRange
// defaults) does not set: the quota admission then rejects it.
func checkQuota(p *rules.Pass, name string, pod knowledge.AddonPod, q *inventory.Object, inv *inventory.Inventory) {
	spec, _ := q.Body["spec"].(map[string]any)
	if spec["scopes"] != nil || spec["scopeSelector"] != nil {
		return // a scoped quota may not apply to these pods; not judged
	}
	c := container{requests: parseList(pod.Requests), limits: parseList(pod.Limits)}
	for _, lr := range inv.ObjectsOfKind("LimitRange") {
		if lr.Namespace == q.Namespace {
			for _, item := range limitItems(lr) {
				c, _, _ = admitted(c, item)
			}
		}
	}
	hard, _ := spec["hard"].(map[string]any)
	var missing []string
	keys := make([]string, 0, len(hard))
	for k := range hard {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		field, ok := quotaResources[k]
		if !ok {
			continue
		}
		list := c.requests
		if field[0] == "limits" {
			list = c.limits
		}
		if _, set := list[field[1]]; !set {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return
	}
	src := q.Source
	src.Object = q.Ref()
	p.Report(findings.Finding{
		Severity:  findings.Error,
		Component: name,
		Subject:   name,
		Message: fmt.Sprintf("ResourceQuota %s/%s limits %s, which the %s pods kubeadm %s creates do not set: the quota admission rejects them (\"must specify %s\"). %s",
			q.Namespace, q.Name, strings.Join(missing, ", "), name, p.Hop.To, strings.Join(missing, ","), consequence(name)),
		Fix:        fmt.Sprintf("Before this hop, add a LimitRange in %s whose defaults set %s, or remove these resources from ResourceQuota %s.", q.Namespace, strings.Join(missing, ", "), q.Name),
		Source:     src,
		Evidence:   fmt.Sprintf("kubeadm %s's %s container: %s", p.Hop.To, name, describePod(pod)),
		References: []string{pod.Source},
	})
}
