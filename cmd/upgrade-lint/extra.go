package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules/images"
	"github.com/upgrade-lint/upgrade-lint/rules/webhookcert"
	"github.com/upgrade-lint/upgrade-lint/scanner/certs"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
	"github.com/upgrade-lint/upgrade-lint/scanner/registry"
)

// extraOptions are the flags of the checks that may reach the network: the registry check,
// TLS probes of webhooks.
type extraOptions struct {
	registryCheck    bool
	insecureRegistry []string
	registryTimeout  time.Duration
	probeWebhooks    bool
	noTLSProbe       bool
	probeTimeout     time.Duration
}

func (o *lintOptions) extra() *extraOptions {
	if o.extraOpts.registryTimeout == 0 && o.extraOpts.probeTimeout == 0 {
		o.extraOpts.registryTimeout, o.extraOpts.probeTimeout = 20*time.Second, 5*time.Second
	}
	return &o.extraOpts
}

// addExtraFlags registers the flags of the optional network checks (registry, webhook probes).
func (o *lintOptions) addExtraFlags(fs *pflag.FlagSet) {
	e := o.extra()
	fs.BoolVar(&e.registryCheck, "registry-check", false, "ask the image registry whether every image of the plan exists (credentials from ~/.docker/config.json)")
	fs.StringArrayVar(&e.insecureRegistry, "insecure-registry", nil, "registry host[:port] to reach over plain HTTP (repeatable)")
	fs.DurationVar(&e.registryTimeout, "registry-timeout", e.registryTimeout, "time limit for each registry request")
	fs.BoolVar(&e.probeWebhooks, "probe-webhooks", false, "live clusters: read service webhooks' certificates with a TLS handshake through a port-forward to a backing pod")
	fs.BoolVar(&e.noTLSProbe, "no-tls-probe", false, "do not dial url webhooks to read their serving certificates")
	fs.DurationVar(&e.probeTimeout, "tls-probe-timeout", e.probeTimeout, "time limit for each TLS handshake")
}

// extraChecks runs the optional checks that add to the inventory before the rules run:
// certificates from the snapshot, TLS probes, the registry.
func (o *lintOptions) extraChecks(ctx context.Context, kb *knowledge.KB, hops []knowledge.Hop, inv *inventory.Inventory) error {
	e := o.extra()
	if !e.noTLSProbe {
		inv.ServingCerts = append(inv.ServingCerts, probeURLs(ctx, webhookcert.URLs(inv), e.probeTimeout)...)
	}
	if e.probeWebhooks {
		if o.offline() {
			return usagef("--probe-webhooks needs a live cluster (it port-forwards to the webhooks' pods)")
		}
		probed, unchecked := o.probeServiceWebhooks(ctx, inv, e.probeTimeout)
		inv.ServingCerts = append(inv.ServingCerts, probed...)
		inv.Unchecked = append(inv.Unchecked, unchecked...)
	}
	checkRegistry(ctx, e, kb, hops, inv)
	return nil
}

// probeURLs dials each url webhook, a few at a time.
func probeURLs(ctx context.Context, urls []string, timeout time.Duration) []inventory.ServingCert {
	out := make([]inventory.ServingCert, len(urls))
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = certs.Probe(ctx, u, certs.ProbeOptions{Timeout: timeout})
		}()
	}
	wg.Wait()
	return out
}

// checkRegistry asks the registry about every planned image (--registry-check). Images
// whose registry could not answer become one input error per registry: unknown is not
// found. Without the flag nothing goes over the network and the report says so.
func checkRegistry(ctx context.Context, e *extraOptions, kb *knowledge.KB, hops []knowledge.Hop, inv *inventory.Inventory) {
	if !e.registryCheck {
		inv.Unchecked = append(inv.Unchecked, findings.Unchecked{
			What:   "images in the registry",
			Reason: "registry not asked: run with --registry-check to confirm every image of the plan is mirrored",
		})
		return
	}
	refs := images.RefsToCheck(kb, hops, inv)
	inv.ImageChecks = registry.Check(ctx, refs, registry.Options{Insecure: e.insecureRegistry, Timeout: e.registryTimeout})
	type failure struct {
		refs   []string
		detail string
	}
	byRegistry := map[string]*failure{}
	for _, c := range inv.ImageChecks {
		if c.Status != inventory.ImageDenied && c.Status != inventory.ImageUnreachable {
			continue
		}
		host := registry.Registry(c.Ref)
		f := byRegistry[host]
		if f == nil {
			f = &failure{detail: c.Detail}
			byRegistry[host] = f
		}
		f.refs = append(f.refs, c.Ref)
	}
	hosts := make([]string, 0, len(byRegistry))
	for h := range byRegistry {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	for _, h := range hosts {
		f := byRegistry[h]
		inv.InputErrors = append(inv.InputErrors, inventory.InputError{
			Source: findings.Source{Path: "registry " + h},
			Message: fmt.Sprintf("registry %s could not be asked about %d image(s) (%s), so whether they are mirrored is unknown: %s",
				h, len(f.refs), strings.Join(f.refs, ", "), f.detail),
		})
	}
}

// probeServiceWebhooks reads the certificate of each service webhook through a
// port-forward to one of its pods (--probe-webhooks). Failures stay in the inventory as
// probe errors: the rule then looks for the certificate in Secrets.
func (o *lintOptions) probeServiceWebhooks(ctx context.Context, inv *inventory.Inventory, timeout time.Duration) ([]inventory.ServingCert, []findings.Unchecked) {
	cfg, err := o.live.config.ToRESTConfig()
	if err != nil {
		return nil, []findings.Unchecked{{What: "TLS probes of service webhooks", Reason: "reading the kubeconfig: " + err.Error()}}
	}
	seen := map[string]bool{}
	var out []inventory.ServingCert
	for _, s := range webhookcert.Subjects(inv) {
		key := fmt.Sprintf("%s/%s:%d", s.Namespace, s.Service, s.Port)
		if s.Service == "" || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, certs.ProbeService(ctx, cfg, s.Namespace, s.Service, s.Port, certs.ProbeOptions{Timeout: timeout}))
	}
	return out, nil
}
