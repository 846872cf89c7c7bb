package prometheus

import (
	"fmt"
	"strconv"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// Target is the prometheus-target rule.
var Target = &rules.Rule{
	Name: "prometheus-target",
	Doc: `Scrape targets on the scheduler's and controller manager's insecure ports 10251/10252
kube-scheduler served plain-HTTP metrics on port 10251 and kube-controller-manager on 10252.
kubeadm starts both with --port=0 from 1.16, which closes those ports; later minors remove
the --port flag and the insecure port altogether. A scrape config, ServiceMonitor,
PodMonitor or live target on those ports goes down at the first of these hops that the
upgrade crosses: "KubeSchedulerDown" / "target disappeared" alerts, and no scheduler or
controller-manager metrics.

The fix is the secure port (10259 for kube-scheduler, 10257 for kube-controller-manager),
scheme https and a bearer token of a ServiceAccount allowed to get /metrics.`,
	Severity: findings.Error,
	Run:      runTarget,
}

type insecurePort struct {
	component  string
	port       int
	securePort int
}

// insecurePorts are the components' insecure and secure serving ports as kubeadm's
// constants name them (InsecureSchedulerPort, InsecureKubeControllerManagerPort;
// KubeSchedulerPort, KubeControllerManagerPort).
var insecurePorts = []insecurePort{
	{"kube-scheduler", 10251, 10259},
	{"kube-controller-manager", 10252, 10257},
}

func portOf(port int) *insecurePort {
	for i := range insecurePorts {
		if insecurePorts[i].port == port {
			return &insecurePorts[i]
		}
	}
	return nil
}

// closingReason says why the hop closes the component's insecure port, "" when it does not.
func closingReason(p *rules.Pass, component string) (reason, source string) {
	portZero := func(m knowledge.Minor) (string, bool) {
		a := p.KB.AddonsAt(m)
		if a == nil {
			return "", false
		}
		for _, f := range a.PortZero {
			if f.Component == component {
				return f.Source, true
			}
		}
		return "", false
	}
	if src, now := portZero(p.Hop.To); now {
		if _, before := portZero(p.Hop.From); !before {
			return fmt.Sprintf("kubeadm %s starts %s with --port=0, which closes its insecure port", p.Hop.To, component), src
		}
	}
	if f := p.KB.Flag(component, "port"); f != nil && f.RemovedIn != nil && *f.RemovedIn == p.Hop.To {
		return fmt.Sprintf("%s %s no longer has the --port flag or its insecure port", component, p.Hop.To), f.Source
	}
	if f := p.KB.Flag(component, "port"); f == nil {
		// Without flag facts, kubeadm dropping --port=0 marks the minor the port went away.
		if _, before := portZero(p.Hop.From); before {
			if _, now := portZero(p.Hop.To); !now && p.KB.AddonsAt(p.Hop.To) != nil {
				return fmt.Sprintf("kubeadm %s no longer writes --port=0 because %s %s serves no insecure port", p.Hop.To, component, p.Hop.To), ""
			}
		}
	}
	return "", ""
}

func runTarget(p *rules.Pass) {
	for _, t := range targets(p.Inv) {
		ip := portOf(t.Port)
		if ip == nil {
			continue
		}
		reason, src := closingReason(p, ip.component)
		if reason == "" {
			continue
		}
		what := "Scrape target " + t.Address
		if t.Address == "" {
			what = "Scrape endpoint on port " + strconv.Itoa(t.Port)
		}
		if t.Job != "" {
			what += " (job " + t.Job + ")"
		}
		f := findings.Finding{
			Component: ip.component,
			Subject:   strconv.Itoa(t.Port),
			Message: fmt.Sprintf("%s scrapes %s's insecure port %d over plain HTTP; %s: the target goes down and %s's metrics stop.",
				what, ip.component, ip.port, reason, ip.component),
			Fix: fmt.Sprintf("Scrape %s on its secure port %d with scheme https and a bearer token (a ServiceAccount allowed to get the /metrics non-resource URL); its serving certificate is self-signed unless configured, so set tls_config.ca_file or insecure_skip_verify.",
				ip.component, ip.securePort),
			Evidence: t.How,
			Source:   t.Source,
		}
		if src != "" {
			f.References = []string{src}
		}
		p.Report(f)
	}
}

// targets gathers scrape targets: scanned configs and live targets, ServiceMonitor and
// PodMonitor endpoints with a numeric port, or a named one a selected Service resolves.
func targets(inv *inventory.Inventory) []inventory.ScrapeTarget {
	out := append([]inventory.ScrapeTarget(nil), inv.ScrapeTargets...)
	for _, kind := range []string{"ServiceMonitor", "PodMonitor"} {
		for _, o := range inv.ObjectsOfKind(kind) {
			spec, _ := o.Body["spec"].(map[string]any)
			key := "endpoints"
			if kind == "PodMonitor" {
				key = "podMetricsEndpoints"
			}
			eps, _ := spec[key].([]any)
			for _, e := range eps {
				ep, _ := e.(map[string]any)
				src := o.Source
				src.Object = o.Ref()
				st := inventory.ScrapeTarget{Job: o.Name, How: map[string]string{"ServiceMonitor": "service-monitor", "PodMonitor": "pod-monitor"}[kind], Source: src}
				st.Scheme, _ = ep["scheme"].(string)
				if st.Scheme == "https" {
					continue
				}
				switch tp := ep["targetPort"].(type) {
				case int:
					st.Port = tp
				case float64:
					st.Port = int(tp)
				case string:
					st.Port, _ = strconv.Atoi(tp)
				}
				if name, ok := ep["port"].(string); ok && st.Port == 0 {
					st.PortName = name
					st.Port = servicePort(inv, o, spec, name)
				}
				if st.Port != 0 {
					out = append(out, st)
				}
			}
		}
	}
	return out
}

// servicePort resolves a ServiceMonitor's named port through the Services its selector
// picks (matchLabels only) in its namespaceSelector's namespaces (or its own).
func servicePort(inv *inventory.Inventory, mon *inventory.Object, spec map[string]any, name string) int {
	sel, _ := spec["selector"].(map[string]any)
	match, _ := sel["matchLabels"].(map[string]any)
	namespaces := map[string]bool{mon.Namespace: true}
	if ns, ok := spec["namespaceSelector"].(map[string]any); ok {
		if names, ok := ns["matchNames"].([]any); ok {
			namespaces = map[string]bool{}
			for _, n := range names {
				if s, ok := n.(string); ok {
					namespaces[s] = true
				}
			}
		}
	}
	for _, svc := range inv.ObjectsOfKind("Service") {
		if !namespaces[svc.Namespace] || len(match) == 0 {
			continue
		}
		meta, _ := svc.Body["metadata"].(map[string]any)
		lbls, _ := meta["labels"].(map[string]any)
		ok := true
		for k, v := range match {
			if lbls[k] != v {
				ok = false
			}
		}
		if !ok {
			continue
		}
		sspec, _ := svc.Body["spec"].(map[string]any)
		ports, _ := sspec["ports"].([]any)
		for _, pp := range ports {
			port, _ := pp.(map[string]any)
			if port["name"] != name {
				continue
			}
			for _, k := range []string{"targetPort", "port"} {
				switch v := port[k].(type) {
				case int:
					return v
				case float64:
					return int(v)
				}
			}
		}
	}
	return 0
}
