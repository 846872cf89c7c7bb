package knowledge

import "testing"

func TestAdmissionPluginLifecycles(t *testing.T) {
	kb, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	removed := []struct {
		name string
		gone Minor
	}{
		{"PodPreset", V(20)},           // CHANGELOG-1.20: settings.k8s.io and PodPreset removed
		{"PodSecurityPolicy", V(25)},   // CHANGELOG-1.25: PodSecurityPolicy removed
		{"SecurityContextDeny", V(30)}, // CHANGELOG-1.30
	}
	for _, c := range removed {
		p := kb.AdmissionPlugin(c.name)
		if p == nil {
			t.Errorf("no plugin %s", c.name)
			continue
		}
		if p.RemovedIn == nil || *p.RemovedIn != c.gone {
			t.Errorf("%s removed in %v, want %s", c.name, p.RemovedIn, c.gone)
		}
	}
	defaults := []struct {
		name string
		at   Minor
		on   bool
	}{
		{"NodeRestriction", V(10), false},
		{"NodeRestriction", V(25), false},
		{"NodeRestriction", Newest, false},
		{"NamespaceLifecycle", V(10), true},
		{"ServiceAccount", V(21), true},
		{"ResourceQuota", Newest, true},
		{"PodSecurity", V(25), true},
		{"PodSecurity", V(21), false}, // does not exist yet
		{"AlwaysPullImages", V(21), false},
		{"PodSecurityPolicy", V(21), false},
	}
	for _, c := range defaults {
		p := kb.AdmissionPlugin(c.name)
		if p == nil {
			t.Errorf("no plugin %s", c.name)
			continue
		}
		if got := p.DefaultOn(c.at); got != c.on {
			t.Errorf("%s default-on at %s = %v, want %v", c.name, c.at, got, c.on)
		}
	}
	for _, p := range kb.AdmissionPlugins {
		if p.Source == "" || p.IntroducedIn == nil {
			t.Errorf("%s: source %q introducedIn %v", p.Name, p.Source, p.IntroducedIn)
		}
	}
}
