package knowledge

import (
	"strings"
	"testing"
)

// The pinned removals are announced in upstream CHANGELOGs (for the flag twins):
// CHANGELOG-1.15.md "The deprecated flag `--conntrack-max` has been removed from kube-proxy"
// (#78399) and CHANGELOG-1.16.md "the `--resource-container` flag has been removed from
// kube-proxy" (#78294).
func TestProxyConfigFieldFacts(t *testing.T) {
	generatedData(t, "proxyconfig.json")
	kb := MustDefault()
	tests := []struct {
		path             string
		lastWith, absent Minor
		replacedBy       string
	}{
		{"conntrack.max", V(14), V(15), "conntrack.min and conntrack.maxPerCore"},
		{"resourceContainer", V(15), V(16), ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			f := kb.ProxyConfigField(tt.path)
			if f == nil {
				t.Fatal("unknown field")
			}
			if !f.ExistsAt(tt.lastWith) || f.ExistsAt(tt.absent) {
				t.Errorf("exists at %s: %v, at %s: %v; want true, false", tt.lastWith, f.ExistsAt(tt.lastWith), tt.absent, f.ExistsAt(tt.absent))
			}
			if f.ReplacedBy != tt.replacedBy {
				t.Errorf("replacedBy %q, want %q", f.ReplacedBy, tt.replacedBy)
			}
			if !strings.Contains(f.Source, "types.go:") {
				t.Errorf("source %q names no declaration", f.Source)
			}
		})
	}
	// clientConnection's fields moved to a shared type in 1.12: not a removal.
	if f := kb.ProxyConfigField("clientConnection.kubeconfig"); !f.ExistsAt(V(37)) {
		t.Errorf("clientConnection.kubeconfig reported gone: %+v", f)
	}
	// Fields that arrived later do not exist before.
	if f := kb.ProxyConfigField("nftables.masqueradeAll"); f.ExistsAt(V(28)) || !f.ExistsAt(V(29)) {
		t.Errorf("nftables.masqueradeAll: %+v", f)
	}
}

// CHANGELOG-1.17.md: "kube-proxy: a configuration file specified via `--config` is now loaded
// with strict deserialization" (#82927); the same loadConfig falls back to lenient decoding
// for v1alpha1, so an unknown field never stops kube-proxy.
func TestProxyConfigDecoding(t *testing.T) {
	generatedData(t, "proxyconfig-decoding.json")
	kb := MustDefault()
	if len(kb.ProxyConfigDecoding) != 1 || kb.ProxyConfigDecoding[0].StrictSince != V(17) {
		t.Fatalf("decoding facts %+v, want strict since 1.17", kb.ProxyConfigDecoding)
	}
	for _, m := range []Minor{V(16), V(17), V(37)} {
		if rejects, _ := kb.ProxyConfigRejectsUnknown(m); rejects {
			t.Errorf("%s: kube-proxy said to reject unknown v1alpha1 fields", m)
		}
	}
	if _, src := kb.ProxyConfigRejectsUnknown(V(20)); !strings.Contains(src, "cmd/kube-proxy/app/server.go:") {
		t.Errorf("1.20 decoding source %q", src)
	}
}
