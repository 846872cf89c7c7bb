package knowledge

// The fact types below are the shape of the embedded data (data/*.json) and of
// `upgrade-lint knowledge export`. Versions encode as "1.19"; absent values as null.
// Every fact carries Source: where upstream states it, as
// "module@version/path:line" for generated facts, or a CHANGELOG line / PR URL for
// hand-kept rows.

// GroupVersionKind names an API type. Group is "" for the core group.
type GroupVersionKind struct {
	Group   string `json:"group"`
	Version string `json:"version"`
	Kind    string `json:"kind"`
}

// APIVersion is the apiVersion string as written in manifests: "apps/v1", "v1".
func (g GroupVersionKind) APIVersion() string {
	if g.Group == "" {
		return g.Version
	}
	return g.Group + "/" + g.Version
}

func (g GroupVersionKind) String() string { return g.APIVersion() + " " + g.Kind }

// API is the lifecycle of one group/version/kind.
type API struct {
	GroupVersionKind
	IntroducedIn *Minor `json:"introducedIn"`
	DeprecatedIn *Minor `json:"deprecatedIn"`
	RemovedIn    *Minor `json:"removedIn"`
	// Replacement is what upstream names as the successor (APILifecycleReplacement), if anything.
	Replacement *GroupVersionKind `json:"replacement"`
	// ServedByDefault is false for alpha versions and for betas introduced from 1.24 on,
	// which an API server does not serve unless --runtime-config enables them.
	ServedByDefault bool   `json:"servedByDefault"`
	Source          string `json:"source"`
}

// GateStage is one stretch of minors [From, To] (inclusive) in which a gate had the same
// stage, default and lock.
type GateStage struct {
	Stage   string `json:"stage"` // ALPHA, BETA, GA, DEPRECATED
	Default bool   `json:"default"`
	Locked  bool   `json:"locked"`
	From    Minor  `json:"from"`
	To      Minor  `json:"to"`
}

// Gate is a feature gate across all minors in the knowledge base.
type Gate struct {
	Name   string      `json:"name"`
	Stages []GateStage `json:"stages"`
	// RemovedIn is the first minor whose components no longer know the gate: setting it
	// there makes the component refuse to start.
	RemovedIn *Minor `json:"removedIn"`
	// Components lists the binaries that register the gate, where the source says so
	// (e.g. a gate of k8s.io/apiserver is known to kube-apiserver).
	Components []string `json:"components,omitempty"`
	// ComponentRemovals lists components that stopped knowing the gate before RemovedIn
	// (a gate of k8s.io/apiextensions-apiserver no longer relisted in pkg/features is
	// refused by the kubelet while kube-apiserver still accepts it).
	ComponentRemovals []GateRemoval `json:"componentRemovals,omitempty"`
	Source            string        `json:"source"`
}

// GateRemoval is the first minor in which one component refuses a gate.
type GateRemoval struct {
	Component string `json:"component"`
	RemovedIn Minor  `json:"removedIn"`
}

// ValueConstraint restricts a flag's value from a minor on: outside Allowed the
// component refuses to start (or ignores the value, as Note says).
type ValueConstraint struct {
	From    Minor    `json:"from"`
	Allowed []string `json:"allowed"`
	Note    string   `json:"note"`
	Source  string   `json:"source"`
}

// Flag is one command-line flag of one component.
type Flag struct {
	Component    string `json:"component"` // kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, kubelet
	Name         string `json:"name"`      // without dashes: "allow-privileged"
	IntroducedIn *Minor `json:"introducedIn"`
	DeprecatedIn *Minor `json:"deprecatedIn"`
	RemovedIn    *Minor `json:"removedIn"`
	// DeprecationMessage is the text upstream passes to MarkDeprecated, newest first seen.
	DeprecationMessage string            `json:"deprecationMessage,omitempty"`
	Constraints        []ValueConstraint `json:"constraints,omitempty"`
	Source             string            `json:"source"`
}

// AdmissionPlugin is one kube-apiserver admission plugin.
type AdmissionPlugin struct {
	Name         string `json:"name"`
	IntroducedIn *Minor `json:"introducedIn"`
	RemovedIn    *Minor `json:"removedIn"`
	// DefaultOnFrom/DefaultOnUntil bound the minors in which the plugin is enabled by
	// default ([from, until)); nil From means never default-on.
	DefaultOnFrom  *Minor `json:"defaultOnFrom"`
	DefaultOnUntil *Minor `json:"defaultOnUntil"`
	Source         string `json:"source"`
}

// ImageSet is what kubeadm of one minor (its latest patch) deploys.
type ImageSet struct {
	Minor             Minor  `json:"minor"`
	KubernetesVersion string `json:"kubernetesVersion"` // v1.21.14
	// Repository is kubeadm's default imageRepository for the minor.
	Repository string `json:"repository"`
	Etcd       string `json:"etcd"`    // tag, e.g. 3.4.13-0
	CoreDNS    string `json:"coredns"` // tag as kubeadm writes it: 1.6.2, v1.8.0
	Pause      string `json:"pause"`   // tag, e.g. 3.4.1
	// CoreDNSImagePath is the image path under the default repository ("coredns" or
	// "coredns/coredns"); kubeadm 1.21+ uses the nested path only under the default repository.
	CoreDNSImagePath string `json:"corednsImagePath"`
	// KubeadmAPIVersions are the kubeadm.k8s.io config versions this kubeadm accepts.
	KubeadmAPIVersions []string `json:"kubeadmAPIVersions"`
	Source             string   `json:"source"`
}

// Release is one Kubernetes minor release.
type Release struct {
	Minor       Minor  `json:"minor"`
	LatestPatch string `json:"latestPatch"` // v1.21.14
	// ReadFrom is the patch whose sources the generator read, when LatestPatch could not be
	// downloaded (the module proxy refuses some versions).
	ReadFrom    string `json:"readFrom,omitempty"`
	ReleaseDate string `json:"releaseDate,omitempty"` // of x.y.0, YYYY-MM-DD, where known
	// GoVersion is the Go toolchain the latest patch was built with (from its build files).
	GoVersion string `json:"goVersion"`
	// GoVersionAtRelease is the Go toolchain x.y.0 was built with: patches of a minor may
	// move to a newer Go (1.23.0 was built with Go 1.17, its last patch with a later one).
	GoVersionAtRelease string `json:"goVersionAtRelease,omitempty"`
	// KubeletSkew is how many minors a kubelet may lag the API server under this minor's
	// version-skew policy.
	KubeletSkew int    `json:"kubeletSkew"`
	Source      string `json:"source"`
}
