// Package inventory is the plain data the scanners collect and the rules read: API
// objects, component command lines and configs, nodes, and where each came from.
// It does no I/O.
package inventory

import (
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

// Source is where a fact was read: file and line (relative to the input given) and/or an object.
type Source = findings.Source

// Inventory is everything collected from the inputs of one run.
type Inventory struct {
	Objects    []*Object
	Components []*Component
	Nodes      []*Node
	// Kubeadm is the cluster's kubeadm ClusterConfiguration, when one was found.
	Kubeadm *KubeadmConfig
	// APIUses is evidence that clients use an API version, not tied to one object: the
	// apiserver_requested_deprecated_apis metric, audit log lines.
	APIUses []APIUse
	// PromQueries are PromQL expressions from rule files, dashboards and live rules.
	PromQueries []PromQuery
	// ScrapeTargets are scrape configs, monitors and live targets.
	ScrapeTargets []ScrapeTarget
	// ServerVersion is the API server's version (live cluster or snapshot.yaml), "" if unknown.
	ServerVersion string
	// CollectedAt is when a snapshot was collected (snapshot.yaml collectedAt, RFC 3339), "" if unknown.
	CollectedAt string
	// Inputs describes what was read ("snapshot testdata/demo", "3 manifest files").
	Inputs []string
	// InputErrors are inputs that could not be read in part; the rest is still checked.
	InputErrors []InputError
	// Unchecked lists what could not be examined and why.
	Unchecked []findings.Unchecked

	objIndex objectIndex
	// ServingCerts are webhook serving certificates from Secrets, DIR/certs and TLS probes.
	ServingCerts []ServingCert
	// ImageChecks are the registry's answers for the planned images (--registry-check).
	ImageChecks []ImageCheck
}

// Origin tells how an object reached the inventory, which decides what its apiVersion proves.
type Origin string

const (
	// FromManifest: a file the user gave with -f; its written apiVersion is what will be applied.
	FromManifest Origin = "manifest"
	// FromCluster: read from a cluster (live or snapshot); the server converts, so the version
	// it was read in proves nothing by itself.
	FromCluster Origin = "cluster"
	// FromHelm: a manifest inside a Helm release record.
	FromHelm Origin = "helm"
)

// Object is one API object.
type Object struct {
	APIVersion string
	Kind       string
	Namespace  string
	Name       string
	Origin     Origin
	// Source: file and line of the apiVersion field (or document start), and the object ref.
	Source Source
	// Body is the decoded object. For -f manifests (FromManifest) whose kind no rule reads
	// beyond its header (see bodyKinds in package scanner), Body holds only apiVersion,
	// kind and metadata.name/namespace, and Node is nil: a rule that reads more of a kind
	// must add it there (TestBodyKindsCoverReaders checks kinds named in rules).
	Body map[string]any
	// Node is the YAML document it was decoded from, when read from a file: for field lines.
	Node *yaml.Node
	// Uses are evidence of the API versions clients wrote this object in (last-applied
	// annotation, managedFields, Helm release manifests).
	Uses []APIUse
}

// Ref returns the object's reference.
func (o *Object) Ref() *findings.ObjectRef {
	return &findings.ObjectRef{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name}
}

// Group returns the API group of the object's apiVersion ("" for core).
func (o *Object) Group() string {
	g, _ := SplitAPIVersion(o.APIVersion)
	return g
}

// SplitAPIVersion splits "apps/v1" into "apps", "v1" and "v1" into "", "v1".
func SplitAPIVersion(apiVersion string) (group, version string) {
	for i := 0; i < len(apiVersion); i++ {
		if apiVersion[i] == '/' {
			return apiVersion[:i], apiVersion[i+1:]
		}
	}
	return "", apiVersion
}

// APIUse is evidence that something writes or calls an API version.
type APIUse struct {
	APIVersion string
	Kind       string
	// Resource is set where evidence names a resource rather than a kind (metrics, audit).
	Resource string
	// How is the kind of evidence: "manifest", "last-applied-configuration",
	// "managedFields", "helm-release", "apiserver_requested_deprecated_apis", "audit-log".
	How string
	// Detail: manager, operation and time for managedFields; release and revision for Helm;
	// user and user agent for audit lines.
	Detail string
	// Stale marks a managedFields entry superseded by a later write of the same manager in
	// a newer version.
	Stale  bool
	Source Source
}

// Component is one component's configuration as one source states it: a static pod, a
// kubelet unit, a kubeadm extraArgs block, a config file.
type Component struct {
	// Name: kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, kubelet, etcd.
	Name string
	// Node the configuration lives on, "" for cluster-wide (kubeadm-config, ConfigMaps).
	Node string
	// Kind of source: static-pod, mirror-pod, kubelet-unit, kubeadm-extra-args,
	// kubelet-config, kube-proxy-config.
	Kind   string
	Source Source
	// Flags in command-line order, each with the file and line it came from.
	Flags        []Flag
	FeatureGates []GateSetting
	Env          []EnvVar
	Image        string
	// Config is a decoded config file (KubeletConfiguration, KubeProxyConfiguration), if any.
	Config map[string]any
}

// Flag is one flag occurrence: --name=value.
type Flag struct {
	Name     string // without dashes
	Value    string
	HasValue bool
	Source   Source
}

// FlagValue returns the last value given for a flag (the one that wins) and whether it was set.
func (c *Component) FlagValue(name string) (string, bool) {
	v, ok := "", false
	for _, f := range c.Flags {
		if f.Name == name {
			v, ok = f.Value, true
		}
	}
	return v, ok
}

// GateSetting is one feature gate set to a value, in a --feature-gates flag or a
// featureGates config field.
type GateSetting struct {
	Name    string
	Enabled bool
	// Via is "--feature-gates" or "featureGates".
	Via    string
	Source Source
}

// EnvVar is one environment variable of a component (container env, systemd Environment=).
type EnvVar struct {
	Name   string
	Value  string
	Source Source
}

// Node is a cluster node as its Node object describes it.
type Node struct {
	Name             string
	KubeletVersion   string
	ContainerRuntime string
	ControlPlane     bool
	Source           Source
}

// KubeadmConfig is the cluster's kubeadm ClusterConfiguration.
type KubeadmConfig struct {
	APIVersion        string
	KubernetesVersion string
	ImageRepository   string
	// DNSImageRepository/DNSImageTag override CoreDNS's image (dns.imageRepository).
	DNSImageRepository  string
	DNSImageTag         string
	EtcdImageRepository string
	// FeatureGates are kubeadm's own gates (not the components').
	FeatureGates map[string]bool
	Source       Source
}

// InputError is an input that could not be read, in whole or in part.
type InputError struct {
	Source  Source
	Message string
}

// ObjectsOfKind returns the objects of one kind (any group).
func (inv *Inventory) ObjectsOfKind(kind string) []*Object {
	return inv.index().byKind[kind]
}

// Object returns the object of kind in namespace/name, or nil.
func (inv *Inventory) Object(kind, namespace, name string) *Object {
	return inv.index().byKey[objectKey{kind, namespace, name}]
}

type objectKey struct{ kind, namespace, name string }

// objectIndex serves the rules' lookups by kind and by name: rules run per hop and per
// subject, and a linear scan per lookup made large inputs quadratic.
type objectIndex struct {
	mu     sync.Mutex
	n      int // len(Objects) the index was built for
	built  bool
	byKind map[string][]*Object
	byKey  map[objectKey]*Object
}

// index returns the lookup tables, rebuilt when objects were added since; safe for the
// concurrent reads of the rule engine.
func (inv *Inventory) index() *objectIndex {
	ix := &inv.objIndex
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.built && ix.n == len(inv.Objects) {
		return ix
	}
	ix.byKind = make(map[string][]*Object)
	ix.byKey = make(map[objectKey]*Object, len(inv.Objects))
	for _, o := range inv.Objects {
		ix.byKind[o.Kind] = append(ix.byKind[o.Kind], o)
		k := objectKey{o.Kind, o.Namespace, o.Name}
		if _, dup := ix.byKey[k]; !dup {
			ix.byKey[k] = o // the first wins, as the linear scan did
		}
	}
	ix.n, ix.built = len(inv.Objects), true
	return ix
}

// ComponentsNamed returns the configurations of one component.
func (inv *Inventory) ComponentsNamed(name string) []*Component {
	var out []*Component
	for _, c := range inv.Components {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}
