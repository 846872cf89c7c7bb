// Package promapi reads a live Prometheus over its HTTP API (`--prometheus-url`): the rules
// it has loaded, its active scrape targets, and the apiserver_requested_deprecated_apis
// series, which name the API versions clients still call.
package promapi

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strconv"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// DeprecatedAPIsQuery selects the API versions the API server (1.19+) saw requests for
// that are deprecated, with the release that removes them.
const DeprecatedAPIsQuery = "apiserver_requested_deprecated_apis"

// Options say how to reach the Prometheus.
type Options struct {
	// URL is Prometheus's base URL, e.g. http://prometheus.monitoring:9090.
	URL string
	// Config, when set, is the client configuration (its RoundTripper carries a bearer
	// token or TLS settings); its Address is replaced by URL.
	Config *api.Config
}

// Scan adds what the Prometheus knows to inv: loaded rules as PromQueries (Kind
// "live-rule"), active targets as ScrapeTargets (How "live-target"), and every
// apiserver_requested_deprecated_apis series as an APIUse. A part that fails is recorded as
// an InputError and the other parts still run; the error return is for a URL that cannot
// be used at all.
func Scan(ctx context.Context, opts Options, inv *inventory.Inventory) error {
	cfg := api.Config{Address: opts.URL}
	if opts.Config != nil {
		cfg = *opts.Config
		cfg.Address = opts.URL
	}
	client, err := api.NewClient(cfg)
	if err != nil {
		return fmt.Errorf("--prometheus-url %s: %w", opts.URL, err)
	}
	p := v1.NewAPI(client)
	src := inventory.Source{Path: opts.URL}
	fail := func(what string, err error) {
		inv.InputErrors = append(inv.InputErrors, inventory.InputError{Source: src, Message: what + ": " + err.Error()})
	}
	if rules, err := p.Rules(ctx); err != nil {
		fail("GET /api/v1/rules", err)
	} else {
		inv.PromQueries = append(inv.PromQueries, ruleQueries(opts.URL, rules)...)
	}
	if targets, err := p.Targets(ctx); err != nil {
		fail("GET /api/v1/targets", err)
	} else {
		inv.ScrapeTargets = append(inv.ScrapeTargets, activeTargets(opts.URL, targets)...)
	}
	value, _, err := p.Query(ctx, DeprecatedAPIsQuery, timeNow())
	if err != nil {
		fail("query "+DeprecatedAPIsQuery, err)
	} else {
		inv.APIUses = append(inv.APIUses, deprecatedAPIUses(opts.URL, value)...)
	}
	inv.Inputs = append(inv.Inputs, "Prometheus "+opts.URL)
	return nil
}

func ruleQueries(base string, res v1.RulesResult) []inventory.PromQuery {
	var out []inventory.PromQuery
	for _, g := range res.Groups {
		src := inventory.Source{Path: base + " rules file " + g.File + " group " + g.Name}
		for _, r := range g.Rules {
			switch r := r.(type) {
			case v1.AlertingRule:
				out = append(out, inventory.PromQuery{Expr: r.Query, Name: r.Name, Kind: "live-rule", Source: src})
			case v1.RecordingRule:
				out = append(out, inventory.PromQuery{Expr: r.Query, Name: r.Name, Kind: "live-rule", Source: src})
			}
		}
	}
	return out
}

func activeTargets(base string, res v1.TargetsResult) []inventory.ScrapeTarget {
	var out []inventory.ScrapeTarget
	for _, t := range res.Active {
		u, err := url.Parse(t.ScrapeURL)
		if err != nil {
			continue
		}
		port, _ := strconv.Atoi(u.Port())
		labels := map[string]string{}
		for k, v := range t.Labels {
			labels[string(k)] = string(v)
		}
		out = append(out, inventory.ScrapeTarget{
			Job: string(t.Labels["job"]), Address: u.Host, Port: port, Scheme: u.Scheme,
			Labels: labels, Health: string(t.Health), How: "live-target",
			Source: inventory.Source{Path: base + " target " + t.ScrapeURL},
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out
}

// deprecatedAPIUses turns each series into one use: group/version and resource, with the
// removed_release label in Detail.
func deprecatedAPIUses(base string, v model.Value) []inventory.APIUse {
	vec, ok := v.(model.Vector)
	if !ok {
		return nil
	}
	var out []inventory.APIUse
	for _, s := range vec {
		group, version := string(s.Metric["group"]), string(s.Metric["version"])
		if version == "" {
			continue
		}
		apiVersion := version
		if group != "" {
			apiVersion = group + "/" + version
		}
		resource := string(s.Metric["resource"])
		if sub := string(s.Metric["subresource"]); sub != "" {
			resource += "/" + sub
		}
		detail := "removed_release=" + string(s.Metric["removed_release"])
		if inst := string(s.Metric["instance"]); inst != "" {
			detail += " instance=" + inst
		}
		out = append(out, inventory.APIUse{
			APIVersion: apiVersion, Resource: resource, How: DeprecatedAPIsQuery, Detail: detail,
			Source: inventory.Source{Path: base + " " + DeprecatedAPIsQuery + s.Metric.String()},
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].APIVersion != out[j].APIVersion {
			return out[i].APIVersion < out[j].APIVersion
		}
		return out[i].Resource < out[j].Resource
	})
	return out
}
