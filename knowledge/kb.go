package knowledge

import (
	"embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Oldest and Newest bound the minors the embedded data covers.
var (
	Oldest = V(10)
	Newest = V(37)
)

//go:embed data/*.json
var dataFS embed.FS

// DataFile is the envelope of every file in data/: generated files say so in Generated.
type DataFile[T any] struct {
	Generated string `json:"generated"`
	// Inputs lists the exact upstream module versions read, for reproducibility.
	Inputs []string `json:"inputs,omitempty"`
	Items  []T      `json:"items"`
}

// KB is the knowledge base: immutable after load, safe for concurrent use.
type KB struct {
	APIs             []API
	Gates            []Gate
	Flags            []Flag
	AdmissionPlugins []AdmissionPlugin
	ImageSets        []ImageSet
	Releases         []Release
	// Metrics are metrics and labels removed or renamed per minor (data/metrics.json).
	Metrics []MetricChange
	// Addons are kubeadm's CoreDNS and kube-proxy pod templates per minor (data/addons.json).
	Addons []AddonSet
	// ProxyConfigFields are kube-proxy's config file fields per minor (data/proxyconfig.json).
	ProxyConfigFields []ProxyConfigField
	// ProxyConfigDecoding is how kube-proxy decodes that file (data/proxyconfig-decoding.json).
	ProxyConfigDecoding []ProxyConfigDecoding

	apiByGVK   map[GroupVersionKind]*API
	apisByGK   map[[2]string][]*API // group, kind
	gateByName map[string]*Gate
	flagByKey  map[[2]string]*Flag // component, name
	pluginByN  map[string]*AdmissionPlugin
	imagesByM  map[Minor]*ImageSet
	releaseByM map[Minor]*Release
}

var (
	defaultOnce sync.Once
	defaultKB   *KB
	defaultErr  error
)

// Default returns the embedded knowledge base, loaded once.
func Default() (*KB, error) {
	defaultOnce.Do(func() { defaultKB, defaultErr = load() })
	return defaultKB, defaultErr
}

// MustDefault is Default for programs whose embedded data is validated by tests.
func MustDefault() *KB {
	kb, err := Default()
	if err != nil {
		panic(err)
	}
	return kb
}

func load() (*KB, error) {
	kb := &KB{}
	if err := readData("apis.json", &kb.APIs); err != nil {
		return nil, err
	}
	if err := readData("gates.json", &kb.Gates); err != nil {
		return nil, err
	}
	if err := readData("flags.json", &kb.Flags); err != nil {
		return nil, err
	}
	if err := readData("admission.json", &kb.AdmissionPlugins); err != nil {
		return nil, err
	}
	if err := readData("images.json", &kb.ImageSets); err != nil {
		return nil, err
	}
	if err := readData("releases.json", &kb.Releases); err != nil {
		return nil, err
	}
	if err := readData("metrics.json", &kb.Metrics); err != nil {
		return nil, err
	}
	if err := readData("addons.json", &kb.Addons); err != nil {
		return nil, err
	}
	if err := readData("proxyconfig.json", &kb.ProxyConfigFields); err != nil {
		return nil, err
	}
	if err := readData("proxyconfig-decoding.json", &kb.ProxyConfigDecoding); err != nil {
		return nil, err
	}
	kb.index()
	return kb, nil
}

func readData[T any](name string, into *[]T) error {
	b, err := dataFS.ReadFile("data/" + name)
	if err != nil {
		return fmt.Errorf("knowledge: %w", err)
	}
	var f DataFile[T]
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("knowledge: data/%s: %w", name, err)
	}
	*into = f.Items
	return nil
}

// New builds a KB from facts, for tests and for a release list refreshed at run time.
func New(apis []API, gates []Gate, flags []Flag, plugins []AdmissionPlugin, images []ImageSet, releases []Release) *KB {
	kb := &KB{APIs: apis, Gates: gates, Flags: flags, AdmissionPlugins: plugins, ImageSets: images, Releases: releases}
	kb.index()
	return kb
}

// WithReleases returns a copy of kb whose release list is replaced by releases for the
// minors they cover (used by `knowledge update`).
func (kb *KB) WithReleases(releases []Release) *KB {
	byMinor := map[Minor]Release{}
	for _, r := range kb.Releases {
		byMinor[r.Minor] = r
	}
	for _, r := range releases {
		old, ok := byMinor[r.Minor]
		if ok && r.GoVersion == "" {
			r.GoVersion = old.GoVersion
		}
		if ok && r.KubeletSkew == 0 {
			r.KubeletSkew = old.KubeletSkew
		}
		byMinor[r.Minor] = r
	}
	merged := make([]Release, 0, len(byMinor))
	for _, r := range byMinor {
		merged = append(merged, r)
	}
	sort.Slice(merged, func(i, j int) bool { return merged[i].Minor.Less(merged[j].Minor) })
	nkb := New(kb.APIs, kb.Gates, kb.Flags, kb.AdmissionPlugins, kb.ImageSets, merged)
	nkb.Metrics, nkb.Addons = kb.Metrics, kb.Addons
	nkb.ProxyConfigFields, nkb.ProxyConfigDecoding = kb.ProxyConfigFields, kb.ProxyConfigDecoding
	return nkb
}

func (kb *KB) index() {
	kb.apiByGVK = make(map[GroupVersionKind]*API, len(kb.APIs))
	kb.apisByGK = map[[2]string][]*API{}
	for i := range kb.APIs {
		a := &kb.APIs[i]
		kb.apiByGVK[a.GroupVersionKind] = a
		k := [2]string{a.Group, a.Kind}
		kb.apisByGK[k] = append(kb.apisByGK[k], a)
	}
	kb.gateByName = make(map[string]*Gate, len(kb.Gates))
	for i := range kb.Gates {
		kb.gateByName[kb.Gates[i].Name] = &kb.Gates[i]
	}
	kb.flagByKey = make(map[[2]string]*Flag, len(kb.Flags))
	for i := range kb.Flags {
		f := &kb.Flags[i]
		kb.flagByKey[[2]string{f.Component, f.Name}] = f
	}
	kb.pluginByN = make(map[string]*AdmissionPlugin, len(kb.AdmissionPlugins))
	for i := range kb.AdmissionPlugins {
		kb.pluginByN[kb.AdmissionPlugins[i].Name] = &kb.AdmissionPlugins[i]
	}
	kb.imagesByM = map[Minor]*ImageSet{}
	for i := range kb.ImageSets {
		kb.imagesByM[kb.ImageSets[i].Minor] = &kb.ImageSets[i]
	}
	kb.releaseByM = map[Minor]*Release{}
	for i := range kb.Releases {
		kb.releaseByM[kb.Releases[i].Minor] = &kb.Releases[i]
	}
}

// API returns the lifecycle of gvk, or nil when the knowledge base does not know it
// (a custom resource, say).
func (kb *KB) API(gvk GroupVersionKind) *API { return kb.apiByGVK[gvk] }

// ServedAt reports whether an API server of minor m serves a by default.
func (a *API) ServedAt(m Minor) bool {
	if a.IntroducedIn != nil && m.Less(*a.IntroducedIn) {
		return false
	}
	return a.RemovedIn == nil || m.Less(*a.RemovedIn)
}

// ServedVersions lists the versions of group/kind served at minor m, stable ones first.
func (kb *KB) ServedVersions(group, kind string, m Minor) []GroupVersionKind {
	var out []GroupVersionKind
	for _, a := range kb.apisByGK[[2]string{group, kind}] {
		if a.ServedAt(m) {
			out = append(out, a.GroupVersionKind)
		}
	}
	sort.Slice(out, func(i, j int) bool { return VersionPriority(out[i].Version) > VersionPriority(out[j].Version) })
	return out
}

// Versions lists every known version of a kind, in any group (Ingress lives in both
// extensions and networking.k8s.io).
func (kb *KB) KindVersions(kind string) []*API {
	var out []*API
	for k, apis := range kb.apisByGK {
		if k[1] == kind {
			out = append(out, apis...)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Group != out[j].Group {
			return out[i].Group < out[j].Group
		}
		return VersionPriority(out[i].Version) > VersionPriority(out[j].Version)
	})
	return out
}

// ReplacementAcross names the best API to move an object of `from` to so that it is served
// on both sides of a hop (at minors a and b): upstream's stated replacement when it is
// served at both, else the most stable version of the same kind (any group) served at both.
func (kb *KB) ReplacementAcross(from GroupVersionKind, a, b Minor) (GroupVersionKind, bool) {
	if api := kb.API(from); api != nil && api.Replacement != nil {
		if r := kb.API(*api.Replacement); r != nil && r.ServedByDefault && r.ServedAt(a) && r.ServedAt(b) {
			return r.GroupVersionKind, true
		}
	}
	var best *API
	for _, c := range kb.KindVersions(from.Kind) {
		if c.GroupVersionKind == from || !c.ServedByDefault || !c.ServedAt(a) || !c.ServedAt(b) {
			continue
		}
		if c.RemovedIn != nil && !b.Less(*c.RemovedIn) {
			continue
		}
		if best == nil || betterReplacement(c, best, from.Group) {
			best = c
		}
	}
	if best == nil {
		return GroupVersionKind{}, false
	}
	return best.GroupVersionKind, true
}

func betterReplacement(c, best *API, origGroup string) bool {
	// Prefer versions that stay longest, then stability, then leaving the legacy group.
	cr, br := removalRank(c), removalRank(best)
	if cr != br {
		return cr > br
	}
	if VersionPriority(c.Version) != VersionPriority(best.Version) {
		return VersionPriority(c.Version) > VersionPriority(best.Version)
	}
	return c.Group != "extensions" && best.Group == "extensions"
}

func removalRank(a *API) int {
	if a.RemovedIn == nil {
		return 1 << 20
	}
	return a.RemovedIn.Minor
}

// VersionPriority orders Kubernetes API versions as the API server does: v2 > v1 > v2beta1 >
// v1beta2 > v1beta1 > v1alpha1.
func VersionPriority(v string) int {
	var major, minor int
	level := 3 // GA
	s := strings.TrimPrefix(v, "v")
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		major = major*10 + int(s[i]-'0')
		i++
	}
	rest := s[i:]
	switch {
	case strings.HasPrefix(rest, "beta"):
		level, rest = 2, rest[4:]
	case strings.HasPrefix(rest, "alpha"):
		level, rest = 1, rest[5:]
	case rest != "":
		return -1
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return -1
		}
		minor = minor*10 + int(c-'0')
	}
	return level*1_000_000 + major*1000 + minor
}

// Gate returns a feature gate by name, or nil when no minor has it.
func (kb *KB) Gate(name string) *Gate { return kb.gateByName[name] }

// At returns the gate's stage at minor m; ok is false when the gate does not exist there.
func (g *Gate) At(m Minor) (GateStage, bool) {
	for _, s := range g.Stages {
		if !m.Less(s.From) && !s.To.Less(m) {
			return s, true
		}
	}
	return GateStage{}, false
}

// Removed reports whether the gate is gone at minor m.
func (g *Gate) Removed(m Minor) bool { return Before(g.RemovedIn, m) }

// RemovedFor reports whether component refuses the gate at minor m: the gate is gone
// everywhere, or this component stopped registering it earlier.
func (g *Gate) RemovedFor(component string, m Minor) bool {
	if g.Removed(m) {
		return true
	}
	for _, r := range g.ComponentRemovals {
		if r.Component == component && !m.Less(r.RemovedIn) {
			return true
		}
	}
	return false
}

// FirstSeen is the first minor the knowledge base has the gate in.
func (g *Gate) FirstSeen() Minor {
	if len(g.Stages) == 0 {
		return Minor{}
	}
	return g.Stages[0].From
}

// Flag returns a component's flag by name (with or without leading dashes), or nil.
func (kb *KB) Flag(component, name string) *Flag {
	return kb.flagByKey[[2]string{component, strings.TrimLeft(name, "-")}]
}

// FlagsOf lists the flags known for a component.
func (kb *KB) FlagsOf(component string) []*Flag {
	var out []*Flag
	for i := range kb.Flags {
		if kb.Flags[i].Component == component {
			out = append(out, &kb.Flags[i])
		}
	}
	return out
}

// FlagState is what a flag is at one minor.
type FlagState struct {
	Exists     bool
	Deprecated bool
	Message    string
}

// At returns the flag's state at minor m.
func (f *Flag) At(m Minor) FlagState {
	if f == nil || (f.IntroducedIn != nil && m.Less(*f.IntroducedIn)) || Before(f.RemovedIn, m) {
		return FlagState{}
	}
	st := FlagState{Exists: true}
	if Before(f.DeprecatedIn, m) {
		st.Deprecated, st.Message = true, f.DeprecationMessage
	}
	return st
}

// ConstraintAt returns the value constraint in force at minor m, if any.
func (f *Flag) ConstraintAt(m Minor) *ValueConstraint {
	var c *ValueConstraint
	for i := range f.Constraints {
		if !m.Less(f.Constraints[i].From) && (c == nil || c.From.Less(f.Constraints[i].From)) {
			c = &f.Constraints[i]
		}
	}
	return c
}

// AdmissionPlugin returns a plugin by name, or nil.
func (kb *KB) AdmissionPlugin(name string) *AdmissionPlugin { return kb.pluginByN[name] }

// DefaultOn reports whether the plugin is enabled by default at minor m.
func (p *AdmissionPlugin) DefaultOn(m Minor) bool {
	return p.DefaultOnFrom != nil && m.In(*p.DefaultOnFrom, p.DefaultOnUntil)
}

// Release returns the release facts of a minor, or nil.
func (kb *KB) Release(m Minor) *Release { return kb.releaseByM[m] }

// ImageSetAt returns kubeadm's image facts for a minor, or nil.
func (kb *KB) ImageSetAt(m Minor) *ImageSet { return kb.imagesByM[m] }
