package knowledge

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// peerAPI is one entry of a peer tool's table of deprecated APIs, reduced to what both
// peers state: the version and kind, and the release that stops serving it.
type peerAPI struct {
	peer, apiVersion, kind string
	removedIn              string // "1.22"; "" when the peer names no removal
}

// key names the entry for peerExplained; a peer's list kind ("RoleList") shares the
// explanation of its object kind.
func (p peerAPI) key() string { return p.peer + " " + p.apiVersion + " " + objectKind(p.kind) }

// objectKind maps a list kind to the kind of its items: the knowledge base has object
// kinds only, and a peer's "FooList" entry is judged by Foo.
func objectKind(kind string) string {
	if k, ok := strings.CutSuffix(kind, "List"); ok && k != "" {
		return k
	}
	return kind
}

// peerOutOfScope are API groups of peers' tables that are not built into Kubernetes:
// custom resources of add-ons, and configuration file formats the API server never serves.
var peerOutOfScope = map[string]string{
	"snapshot.storage.k8s.io": "CRDs of external-snapshotter, not built in",
	"audit.k8s.io":            "the audit policy/event file format of kube-apiserver, not a served API",
}

// peerExplained are the differences with the peers that were checked against upstream
// and found to be the peer's error (or a convention of the peer): each says why.
var peerExplained = map[string]string{
	"pluto apps/v1beta1 ReplicaSet":                                                "apps/v1beta1 never registered ReplicaSet (k8s.io/api apps/v1beta1/register.go: Deployment, StatefulSet, ControllerRevision only)",
	"kubent apps/v1beta1 ReplicaSet":                                               "apps/v1beta1 never registered ReplicaSet (k8s.io/api apps/v1beta1/register.go: Deployment, StatefulSet, ControllerRevision only)",
	"pluto flowcontrol.apiserver.k8s.io/v1beta1 FlowControl":                       "no such kind: flowcontrol.apiserver.k8s.io/v1beta1 registers FlowSchema and PriorityLevelConfiguration",
	"pluto flowcontrol.apiserver.k8s.io/v1beta1 FlowSchema":                        "Pluto says 1.29; k8s.io/api flowcontrol/v1beta1 APILifecycleRemoved is 1.26 and kube-apiserver 1.26 stops serving it (kubent agrees: 1.26)",
	"pluto flowcontrol.apiserver.k8s.io/v1beta1 PriorityLevelConfiguration":        "Pluto says 1.29; k8s.io/api flowcontrol/v1beta1 APILifecycleRemoved is 1.26 and kube-apiserver 1.26 stops serving it (kubent agrees: 1.26)",
	"pluto scheduling.k8s.io/v1alpha1 PriorityClass":                               "Pluto says 1.17 (what CHANGELOG-1.14 announced); CHANGELOG-1.23 (#104248) records the actual removal in 1.23",
	"pluto rbac.authorization.k8s.io/v1alpha1 ClusterRole":                         "Pluto says 1.22; CHANGELOG-1.23 (#104248) records the removal of rbac.authorization.k8s.io/v1alpha1 in 1.23",
	"pluto rbac.authorization.k8s.io/v1alpha1 ClusterRoleBinding":                  "Pluto says 1.22; CHANGELOG-1.23 (#104248) records the removal of rbac.authorization.k8s.io/v1alpha1 in 1.23",
	"pluto rbac.authorization.k8s.io/v1alpha1 Role":                                "Pluto says 1.22; CHANGELOG-1.23 (#104248) records the removal of rbac.authorization.k8s.io/v1alpha1 in 1.23",
	"pluto rbac.authorization.k8s.io/v1alpha1 RoleBinding":                         "Pluto says 1.22; CHANGELOG-1.23 (#104248) records the removal of rbac.authorization.k8s.io/v1alpha1 in 1.23",
	"pluto admissionregistration.k8s.io/v1alpha1 ValidatingAdmissionPolicy":        "Pluto says 1.33; k8s.io/api admissionregistration/v1alpha1 APILifecycleRemoved is 1.32, and kube-apiserver stops serving at that minor (k8s.io/apiserver pkg/server/deleted_kinds.go ShouldServeForVersion)",
	"pluto admissionregistration.k8s.io/v1alpha1 ValidatingAdmissionPolicyBinding": "Pluto says 1.33; k8s.io/api admissionregistration/v1alpha1 APILifecycleRemoved is 1.32, and kube-apiserver stops serving at that minor (k8s.io/apiserver pkg/server/deleted_kinds.go ShouldServeForVersion)",
	"pluto resource.k8s.io/v1beta1 DeviceClass":                                    "Pluto says 1.36; k8s.io/api@v0.37 resource/v1beta1 APILifecycleRemoved is 1.38 and v0.37 still registers it",
	"pluto resource.k8s.io/v1beta1 ResourceClaim":                                  "Pluto says 1.36; k8s.io/api@v0.37 resource/v1beta1 APILifecycleRemoved is 1.38 and v0.37 still registers it",
	"pluto resource.k8s.io/v1beta1 ResourceClaimTemplate":                          "Pluto says 1.36; k8s.io/api@v0.37 resource/v1beta1 APILifecycleRemoved is 1.38 and v0.37 still registers it",
	"pluto resource.k8s.io/v1beta1 ResourceSlice":                                  "Pluto says 1.36; k8s.io/api@v0.37 resource/v1beta1 APILifecycleRemoved is 1.38 and v0.37 still registers it",
	"pluto storage.k8s.io/v1beta1 VolumeAttributesClass":                           "Pluto names no removal; k8s.io/api storage/v1beta1 APILifecycleRemoved is 1.37",
}

func readPluto(t *testing.T, path string) []peerAPI {
	t.Helper()
	var doc struct {
		Versions []struct {
			Version   string `json:"version"`
			Kind      string `json:"kind"`
			RemovedIn string `json:"removed-in"`
			Component string `json:"component"`
		} `json:"deprecated-versions"`
	}
	readPeerJSON(t, path, &doc)
	var out []peerAPI
	for _, v := range doc.Versions {
		if v.Component != "k8s" {
			continue // cert-manager, istio: add-ons, not Kubernetes
		}
		removed := ""
		if v.RemovedIn != "" {
			m, err := ParseMinor(v.RemovedIn)
			if err != nil {
				t.Fatalf("%s: %s %s: %v", path, v.Version, v.Kind, err)
			}
			removed = m.String()
		}
		out = append(out, peerAPI{peer: "pluto", apiVersion: v.Version, kind: v.Kind, removedIn: removed})
	}
	return out
}

func readKubent(t *testing.T, path string) []peerAPI {
	t.Helper()
	var rules []struct {
		Kind       string  `json:"kind"`
		APIVersion string  `json:"apiVersion"`
		RemovedIn  *string `json:"removedIn"`
	}
	readPeerJSON(t, path, &rules)
	var out []peerAPI
	for _, r := range rules {
		removed := ""
		if r.RemovedIn != nil {
			removed = *r.RemovedIn
		}
		out = append(out, peerAPI{peer: "kubent", apiVersion: r.APIVersion, kind: r.Kind, removedIn: removed})
	}
	return out
}

func readPeerJSON(t *testing.T, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		t.Skipf("%s absent: the shared peer tables are not beside the repository", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// peerDifference says how the knowledge base differs from a peer entry, or "" when it
// agrees.
func peerDifference(kb *KB, p peerAPI) string {
	a := kb.API(apiTestGVK(p.apiVersion, objectKind(p.kind)))
	if a == nil {
		return "unknown to the knowledge base"
	}
	got := ""
	if a.RemovedIn != nil {
		got = a.RemovedIn.String()
	}
	if got != p.removedIn {
		return fmt.Sprintf("removed in %q, knowledge base says %q", p.removedIn, got)
	}
	return ""
}

// TestPeerAPITables compares the knowledge base with two peers' tables of deprecated APIs.
// Every difference must be fixed or explained in peerExplained/peerOutOfScope.
func TestPeerAPITables(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "reference")
	kb := apiTestKB(t)
	peers := append(readPluto(t, filepath.Join(dir, "pluto-versions.json")), readKubent(t, filepath.Join(dir, "kubent-rules.json"))...)
	if len(peers) == 0 {
		t.Fatal("no peer entries read")
	}
	var unexplained []string
	used := map[string]bool{}
	for _, p := range peers {
		group, _, _ := strings.Cut(p.apiVersion, "/")
		if _, ok := peerOutOfScope[group]; ok {
			continue
		}
		diff := peerDifference(kb, p)
		if diff == "" {
			continue
		}
		if why, ok := peerExplained[p.key()]; ok {
			used[p.key()] = true
			t.Logf("%s %s %s: %s — explained: %s", p.peer, p.apiVersion, p.kind, diff, why)
			continue
		}
		unexplained = append(unexplained, fmt.Sprintf("%s %s %s: %s", p.peer, p.apiVersion, p.kind, diff))
	}
	sort.Strings(unexplained)
	for _, u := range unexplained {
		t.Errorf("unexplained difference: %s", u)
	}
	// An explanation that no longer matches a difference is stale: the peer or the
	// knowledge base changed, and the table must say so.
	for k := range peerExplained {
		if !used[k] {
			t.Errorf("peerExplained[%q] explains no current difference", k)
		}
	}
}
