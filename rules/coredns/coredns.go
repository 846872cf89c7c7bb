package coredns

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/coredns/corefile-migration/migration"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
)

// Corefile is the coredns-corefile rule.
var Corefile = &rules.Rule{
	Name: "coredns-corefile",
	Doc: `CoreDNS Corefile plugins and options the hop's CoreDNS removed, ignores or cannot migrate
Each kubeadm hop may replace CoreDNS with a newer release. The Corefile in the ConfigMap the
CoreDNS Deployment mounts (kube-system/coredns) is checked with corefile-migration, the
library kubeadm uses, from the running CoreDNS version (the Deployment's image tag) to the
version kubeadm deploys at each hop:

  - a removed plugin or option (proxy in CoreDNS 1.5.0, kubernetes upstream in 1.7.0) makes
    CoreDNS exit at start: error;
  - a plugin or option the library does not know fails kubeadm's upgrade preflight check
    CoreDNSUnsupportedPlugins (kubeadm 1.16 on): error;
  - deprecated and ignored ones: warning;
  - a Corefile without the ready plugin at the hop whose CoreDNS Deployment probes
    readiness on :8181/ready: the pods never become Ready: error.

Each notice is reported once, at the hop where it first bites. The fix carries the Corefile
migrated by the library to that hop's CoreDNS version.`,
	Severity: findings.Error,
	Run:      run,
}

// kubeadmMigratesFrom is the first kubeadm that imports corefile-migration: it runs the
// CoreDNSUnsupportedPlugins and CoreDNSMigration preflight checks and migrates (or, for a
// default Corefile, replaces) the Corefile on upgrade
// (k8s.io/kubernetes@v1.16.15/cmd/kubeadm/app/phases/upgrade/preflight.go).
var kubeadmMigratesFrom = knowledge.V(16)

const libraryRef = "github.com/coredns/corefile-migration migration/versions.go"

// step is one CoreDNS version change a hop makes.
type step struct {
	hop      knowledge.Hop
	from, to string // versions as deployed (no "v")
	// libFrom/libTo are the nearest versions the migration library knows, at or below.
	libFrom, libTo string
}

// notice is one library notice, deduplicated.
type notice struct {
	plugin, option string
	severity       string
	version        string // CoreDNS version it first applies at
	replacedBy     string
	additional     string
}

func (n notice) key() string { return n.plugin + " " + n.option }

// rank orders the severities of one plugin or option within a hop: only the worst is told.
func rank(sev string) int {
	switch sev {
	case migration.SevRemoved:
		return 3
	case migration.SevIgnored:
		return 2
	case migration.SevDeprecated:
		return 1
	}
	return 0
}

func run(p *rules.Pass) {
	in := findCorefile(p.Inv)
	if in == nil {
		if corednsDeployment(p.Inv) != nil {
			p.CouldNotCheck("CoreDNS Corefile", "the inputs have Deployment kube-system/coredns but not the ConfigMap it mounts")
		}
		return
	}
	running, how := runningVersion(p)
	if running == "" {
		p.CouldNotCheck("CoreDNS Corefile", "the running CoreDNS version is unknown: no Deployment image tag, and no kubeadm CoreDNS version for "+p.Plan.From.String())
		return
	}
	if libraryVersion(running) == "" {
		p.CouldNotCheck("CoreDNS Corefile", "corefile-migration knows no CoreDNS version at or below the running "+running)
		return
	}
	steps := planSteps(p, running)
	// Replay the plan up to this pass's hop so that each notice is told once, at its first hop.
	reported := map[string]int{} // plugin+option -> worst rank told
	unsupportedTold := map[string]bool{}
	removed := map[string]bool{}
	readyTold := false
	for _, h := range p.Plan.Hops {
		st := stepOf(steps, h)
		var out []findings.Finding
		if st != nil {
			out = append(out, st.changes(p, in, running, reported, unsupportedTold, removed)...)
		}
		if !readyTold {
			if f, ok := readyFinding(p, in, h, running); ok {
				readyTold = true
				out = append(out, f)
			}
		}
		if h == p.Hop {
			for _, f := range out {
				f.Evidence = strings.TrimSpace(f.Evidence + " (running version from " + how + ")")
				p.Report(f)
			}
			return
		}
	}
}

func migrateNote(h knowledge.Hop) string {
	if !kubeadmMigrates(h) {
		return ""
	}
	return " " + kubeadmNote(h)
}

func kubeadmMigrates(h knowledge.Hop) bool { return h.To.AtLeast(kubeadmMigratesFrom) }

// kubeadmNote says what kubeadm itself does to the Corefile at such a hop: the finding
// still stands for whatever re-applies the ConfigMap, and for upgrades kubeadm does not do.
func kubeadmNote(h knowledge.Hop) string {
	return fmt.Sprintf("(`kubeadm upgrade apply` %s rewrites a Corefile that is kubeadm's default and migrates a customised one, keeping the original as Corefile-backup; GitOps, Helm or a saved manifest that re-applies this ConfigMap brings the old Corefile back.)", h.To)
}

// runningVersion is the CoreDNS version running now: the Deployment's image tag, else what
// kubeadm of the plan's first minor deploys.
func runningVersion(p *rules.Pass) (version, how string) {
	if image, _ := runningImage(p.Inv); image != "" {
		if v := imageVersion(image); parseVersion(v) != nil {
			return v, "Deployment kube-system/coredns image " + image
		}
	}
	if v := kubeadmCoreDNS(p, p.Plan.From); v != "" {
		return v, "kubeadm " + p.Plan.From.String() + "'s default"
	}
	return "", ""
}

// kubeadmCoreDNS is the CoreDNS version kubeadm of minor m deploys, honouring a
// ClusterConfiguration dns.imageTag override (kubeadm then keeps that tag).
func kubeadmCoreDNS(p *rules.Pass, m knowledge.Minor) string {
	if k := p.Inv.Kubeadm; k != nil && k.DNSImageTag != "" {
		return strings.TrimPrefix(k.DNSImageTag, "v")
	}
	if set := p.KB.ImageSetAt(m); set != nil {
		return strings.TrimPrefix(set.CoreDNS, "v")
	}
	return ""
}

// planSteps lists the CoreDNS upgrades of the plan: a hop whose kubeadm deploys a newer
// CoreDNS than the one before it.
func planSteps(p *rules.Pass, running string) []step {
	var out []step
	cur := running
	for _, h := range p.Plan.Hops {
		target := kubeadmCoreDNS(p, h.To)
		if target == "" || compareVersions(target, cur) <= 0 {
			continue
		}
		st := step{hop: h, from: cur, to: target, libFrom: libraryVersion(cur), libTo: libraryVersion(target)}
		out = append(out, st)
		cur = target
	}
	return out
}

func stepOf(steps []step, h knowledge.Hop) *step {
	for i := range steps {
		if steps[i].hop == h {
			return &steps[i]
		}
	}
	return nil
}

// changes reports the notices of one step not told at an earlier hop.
func (st *step) changes(p *rules.Pass, in *corefileInput, running string, reported map[string]int, unsupportedTold, removed map[string]bool) []findings.Finding {
	if st.libFrom == "" || st.libTo == "" || compareVersions(st.libTo, st.libFrom) <= 0 {
		return nil // the library knows neither side of this change: nothing it can say
	}
	deprecated, err := migration.Deprecated(st.libFrom, st.libTo, in.Text)
	if err != nil {
		return nil
	}
	unsupported, _ := migration.Unsupported(st.libFrom, st.libTo, in.Text)
	// The library repeats a notice for every intermediate version: keep the worst per
	// plugin/option, at the first version it reaches that severity.
	worst := map[string]notice{}
	for _, n := range deprecated {
		if rank(n.Severity) == 0 {
			continue // new defaults: the ready plugin is judged by the readiness probe
		}
		nn := notice{plugin: n.Plugin, option: n.Option, severity: n.Severity, version: n.Version, replacedBy: n.ReplacedBy, additional: n.Additional}
		if old, ok := worst[nn.key()]; !ok || rank(nn.severity) > rank(old.severity) {
			worst[nn.key()] = nn
		}
		if n.Severity == migration.SevRemoved {
			removed[nn.key()] = true
		}
	}
	var list []notice
	for k, n := range worst {
		if rank(n.severity) > reported[k] {
			reported[k] = rank(n.severity)
			list = append(list, n)
		}
	}
	if kubeadmMigrates(st.hop) {
		for _, n := range unsupported {
			k := n.Plugin + " " + n.Option
			// The library checks every intermediate version, so a plugin newer than the
			// running CoreDNS (ready at 1.4.0) is "unsupported" on the way: only what the
			// hop's own version does not know counts.
			if n.Version != st.libTo {
				continue
			}
			// A removed plugin is "unsupported" at every later version: it is told as removed.
			if removed[k] || removed[n.Plugin+" "] || unsupportedTold[k] {
				continue
			}
			unsupportedTold[k] = true
			list = append(list, notice{plugin: n.Plugin, option: n.Option, severity: migration.SevUnsupported, version: n.Version})
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].plugin != list[j].plugin {
			return list[i].plugin < list[j].plugin
		}
		return list[i].option < list[j].option
	})
	fix := st.fix(in, running)
	var out []findings.Finding
	for _, n := range list {
		out = append(out, st.finding(p, in, n, fix))
	}
	return out
}

func (st *step) finding(p *rules.Pass, in *corefileInput, n notice, fix string) findings.Finding {
	what := fmt.Sprintf("plugin %q", n.plugin)
	subject := n.plugin
	if n.option != "" {
		what = fmt.Sprintf("option %q of plugin %q", n.option, n.plugin)
		subject = n.plugin + " " + n.option
	}
	replaced := ""
	if n.replacedBy != "" {
		replaced = fmt.Sprintf(", replaced by %q", n.replacedBy)
	}
	extra := ""
	if n.additional != "" {
		extra = " " + n.additional
	}
	f := findings.Finding{
		Component:  "coredns",
		Subject:    subject,
		Source:     in.source(n.plugin, n.option),
		Fix:        fix,
		Evidence:   fmt.Sprintf("CoreDNS %s -> %s at this hop", st.from, st.to),
		References: []string{libraryRef},
	}
	switch n.severity {
	case migration.SevRemoved:
		f.Severity = findings.Error
		f.Message = fmt.Sprintf("CoreDNS %s no longer has %s (removed in CoreDNS %s%s): CoreDNS exits at start with this Corefile and its pods crash-loop, taking cluster DNS down.%s", st.to, what, n.version, replaced, extra)
		if kubeadmMigrates(st.hop) {
			f.Message += " " + kubeadmNote(st.hop)
		}
	case migration.SevIgnored:
		f.Severity = findings.Warning
		f.Message = fmt.Sprintf("CoreDNS %s ignores %s (from CoreDNS %s%s): the setting no longer has any effect.%s", st.to, what, n.version, replaced, extra)
	case migration.SevDeprecated:
		f.Severity = findings.Warning
		f.Message = fmt.Sprintf("%s is deprecated in CoreDNS %s%s and will be removed in a later release.%s", capitalize(what), n.version, replaced, extra)
	case migration.SevUnsupported:
		f.Severity = findings.Error
		f.Message = fmt.Sprintf("corefile-migration, the library kubeadm %s uses, does not know %s at CoreDNS %s: kubeadm's upgrade preflight check CoreDNSUnsupportedPlugins fails, and with --ignore-preflight-errors=CoreDNSUnsupportedPlugins kubeadm cannot migrate this Corefile.", st.hop.To, what, n.version)
		f.References = append(f.References, "k8s.io/kubernetes@v1.16.15/cmd/kubeadm/app/phases/upgrade/preflight.go")
	}
	return f
}

// fix is the Corefile migrated from the running version to this step's version.
func (st *step) fix(in *corefileInput, running string) string {
	from := libraryVersion(running)
	if from == "" || compareVersions(st.libTo, from) <= 0 {
		return ""
	}
	migrated, err := migration.Migrate(from, st.libTo, in.Text, true)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("Before this hop, replace %s in ConfigMap %s/%s with the Corefile migrated to CoreDNS %s by corefile-migration (review plugins it does not know):\n\n%s",
		in.Key, in.ConfigMap.Namespace, in.ConfigMap.Name, st.to, migrated)
}

// readyFinding reports a Corefile without the ready plugin at the first hop whose CoreDNS
// Deployment probes readiness through it.
func readyFinding(p *rules.Pass, in *corefileInput, h knowledge.Hop, running string) (findings.Finding, bool) {
	if in.hasPlugin("ready") {
		return findings.Finding{}, false
	}
	to := p.KB.AddonsAt(h.To)
	if to == nil || to.CoreDNS.ReadinessPath != "/ready" {
		return findings.Finding{}, false
	}
	if prev := p.KB.AddonsAt(h.From); prev != nil && prev.CoreDNS.ReadinessPath == "/ready" && h != p.Plan.Hops[0] {
		return findings.Finding{}, false
	}
	probe := fmt.Sprintf("readinessProbe httpGet :%d%s", to.CoreDNS.ReadinessPort, to.CoreDNS.ReadinessPath)
	src := in.ConfigMap.Source
	src.Object = in.ConfigMap.Ref()
	fix := ""
	target := kubeadmCoreDNS(p, h.To)
	if from, t := libraryVersion(running), libraryVersion(target); from != "" && t != "" && compareVersions(t, from) > 0 {
		if migrated, err := migration.Migrate(from, t, in.Text, true); err == nil {
			fix = fmt.Sprintf("Add the ready plugin to every server block before this hop. The Corefile migrated to CoreDNS %s by corefile-migration:\n\n%s", target, migrated)
		}
	}
	if fix == "" {
		fix = "Add the ready plugin (a line `ready`) to every server block of the Corefile before this hop."
	}
	return findings.Finding{
		Severity:  findings.Error,
		Component: "coredns",
		Subject:   "ready",
		Message: fmt.Sprintf("kubeadm %s's CoreDNS Deployment has %s, which only the ready plugin serves, and this Corefile has no ready plugin: the %s probe fails, the CoreDNS pods run but never become Ready, and the kube-dns Service has no endpoints.",
			h.To, probe, probe) + migrateNote(h),
		Fix:        fix,
		Source:     src,
		Evidence:   "CoreDNS " + target + " at this hop",
		References: []string{to.CoreDNS.Source},
	}, true
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// parseVersion splits "1.6.2" into numbers; nil when it is not a dotted version.
func parseVersion(v string) []int {
	v = strings.TrimPrefix(v, "v")
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		v = v[:i]
	}
	parts := strings.Split(v, ".")
	if len(parts) < 2 {
		return nil
	}
	out := make([]int, len(parts))
	for i, s := range parts {
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil
		}
		out[i] = n
	}
	return out
}

// compareVersions orders dotted versions; unparsable ones sort first.
func compareVersions(a, b string) int {
	pa, pb := parseVersion(a), parseVersion(b)
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// libraryVersion maps a CoreDNS version to the newest version the migration library knows
// at or below it: the library refuses versions missing from its table (patches it skipped,
// releases newer than it), and the nearest older entry has the same plugin facts.
func libraryVersion(v string) string {
	if parseVersion(v) == nil {
		return ""
	}
	best := ""
	for _, known := range migration.ValidVersions() {
		if compareVersions(known, v) <= 0 && (best == "" || compareVersions(known, best) > 0) {
			best = known
		}
	}
	return best
}
