package knowledge

// ProxyConfigField is one JSON field path of kube-proxy's KubeProxyConfiguration
// (kubeproxy.config.k8s.io/v1alpha1), nested structs joined by dots ("iptables.masqueradeAll").
type ProxyConfigField struct {
	Path string `json:"path"`
	// IntroducedIn is the first minor that has the field; nil when the oldest known minor has it.
	IntroducedIn *Minor `json:"introducedIn,omitempty"`
	// RemovedIn is the first minor without the field again; nil while it exists.
	RemovedIn *Minor `json:"removedIn,omitempty"`
	// ReplacedBy names what upstream says to set instead, "" when it names nothing.
	ReplacedBy string `json:"replacedBy,omitempty"`
	// Source is the field's declaration in the last minor that has it.
	Source string `json:"source"`
}

// ProxyConfigDecoding is how kube-proxy decodes its --config file, from which minor.
type ProxyConfigDecoding struct {
	// StrictSince is the first minor that decodes strictly (unknown fields are an error).
	StrictSince Minor `json:"strictSince"`
	// StrictSource is the line that decodes strictly: the item's source.
	StrictSource string `json:"source"`
	// LenientFallbackSince is the first minor that, when strict decoding fails, decodes
	// v1alpha1 leniently again and only logs a warning; nil when none does.
	LenientFallbackSince  *Minor `json:"lenientFallbackSince,omitempty"`
	LenientFallbackSource string `json:"lenientFallbackSource,omitempty"`
}

// ProxyConfigField returns a KubeProxyConfiguration field by path, or nil when no minor has it.
func (kb *KB) ProxyConfigField(path string) *ProxyConfigField {
	for i := range kb.ProxyConfigFields {
		if kb.ProxyConfigFields[i].Path == path {
			return &kb.ProxyConfigFields[i]
		}
	}
	return nil
}

// ExistsAt reports whether kube-proxy of minor m has the field.
func (f *ProxyConfigField) ExistsAt(m Minor) bool {
	return f != nil && (f.IntroducedIn == nil || !m.Less(*f.IntroducedIn)) && !Before(f.RemovedIn, m)
}

// ProxyConfigRejectsUnknown reports whether kube-proxy of minor m refuses to start on a
// v1alpha1 config file with a field it does not know (rather than ignoring it), and the
// upstream line that says so.
func (kb *KB) ProxyConfigRejectsUnknown(m Minor) (bool, string) {
	for _, d := range kb.ProxyConfigDecoding {
		if d.LenientFallbackSince != nil && !m.Less(*d.LenientFallbackSince) {
			return false, d.LenientFallbackSource
		}
		if !m.Less(d.StrictSince) {
			return true, d.StrictSource
		}
	}
	return false, ""
}
