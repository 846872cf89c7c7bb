package live

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

// resource is one listable resource the scan reads, in the one version it is read in.
type resource struct {
	gvr        schema.GroupVersionResource
	kind       string
	namespaced bool
}

func (r resource) apiVersion() string {
	return schema.GroupVersion{Group: r.gvr.Group, Version: r.gvr.Version}.String()
}

func (r resource) String() string {
	if r.gvr.Group == "" {
		return r.gvr.Resource
	}
	return r.gvr.Resource + "." + r.gvr.Group
}

// fullRead is a list of complete objects the rules read (everything else is read as
// metadata only: name, labels, annotations, managedFields are all the evidence needs).
type fullRead struct {
	// namespace limits the list to one namespace ("" = all namespaces or cluster scope).
	namespace string
	// labelSelector limits the list (Helm release records).
	labelSelector string
	// fieldSelector limits the list (Secret types).
	fieldSelector string
}

// fullReads names, by resource ("deployments.apps"), the lists read as whole objects.
// Secrets are read whole only as Helm release records here, and as the TLS secrets of
// webhook services (see webhookSecretNamespaces).
var fullReads = map[string][]fullRead{
	"nodes": {{}},
	"mutatingwebhookconfigurations.admissionregistration.k8s.io":   {{}},
	"validatingwebhookconfigurations.admissionregistration.k8s.io": {{}},
	"apiservices.apiregistration.k8s.io":                           {{}},
	"customresourcedefinitions.apiextensions.k8s.io":               {{}},
	"services":         {{}},
	"configmaps":       {{namespace: "kube-system"}, {labelSelector: helmReleaseSelector}},
	"secrets":          {{labelSelector: helmReleaseSelector}},
	"limitranges":      {{namespace: "kube-system"}},
	"resourcequotas":   {{namespace: "kube-system"}},
	"pods":             {{namespace: "kube-system"}},
	"deployments.apps": {{namespace: "kube-system"}},
	"daemonsets.apps":  {{namespace: "kube-system"}},
}

// helmReleaseSelector selects Helm 3 release records of deployed revisions.
const helmReleaseSelector = "owner=helm,status=deployed"

// skipped resources carry no evidence the rules use and are large or short-lived.
var skipped = map[string]bool{
	"events":                          true,
	"events.events.k8s.io":            true,
	"leases.coordination.k8s.io":      true,
	"endpoints":                       true,
	"endpointslices.discovery.k8s.io": true,
	"componentstatuses":               true,
}

// aliasGroups serve resources that other built-in groups serve too, from the same storage:
// listing both would read every object twice, and reading a deprecated group is itself
// counted by apiserver_requested_deprecated_apis.
var aliasGroups = map[string]bool{"extensions": true}

// discover returns the resources to list: per group, each resource in the first version of
// the server's priority order that serves it. Groups whose discovery failed become Unchecked.
func discover(dc discovery.DiscoveryInterface) ([]resource, []findings.Unchecked, error) {
	groups, lists, err := dc.ServerGroupsAndResources()
	var unchecked []findings.Unchecked
	if err != nil {
		var failed *discovery.ErrGroupDiscoveryFailed
		if !errors.As(err, &failed) {
			return nil, nil, fmt.Errorf("discovering the API server's resources: %w", err)
		}
		gvs := make([]schema.GroupVersion, 0, len(failed.Groups))
		for gv := range failed.Groups {
			gvs = append(gvs, gv)
		}
		sort.Slice(gvs, func(i, j int) bool { return gvs[i].String() < gvs[j].String() })
		for _, gv := range gvs {
			unchecked = append(unchecked, findings.Unchecked{
				What:   "API group " + gv.String(),
				Reason: "discovery failed: " + failed.Groups[gv].Error(),
			})
		}
	}
	byGV := map[string]*metav1.APIResourceList{}
	for _, l := range lists {
		byGV[l.GroupVersion] = l
	}
	var out []resource
	seen := map[string]bool{} // "resource.group"
	nonAlias := map[string]bool{}
	for _, g := range groups {
		for _, v := range g.Versions {
			l := byGV[v.GroupVersion]
			if l == nil {
				continue
			}
			for _, r := range l.APIResources {
				if strings.Contains(r.Name, "/") || !hasVerb(r.Verbs, "list") {
					continue // subresources; resources that cannot be listed
				}
				key := r.Name
				if g.Name != "" {
					key += "." + g.Name
				}
				if seen[key] || skipped[key] {
					continue
				}
				seen[key] = true
				if !aliasGroups[g.Name] {
					nonAlias[r.Name+"/"+r.Kind] = true
				}
				out = append(out, resource{
					gvr:        schema.GroupVersionResource{Group: g.Name, Version: v.Version, Resource: r.Name},
					kind:       r.Kind,
					namespaced: r.Namespaced,
				})
			}
		}
	}
	kept := out[:0]
	for _, r := range out {
		if aliasGroups[r.gvr.Group] && nonAlias[r.gvr.Resource+"/"+r.kind] {
			continue
		}
		kept = append(kept, r)
	}
	return kept, unchecked, nil
}

func hasVerb(verbs []string, verb string) bool {
	for _, v := range verbs {
		if v == verb {
			return true
		}
	}
	return false
}
