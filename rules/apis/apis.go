// Package apis holds the removed-api and deprecated-api rules.
package apis

import (
	"fmt"
	"sort"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// Removed flags objects written in an API version the hop's API server no longer serves.
var Removed = &rules.Rule{
	Name:     "removed-api",
	Severity: findings.Error,
	Doc: `An API version in use is removed at this hop
After the hop the API server no longer serves this group/version: applying the manifest fails, a Helm
upgrade of a release that contains it fails, and clients that call it get 404.

What counts as evidence:
- a manifest file (-f): the apiVersion written in it;
- an object read from a cluster: NOT the version it happens to be read in (the API server converts
  between versions), but the kubectl.kubernetes.io/last-applied-configuration annotation, the
  apiVersion of metadata.managedFields entries (stale entries, superseded by a later write of the same
  manager in a newer version, are ignored), the manifests of deployed Helm releases, the
  apiserver_requested_deprecated_apis metric and audit log lines; or the read version when it is the
  only one that serves the kind;
The fix names a version served on both sides of the hop, so the object can be moved before the hop.`,
	Run: func(p *rules.Pass) { run(p, false) },
}

// Deprecated flags API versions deprecated by the target release but removed only later.
var Deprecated = &rules.Rule{
	Name:     "deprecated-api",
	Severity: findings.Warning,
	Doc: `An API version in use is deprecated and will be removed after the planned upgrade
Nothing breaks within the plan, but the next upgrades will: move the objects now, while a replacement is
served. Evidence is judged as for removed-api.`,
	Run: func(p *rules.Pass) { run(p, true) },
}

// use is one piece of evidence that apiVersion/kind is written or called.
type use struct {
	gvk      knowledge.GroupVersionKind
	how      []string
	source   findings.Source
	helm     bool
	resource string // for evidence naming a resource (metrics, audit) rather than an object
}

func run(p *rules.Pass, deprecated bool) {
	for _, u := range uses(p) {
		api := p.KB.API(u.gvk)
		if api == nil {
			continue
		}
		if deprecated {
			checkDeprecated(p, api, u)
		} else {
			checkRemoved(p, api, u)
		}
	}
}

// removedAt reports whether api stops being served at this hop (or, on the first hop,
// already before it: the object is then broken now).
func removedAt(p *rules.Pass, api *knowledge.API) bool {
	if api.RemovedIn == nil {
		return false
	}
	if *api.RemovedIn == p.Hop.To {
		return true
	}
	return p.First() && !p.Hop.From.Less(*api.RemovedIn)
}

func checkRemoved(p *rules.Pass, api *knowledge.API, u use) {
	if !removedAt(p, api) {
		return
	}
	msg := fmt.Sprintf("%s is removed in %s", u.gvk, api.RemovedIn)
	if api.RemovedIn.Compare(p.Hop.To) < 0 {
		msg = fmt.Sprintf("%s is not served since %s: the cluster at %s already cannot take it", u.gvk, api.RemovedIn, p.Hop.From)
	}
	p.Report(findings.Finding{
		Subject:    u.gvk.String(),
		Message:    msg + ".",
		Fix:        fixText(p, u, p.Hop.From, p.Hop.To),
		Evidence:   strings.Join(u.how, "; "),
		Source:     u.source,
		References: references(api),
	})
}

func checkDeprecated(p *rules.Pass, api *knowledge.API, u use) {
	if api.DeprecatedIn == nil || p.Plan.To.Less(*api.DeprecatedIn) {
		return
	}
	if api.RemovedIn != nil && !p.Plan.To.Less(*api.RemovedIn) {
		return // removed within the plan: removed-api reports it
	}
	// Report once: at the hop where the deprecation starts, or the first hop if it predates the plan.
	if !(*api.DeprecatedIn == p.Hop.To || (p.First() && !p.Hop.To.Less(*api.DeprecatedIn))) {
		return
	}
	removal := "a later release"
	if api.RemovedIn != nil {
		removal = api.RemovedIn.String()
	}
	p.Report(findings.Finding{
		Subject:    u.gvk.String(),
		Message:    fmt.Sprintf("%s is deprecated since %s and removed in %s.", u.gvk, api.DeprecatedIn, removal),
		Fix:        deprecatedFixText(p, api, u),
		Evidence:   strings.Join(u.how, "; "),
		Source:     u.source,
		References: references(api),
	})
}

// deprecatedFixText names the replacement served at the plan's target. When the cluster,
// where this hop starts, does not serve it yet (networking.k8s.io/v1 Ingress arrives in 1.19),
// applying it now would fail, so the fix says from when the move is possible.
func deprecatedFixText(p *rules.Pass, api *knowledge.API, u use) string {
	repl, ok := p.KB.ReplacementAcross(u.gvk, p.Plan.To, p.Plan.To)
	if !ok {
		return fixText(p, u, p.Plan.To, p.Plan.To)
	}
	r := p.KB.API(repl)
	if r == nil || r.IntroducedIn == nil || r.ServedAt(p.Hop.From) {
		return fixText(p, u, p.Plan.To, p.Plan.To)
	}
	when := fmt.Sprintf("once the cluster runs %s or later", r.IntroducedIn)
	if api.RemovedIn != nil {
		when += fmt.Sprintf(" and before the upgrade to %s", api.RemovedIn)
	}
	return moveText(u, fmt.Sprintf("%s (served from %s; %s does not serve it yet, so make the change %s)", repl.APIVersion(), r.IntroducedIn, p.Hop.From, when))
}

func fixText(p *rules.Pass, u use, a, b knowledge.Minor) string {
	repl, ok := p.KB.ReplacementAcross(u.gvk, a, b)
	if !ok {
		if a == b {
			return fmt.Sprintf("No other version of %s is served at %s: plan how to replace these objects (the feature may have a successor outside this API) before the version is removed.", u.gvk.Kind, a)
		}
		return fmt.Sprintf("No version of %s is served on both %s and %s: migrate the objects (or drop them) before the hop.", u.gvk.Kind, a, b)
	}
	both := fmt.Sprintf("%s (served on %s and %s)", repl.APIVersion(), a, b)
	if a == b {
		both = fmt.Sprintf("%s (served on %s)", repl.APIVersion(), a)
	}
	return moveText(u, both)
}

// moveText is the fix that moves the objects of u to target (a version and when it is served).
func moveText(u use, target string) string {
	switch {
	case u.helm:
		return fmt.Sprintf("Upgrade the Helm release with a chart that uses %s; if the release is stuck because its stored manifest names a removed version, rewrite it with helm-mapkubeapis.", target)
	case u.resource != "":
		return fmt.Sprintf("Find the client that calls %s %s (see the evidence) and move it to %s.", u.gvk.APIVersion(), u.resource, target)
	case u.source.Path != "" && !strings.Contains(strings.Join(u.how, " "), "last-applied") && !strings.Contains(strings.Join(u.how, " "), "managedFields"):
		return fmt.Sprintf("Change apiVersion to %s; check the fields that changed between the versions.", target)
	}
	return fmt.Sprintf("Update the manifest, chart or pipeline that wrote the object to use %s and re-apply it, so that nothing (the last-applied annotation included) names %s any more.", target, u.gvk.APIVersion())
}

func references(api *knowledge.API) []string {
	refs := []string{}
	if api.RemovedIn != nil {
		refs = append(refs, "https://kubernetes.io/docs/reference/using-api/deprecation-guide/#v1-"+fmt.Sprint(api.RemovedIn.Minor))
	}
	if strings.HasPrefix(api.Source, "http") {
		refs = append(refs, api.Source)
	}
	return refs
}

// uses gathers the evidence of API versions in use, one entry per object and version.
func uses(p *rules.Pass) []use {
	var out []use
	for _, o := range p.Inv.Objects {
		switch o.Origin {
		case inventory.FromManifest, inventory.FromHelm:
			g, v := inventory.SplitAPIVersion(o.APIVersion)
			how := "manifest apiVersion"
			for _, u := range o.Uses {
				if u.How == "helm-release" {
					how = "Helm release " + u.Detail
				}
			}
			out = append(out, use{gvk: knowledge.GroupVersionKind{Group: g, Version: v, Kind: o.Kind}, how: []string{how}, source: o.Source, helm: o.Origin == inventory.FromHelm})
		default:
			out = append(out, clusterUses(p, o)...)
		}
	}
	out = append(out, callUses(p)...)
	return out
}

// clusterUses judges a cluster object by what wrote it, not by the version it was read in.
func clusterUses(p *rules.Pass, o *inventory.Object) []use {
	byVersion := map[string][]string{}
	var order []string
	add := func(apiVersion, how string) {
		if _, ok := byVersion[apiVersion]; !ok {
			order = append(order, apiVersion)
		}
		byVersion[apiVersion] = append(byVersion[apiVersion], how)
	}
	for _, u := range o.Uses {
		if u.Stale || u.APIVersion == "" {
			continue
		}
		how := u.How
		if u.Detail != "" {
			how += " (" + u.Detail + ")"
		}
		add(u.APIVersion, how)
	}
	// The read version proves what wrote the object when no other version could have: at the
	// plan's start (the cluster as it was read, so a longer plan never loses this evidence at
	// a later hop, where newer versions are served too), or at the hop's start (a kind whose
	// last version is going away).
	g, v := inventory.SplitAPIVersion(o.APIVersion)
	read := knowledge.GroupVersionKind{Group: g, Version: v, Kind: o.Kind}
	for _, m := range []knowledge.Minor{p.Plan.From, p.Hop.From} {
		if onlyServed(p.KB, read, m) {
			add(o.APIVersion, fmt.Sprintf("the object exists and %s is the only version serving %s at %s", o.APIVersion, o.Kind, m))
			break
		}
	}
	var out []use
	for _, av := range order {
		g, v := inventory.SplitAPIVersion(av)
		out = append(out, use{gvk: knowledge.GroupVersionKind{Group: g, Version: v, Kind: o.Kind}, how: byVersion[av], source: o.Source})
	}
	return out
}

func onlyServed(kb *knowledge.KB, gvk knowledge.GroupVersionKind, m knowledge.Minor) bool {
	if kb.API(gvk) == nil {
		return false
	}
	n := 0
	for _, a := range kb.KindVersions(gvk.Kind) {
		if a.ServedAt(m) {
			n++
			if a.GroupVersionKind != gvk {
				return false
			}
		}
	}
	return n == 1
}

// callUses turns request evidence (metrics, audit log) into uses, mapping resources to kinds.
func callUses(p *rules.Pass) []use {
	type key struct{ gv, resource string }
	merged := map[key]*use{}
	var keys []key
	for _, u := range p.Inv.APIUses {
		kind := u.Kind
		if kind == "" {
			kind = kindForResource(p.KB, u.APIVersion, u.Resource)
		}
		if kind == "" {
			continue
		}
		k := key{u.APIVersion, u.Resource}
		how := u.How
		if u.Detail != "" {
			how += " (" + u.Detail + ")"
		}
		if m, ok := merged[k]; ok {
			m.how = append(m.how, how)
			continue
		}
		g, v := inventory.SplitAPIVersion(u.APIVersion)
		merged[k] = &use{gvk: knowledge.GroupVersionKind{Group: g, Version: v, Kind: kind}, how: []string{how}, source: u.Source, resource: u.Resource}
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].gv+keys[i].resource < keys[j].gv+keys[j].resource })
	var out []use
	for _, k := range keys {
		out = append(out, *merged[k])
	}
	return out
}

// kindForResource finds the kind of a group/version whose plural resource name is resource.
func kindForResource(kb *knowledge.KB, apiVersion, resource string) string {
	g, v := inventory.SplitAPIVersion(apiVersion)
	for _, a := range kb.APIs {
		if a.Group == g && a.Version == v && Plural(a.Kind) == resource {
			return a.Kind
		}
	}
	return ""
}

// Plural is the resource name the API server derives from a kind (the common English rules
// its RESTMapper applies).
func Plural(kind string) string {
	s := strings.ToLower(kind)
	switch {
	case strings.HasSuffix(s, "s"), strings.HasSuffix(s, "x"), strings.HasSuffix(s, "ch"), strings.HasSuffix(s, "sh"):
		return s + "es"
	case strings.HasSuffix(s, "y") && len(s) > 1 && !strings.ContainsAny(s[len(s)-2:len(s)-1], "aeiou"):
		return s[:len(s)-1] + "ies"
	}
	return s + "s"
}
