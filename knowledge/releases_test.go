package knowledge

import "testing"

// Facts about releases that upstream states and the generator must reproduce.
func TestReleaseFacts(t *testing.T) {
	generatedData(t, "releases.json")
	kb := MustDefault()
	tests := []struct {
		minor              Minor
		latestPatch        string
		goVersionAtRelease string // major.minor of Go that built x.y.0
		kubeletSkew        int
	}{
		{V(14), "v1.14.10", "1.12", 2},
		{V(18), "v1.18.20", "1.13", 2},
		{V(19), "v1.19.16", "1.15", 2}, // Go 1.15: the legacy Common Name is no longer honoured
		{V(21), "v1.21.14", "1.16", 2},
		{V(23), "v1.23.17", "1.17", 2}, // Go 1.17: GODEBUG=x509ignoreCN=0 no longer works
		{V(24), "v1.24.17", "1.18", 2}, // Go 1.18: SHA-1 signed certificates rejected
		{V(27), "v1.27.16", "1.20", 2},
		{V(28), "v1.28.15", "1.20", 3}, // KEP-3935: kubelets may lag three minors
		{V(37), "v1.37.2", "1.26", 3},
	}
	for _, tt := range tests {
		t.Run(tt.minor.String(), func(t *testing.T) {
			r := kb.Release(tt.minor)
			if r == nil {
				t.Fatal("no release")
			}
			if r.LatestPatch != tt.latestPatch {
				t.Errorf("latest patch %s, want %s", r.LatestPatch, tt.latestPatch)
			}
			if got := goMinor(r.GoVersionAtRelease); got != tt.goVersionAtRelease {
				t.Errorf("x.y.0 built with Go %s (%s), want %s", got, r.GoVersionAtRelease, tt.goVersionAtRelease)
			}
			if r.KubeletSkew != tt.kubeletSkew {
				t.Errorf("kubelet skew %d, want %d", r.KubeletSkew, tt.kubeletSkew)
			}
		})
	}
}

// The Go toolchain only moves forward from one minor's x.y.0 to the next.
func TestGoAtReleaseNeverGoesBack(t *testing.T) {
	generatedData(t, "releases.json")
	kb := MustDefault()
	var prev Minor
	for m := Oldest; !Newest.Less(m); m = m.Next() {
		r := kb.Release(m)
		if r == nil || r.GoVersionAtRelease == "" {
			continue
		}
		g, err := ParseMinor(r.GoVersionAtRelease)
		if err != nil {
			t.Fatalf("%s: %v", m, err)
		}
		if g.Less(prev) {
			t.Errorf("%s.0 was built with Go %s, older than Go %s of the minor before", m, r.GoVersionAtRelease, prev)
		}
		prev = g
	}
}

// A release read from an older patch than its latest says so.
func TestReleaseReadFrom(t *testing.T) {
	generatedData(t, "releases.json")
	r := MustDefault().Release(V(37))
	if r == nil || r.ReadFrom == "" || r.ReadFrom == r.LatestPatch {
		t.Fatalf("1.37: want ReadFrom to name the patch read instead of the refused %v", r)
	}
}

func goMinor(v string) string {
	m, err := ParseMinor(v)
	if err != nil {
		return ""
	}
	return m.String()
}
