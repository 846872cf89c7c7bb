package knowledge

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"
)

// The tests in this file validate the embedded data as a whole, whoever generated it: a
// file whose header still says "placeholder" is skipped, anything else must hold.

// generatedData reads a data file's envelope and skips the test while the file is a
// placeholder.
func generatedData(t *testing.T, name string) DataFile[json.RawMessage] {
	t.Helper()
	b, err := dataFS.ReadFile("data/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var f DataFile[json.RawMessage]
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("data/%s: %v", name, err)
	}
	if strings.HasPrefix(f.Generated, "placeholder") {
		t.Skipf("data/%s is still a placeholder", name)
	}
	return f
}

// TestDataFilesAreGeneratedWithSources holds every data file, including ones added after
// this test: a DO NOT EDIT header, the inputs read, items that decode without unknown
// fields into their fact type, and a source on every item.
func TestDataFilesAreGeneratedWithSources(t *testing.T) {
	types := map[string]func() any{
		"apis.json":      func() any { return &API{} },
		"gates.json":     func() any { return &Gate{} },
		"flags.json":     func() any { return &Flag{} },
		"admission.json": func() any { return &AdmissionPlugin{} },
		"images.json":    func() any { return &ImageSet{} },
		"releases.json":  func() any { return &Release{} },
	}
	names, err := fs.Glob(dataFS, "data/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for name := range types {
		if !slices.Contains(names, "data/"+name) {
			t.Errorf("data/%s is missing", name)
		}
	}
	for _, full := range names {
		name := path.Base(full)
		t.Run(name, func(t *testing.T) {
			f := generatedData(t, name)
			if !strings.Contains(f.Generated, "DO NOT EDIT") {
				t.Errorf("header %q lacks DO NOT EDIT", f.Generated)
			}
			if len(f.Inputs) == 0 {
				t.Error("no inputs recorded: the data cannot be reproduced")
			}
			if len(f.Items) == 0 {
				t.Error("no items")
			}
			for i, raw := range f.Items {
				var fields map[string]any
				if err := json.Unmarshal(raw, &fields); err != nil {
					t.Fatalf("item %d: %v", i, err)
				}
				if s, _ := fields["source"].(string); strings.TrimSpace(s) == "" {
					t.Errorf("item %d has no source: %s", i, truncate(raw))
				}
				if newFact, ok := types[name]; ok {
					dec := json.NewDecoder(bytes.NewReader(raw))
					dec.DisallowUnknownFields()
					if err := dec.Decode(newFact()); err != nil {
						t.Errorf("item %d does not match its fact type: %v: %s", i, err, truncate(raw))
					}
				}
			}
		})
	}
}

func TestReleasesCoverEveryMinor(t *testing.T) {
	generatedData(t, "releases.json")
	kb := MustDefault()
	for m := Oldest; !Newest.Less(m); m = m.Next() {
		r := kb.Release(m)
		if r == nil {
			t.Errorf("%s: no release", m)
			continue
		}
		latest, patch, err := ParseVersion(r.LatestPatch)
		if err != nil || latest != m || patch < 0 {
			t.Errorf("%s: latest patch %q is not a patch of %s (%v)", m, r.LatestPatch, m, err)
		}
		if r.ReadFrom != "" {
			read, readPatch, err := ParseVersion(r.ReadFrom)
			if err != nil || read != m || readPatch >= patch {
				t.Errorf("%s: read from %q, which is not an older patch of %s", m, r.ReadFrom, r.LatestPatch)
			}
		}
		for _, goVersion := range []string{r.GoVersion, r.GoVersionAtRelease} {
			if goVersion == "" {
				continue
			}
			if gm, _, err := ParseVersion(goVersion); err != nil || gm.Major != 1 {
				t.Errorf("%s: Go version %q does not parse", m, goVersion)
			}
		}
		if r.GoVersion == "" {
			t.Errorf("%s: no Go version", m)
		}
		if r.KubeletSkew < 1 {
			t.Errorf("%s: kubelet skew %d", m, r.KubeletSkew)
		}
	}
	if len(kb.Releases) != Newest.Sub(Oldest)+1 {
		t.Errorf("%d releases, want one per minor %s..%s", len(kb.Releases), Oldest, Newest)
	}
}

func TestImagesCoverEveryMinor(t *testing.T) {
	generatedData(t, "images.json")
	kb := MustDefault()
	for m := Oldest; !Newest.Less(m); m = m.Next() {
		s := kb.ImageSetAt(m)
		if s == nil {
			t.Errorf("%s: no image set", m)
			continue
		}
		if s.Repository == "" || s.Etcd == "" || s.CoreDNS == "" || len(s.KubeadmAPIVersions) == 0 {
			t.Errorf("%s: incomplete image set %+v", m, *s)
		}
		if v, _, err := ParseVersion(s.KubernetesVersion); err != nil || v != m {
			t.Errorf("%s: kubernetes version %q is not of %s", m, s.KubernetesVersion, m)
		}
		for _, gv := range s.KubeadmAPIVersions {
			version, ok := strings.CutPrefix(gv, "kubeadm.k8s.io/")
			if !ok || VersionPriority(version) < 0 {
				t.Errorf("%s: kubeadm API version %q", m, gv)
			}
		}
	}
}

var gateStages = map[string]bool{"ALPHA": true, "BETA": true, "GA": true, "DEPRECATED": true}

func TestGatesAreConsistent(t *testing.T) {
	generatedData(t, "gates.json")
	kb := MustDefault()
	seen := map[string]bool{}
	for _, g := range kb.Gates {
		if g.Name == "" || seen[g.Name] {
			t.Errorf("gate %q: empty or duplicate name", g.Name)
		}
		seen[g.Name] = true
		if len(g.Stages) == 0 {
			t.Errorf("gate %s: no stages", g.Name)
		}
		for i, s := range g.Stages {
			if !gateStages[s.Stage] {
				t.Errorf("gate %s: unknown stage %q", g.Name, s.Stage)
			}
			if s.To.Less(s.From) || s.From.Less(Oldest) || Newest.Less(s.To) {
				t.Errorf("gate %s: stage %s..%s out of order or outside %s..%s", g.Name, s.From, s.To, Oldest, Newest)
			}
			if i > 0 && !g.Stages[i-1].To.Less(s.From) {
				t.Errorf("gate %s: stages %s..%s and %s..%s overlap", g.Name, g.Stages[i-1].From, g.Stages[i-1].To, s.From, s.To)
			}
			// Present and removed in one minor is a contradiction.
			if g.RemovedIn != nil && !s.To.Less(*g.RemovedIn) {
				t.Errorf("gate %s: present until %s but removed in %s", g.Name, s.To, g.RemovedIn)
			}
		}
	}
}

func TestAPIsAreConsistent(t *testing.T) {
	generatedData(t, "apis.json")
	kb := MustDefault()
	seen := map[GroupVersionKind]bool{}
	for _, a := range kb.APIs {
		if a.Kind == "" || VersionPriority(a.Version) < 0 || seen[a.GroupVersionKind] {
			t.Errorf("API %s: bad version or kind, or duplicate", a.GroupVersionKind)
		}
		seen[a.GroupVersionKind] = true
		checkOrder(t, a.GroupVersionKind.String(), a.IntroducedIn, a.DeprecatedIn, a.RemovedIn)
	}
	for _, a := range kb.APIs {
		if a.Replacement != nil && kb.API(*a.Replacement) == nil {
			t.Errorf("API %s: replacement %s is unknown", a.GroupVersionKind, *a.Replacement)
		}
	}
}

var flagComponents = map[string]bool{
	"kube-apiserver": true, "kube-controller-manager": true, "kube-scheduler": true, "kube-proxy": true, "kubelet": true,
}

func TestFlagsAreConsistent(t *testing.T) {
	generatedData(t, "flags.json")
	kb := MustDefault()
	seen := map[[2]string]bool{}
	for _, f := range kb.Flags {
		key := [2]string{f.Component, f.Name}
		if !flagComponents[f.Component] || f.Name == "" || strings.HasPrefix(f.Name, "-") || seen[key] {
			t.Errorf("flag %s/%s: unknown component, bad name or duplicate", f.Component, f.Name)
		}
		seen[key] = true
		checkOrder(t, f.Component+" --"+f.Name, f.IntroducedIn, f.DeprecatedIn, f.RemovedIn)
	}
}

func TestAdmissionPluginsAreConsistent(t *testing.T) {
	generatedData(t, "admission.json")
	kb := MustDefault()
	seen := map[string]bool{}
	for _, p := range kb.AdmissionPlugins {
		if p.Name == "" || seen[p.Name] {
			t.Errorf("admission plugin %q: empty or duplicate", p.Name)
		}
		seen[p.Name] = true
		checkOrder(t, "admission plugin "+p.Name, p.IntroducedIn, nil, p.RemovedIn)
		if p.DefaultOnFrom != nil && p.DefaultOnUntil != nil && !p.DefaultOnFrom.Less(*p.DefaultOnUntil) {
			t.Errorf("admission plugin %s: default on from %s until %s", p.Name, p.DefaultOnFrom, p.DefaultOnUntil)
		}
		if p.DefaultOnFrom != nil && p.RemovedIn != nil && !p.DefaultOnFrom.Less(*p.RemovedIn) {
			t.Errorf("admission plugin %s: default on from %s but removed in %s", p.Name, p.DefaultOnFrom, p.RemovedIn)
		}
	}
}

// checkOrder holds introduced <= deprecated <= removed (where set). Upstream metadata may
// name minors before Oldest (introductions) or after Newest (planned removals).
func checkOrder(t *testing.T, what string, introduced, deprecated, removed *Minor) {
	t.Helper()
	for _, v := range []*Minor{introduced, deprecated, removed} {
		if v != nil && v.Major != 1 {
			t.Errorf("%s: version %s is not a Kubernetes 1.x minor", what, v)
		}
	}
	if introduced != nil && deprecated != nil && deprecated.Less(*introduced) {
		t.Errorf("%s: deprecated in %s before introduced in %s", what, deprecated, introduced)
	}
	if introduced != nil && removed != nil && !introduced.Less(*removed) {
		t.Errorf("%s: removed in %s, not after introduced in %s", what, removed, introduced)
	}
	if deprecated != nil && removed != nil && removed.Less(*deprecated) {
		t.Errorf("%s: removed in %s before deprecated in %s", what, removed, deprecated)
	}
}

func truncate(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}
