package knowledge

// AddonSet is what kubeadm of one minor deploys as its CoreDNS Deployment and kube-proxy
// DaemonSet: the container resources a LimitRange or ResourceQuota judges, and the
// readiness probe CoreDNS must answer.
type AddonSet struct {
	Minor     Minor    `json:"minor"`
	CoreDNS   AddonPod `json:"coredns"`
	KubeProxy AddonPod `json:"kubeProxy"`
	// PortZero lists the control-plane components kubeadm starts with --port=0 (their
	// insecure HTTP port 10251/10252 disabled), with where kubeadm writes it.
	PortZero []ComponentFlag `json:"portZero,omitempty"`
	// KubeProxyModes are the Linux proxy modes kube-proxy's config validation accepts
	// (besides "", its default); any other mode makes kube-proxy exit at start.
	KubeProxyModes       []string `json:"kubeProxyModes"`
	KubeProxyModesSource string   `json:"kubeProxyModesSource"`
	Source               string   `json:"source"`
}

// ComponentFlag is one flag kubeadm writes into a component's static pod.
type ComponentFlag struct {
	Component string `json:"component"`
	Source    string `json:"source"`
}

// AddonPod is one add-on's pod template as kubeadm writes it.
type AddonPod struct {
	Kind      string `json:"kind"` // Deployment, DaemonSet
	Container string `json:"container"`
	// Requests and Limits are the container's resources ("cpu": "100m"); nil when unset.
	Requests map[string]string `json:"requests"`
	Limits   map[string]string `json:"limits"`
	// ReadinessPath and ReadinessPort are the readiness probe's HTTP GET, "" and 0 if none.
	ReadinessPath string `json:"readinessPath,omitempty"`
	ReadinessPort int    `json:"readinessPort,omitempty"`
	Source        string `json:"source"`
}

// AddonsAt returns what kubeadm of minor m deploys, or nil.
func (kb *KB) AddonsAt(m Minor) *AddonSet {
	for i := range kb.Addons {
		if kb.Addons[i].Minor == m {
			return &kb.Addons[i]
		}
	}
	return nil
}
