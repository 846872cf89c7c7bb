package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/report"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/rules/all"
	"github.com/upgrade-lint/upgrade-lint/scanner"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
	"github.com/upgrade-lint/upgrade-lint/scanner/live"
	"github.com/upgrade-lint/upgrade-lint/scanner/promapi"
)

type lintOptions struct {
	from, to        string
	snapshot        string
	nodeRoots       []string
	files           []string
	prometheusRules []string
	prometheusURL   string
	output          string
	outputFile      string
	failOn          string
	enable, disable []string
	color           string
	live            *liveOptions
	extraOpts       extraOptions
	stdin           io.Reader
	now             func() time.Time
}

func (o *lintOptions) addFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&o.from, "from", "", "current Kubernetes version (1.14, v1.14, 1.14.5); default: the live server's version")
	fs.StringVar(&o.to, "to", "", "target Kubernetes version (required)")
	fs.StringVar(&o.snapshot, "snapshot", "", "cluster snapshot directory (DIR/cluster, DIR/nodes/NAME, DIR/prometheus)")
	fs.StringArrayVar(&o.nodeRoots, "node-root", nil, "a node's filesystem root (repeatable)")
	fs.StringArrayVarP(&o.files, "filename", "f", nil, `manifest file or directory, recursive (repeatable; "-" reads stdin)`)
	fs.StringArrayVar(&o.prometheusRules, "prometheus-rules", nil, "Prometheus rule files, scrape configs or Grafana dashboards (repeatable)")
	fs.StringVar(&o.prometheusURL, "prometheus-url", "", "a Prometheus server to read loaded rules, scrape targets and apiserver_requested_deprecated_apis from")
	fs.StringVarP(&o.output, "output", "o", "text", "output format: "+strings.Join(report.Formats(), "|"))
	fs.StringVar(&o.outputFile, "output-file", "", "write the report to FILE instead of stdout")
	fs.StringVar(&o.failOn, "fail-on", "error", "exit 1 when a finding is at or above: error|warning|info|never")
	fs.StringSliceVar(&o.enable, "enable", nil, "run only these rules (comma-separated or repeated)")
	fs.StringSliceVar(&o.disable, "disable", nil, "skip these rules (comma-separated or repeated)")
	fs.StringVar(&o.color, "color", "auto", "colour in text output: auto|always|never")
	o.live = addLiveFlags(fs)
	o.addExtraFlags(fs)
}

func usagef(format string, a ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, a...)}
}

func (o *lintOptions) offline() bool {
	return o.snapshot != "" || len(o.nodeRoots) > 0 || len(o.files) > 0 || len(o.prometheusRules) > 0
}

// validate checks what can be checked before any input is read.
func (o *lintOptions) validate() (failOn findings.Severity, ruleset []*rules.Rule, err error) {
	if o.to == "" {
		return 0, nil, usagef("--to is required (the Kubernetes version to upgrade to)")
	}
	if o.from == "" && o.offline() {
		return 0, nil, usagef("--from is required with --snapshot, --node-root or -f (only a live cluster can tell its own version)")
	}
	if !contains(report.Formats(), o.output) {
		return 0, nil, usagef("unknown output format %q (want %s)", o.output, strings.Join(report.Formats(), ", "))
	}
	if o.failOn != "never" {
		if failOn, err = findings.ParseSeverity(o.failOn); err != nil {
			return 0, nil, usagef("--fail-on %q: want error, warning, info or never", o.failOn)
		}
	}
	switch o.color {
	case "auto", "always", "never":
	default:
		return 0, nil, usagef("--color must be auto, always or never")
	}
	ruleset, err = selectRules(all.Rules(), o.enable, o.disable)
	if err != nil {
		return 0, nil, &exitError{code: 2, err: err}
	}
	return failOn, ruleset, nil
}

func selectRules(ruleset []*rules.Rule, enable, disable []string) ([]*rules.Rule, error) {
	for _, n := range append(append([]string{}, enable...), disable...) {
		if rules.Lookup(ruleset, n) == nil {
			return nil, fmt.Errorf("unknown rule %q (see upgrade-lint rules)", n)
		}
	}
	// Both would run nothing of that rule while the user asked for it: say so rather than
	// report a clean result.
	for _, n := range enable {
		if contains(disable, n) {
			return nil, fmt.Errorf("rule %q is given to both --enable and --disable", n)
		}
	}
	var out []*rules.Rule
	for _, r := range ruleset {
		if (len(enable) == 0 || contains(enable, r.Name)) && !contains(disable, r.Name) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (o *lintOptions) run(ctx context.Context, stdout, stderr io.Writer) error {
	failOn, ruleset, err := o.validate()
	if err != nil {
		return err
	}
	kb, err := loadKB()
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	inv, err := o.scan(ctx, stderr)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if o.prometheusURL != "" {
		if err := promapi.Scan(ctx, promapi.Options{URL: o.prometheusURL}, inv); err != nil {
			inv.InputErrors = append(inv.InputErrors, inventory.InputError{Source: inventory.Source{Path: o.prometheusURL}, Message: err.Error()})
		}
	}
	from, fromSource, err := o.fromVersion(inv)
	if err != nil {
		return err
	}
	to, err := knowledge.ParseMinor(o.to)
	if err != nil {
		return usagef("--to: %v", err)
	}
	hops, err := planHops(kb, from, to, o.to)
	if err != nil {
		return usagef("%v", err)
	}
	if err := o.extraChecks(ctx, kb, hops, inv); err != nil {
		return &exitError{code: 2, err: err}
	}
	now := o.nowFunc()()
	plan := &rules.Plan{From: from, To: to, Hops: hops, Now: now}
	res := buildResult(kb, plan, inv, rules.RunAll(ruleset, plan, kb, inv), now)
	res.FromSource = fromSource
	res.Tool = version
	res.Unchecked = append(res.Unchecked, o.emptyInputs(ctx, inv)...)
	if u, ok := fromMismatch(from, o.from, inv.ServerVersion); ok {
		res.Unchecked = append(res.Unchecked, u)
	}

	w := stdout
	color := o.color == "always"
	if o.outputFile != "" {
		f, err := os.Create(o.outputFile)
		if err != nil {
			return &exitError{code: 2, err: err}
		}
		defer f.Close()
		w = f
		color = false
	} else if o.color == "auto" {
		color = isTerminal(stdout)
	}
	if err := report.Write(w, o.output, res, report.Options{Color: color, Rules: ruleInfos(ruleset)}); err != nil {
		return &exitError{code: 2, err: fmt.Errorf("writing the report: %w", err)}
	}
	if o.outputFile != "" {
		if err := w.(*os.File).Close(); err != nil {
			return &exitError{code: 2, err: err}
		}
	}
	if failOn != 0 && res.Worst() >= failOn {
		return &exitError{code: 1}
	}
	return nil
}

// planHops is kb.Hops where intermediate hops go to the latest patch of their minor and
// the last one goes where the user said, when --to (toArg) names a patch.
func planHops(kb *knowledge.KB, from, to knowledge.Minor, toArg string) ([]knowledge.Hop, error) {
	hops, err := kb.Hops(from, to)
	if err != nil {
		return nil, err
	}
	if _, patch, _ := knowledge.ParseVersion(toArg); patch >= 0 {
		hops[len(hops)-1].Version = fmt.Sprintf("v%s.%d", to, patch)
	}
	return hops, nil
}

// nowFunc is the clock reports are dated with: SOURCE_DATE_EPOCH (the reproducible-builds
// convention) when set, so that a report can be regenerated byte for byte.
func (o *lintOptions) nowFunc() func() time.Time {
	if o.now != nil {
		return o.now
	}
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		if sec, err := strconv.ParseInt(s, 10, 64); err == nil {
			return func() time.Time { return time.Unix(sec, 0).UTC() }
		}
	}
	return func() time.Time { return time.Now().UTC().Truncate(time.Second) }
}

func (o *lintOptions) scan(ctx context.Context, stderr io.Writer) (*inventory.Inventory, error) {
	if !o.offline() {
		var progress io.Writer
		if isTerminal(stderr) {
			progress = stderr
		}
		return o.live.scan(ctx, progress)
	}
	inv, err := scanner.Scan(ctx, scanner.Options{
		Snapshot:        o.snapshot,
		NodeRoots:       o.nodeRoots,
		Files:           o.files,
		Stdin:           o.stdin,
		PrometheusRules: o.prometheusRules,
	})
	if err != nil || o.live.auditLog == "" {
		return inv, err
	}
	// An audit log is the only evidence of callers for 1.14-1.18 clusters: it adds to a
	// snapshot or to manifests as it does to a live scan.
	f, err := os.Open(o.live.auditLog)
	if err != nil {
		return nil, fmt.Errorf("--audit-log: %w", err)
	}
	defer f.Close()
	uses, errs := live.ParseAuditLog(f, o.live.auditLog)
	inv.APIUses = append(inv.APIUses, uses...)
	inv.InputErrors = append(inv.InputErrors, errs...)
	inv.Inputs = append(inv.Inputs, "audit log "+o.live.auditLog)
	return inv, nil
}

// emptyInputs names the inputs the user gave that yielded nothing to check: a mistyped
// --node-root or an -f directory without manifests would otherwise read as a clean result.
func (o *lintOptions) emptyInputs(ctx context.Context, inv *inventory.Inventory) []findings.Unchecked {
	var out []findings.Unchecked
	for _, root := range o.nodeRoots {
		// Scanned alone, so that one empty root among several (or beside a snapshot's nodes)
		// is still seen; a node root is a handful of files.
		sub, err := scanner.Scan(ctx, scanner.Options{NodeRoots: []string{root}})
		if err != nil || len(sub.Components) > 0 || len(sub.Nodes) > 0 || len(sub.InputErrors) > 0 {
			continue
		}
		out = append(out, findings.Unchecked{
			What:   "node root " + root,
			Reason: "no static pod manifest, kubelet unit, environment file or kubelet config was found under it (etc/kubernetes/manifests, etc/systemd/system, var/lib/kubelet …): is it a node's filesystem root?",
		})
	}
	if len(o.files) > 0 && len(inv.InputErrors) == 0 {
		manifests := 0
		for _, obj := range inv.Objects {
			if obj.Origin == inventory.FromManifest {
				manifests++
			}
		}
		if manifests == 0 {
			out = append(out, findings.Unchecked{
				What:   "manifests (-f " + strings.Join(o.files, ", ") + ")",
				Reason: "no Kubernetes object (a YAML or JSON document with apiVersion and kind) was found in them",
			})
		}
	}
	return out
}

// fromMismatch notes a --from that disagrees with the version the inputs report (a
// snapshot's snapshot.yaml, the live API server): every finding is judged from --from.
func fromMismatch(from knowledge.Minor, given, serverVersion string) (findings.Unchecked, bool) {
	if given == "" || serverVersion == "" {
		return findings.Unchecked{}, false
	}
	server, err := knowledge.ParseMinor(serverVersion)
	if err != nil || server == from {
		return findings.Unchecked{}, false
	}
	return findings.Unchecked{
		What:   "the starting version",
		Reason: fmt.Sprintf("--from is %s but the inputs come from an API server at %s: every hop is judged as if the cluster ran %s", from, serverVersion, from),
	}, true
}

// fromVersion is --from, or the live server's version when --from was not given.
func (o *lintOptions) fromVersion(inv *inventory.Inventory) (knowledge.Minor, string, error) {
	if o.from != "" {
		m, err := knowledge.ParseMinor(o.from)
		if err != nil {
			return m, "", usagef("--from: %v", err)
		}
		return m, "", nil
	}
	if inv.ServerVersion == "" {
		return knowledge.Minor{}, "", usagef("--from was not given and the server's version is unknown")
	}
	m, err := knowledge.ParseMinor(inv.ServerVersion)
	if err != nil {
		return m, "", &exitError{code: 2, err: fmt.Errorf("server version %q: %v", inv.ServerVersion, err)}
	}
	return m, "the API server reports " + inv.ServerVersion, nil
}

// buildResult assembles the report document: the hops with their image plans, the
// findings, and what could not be checked.
func buildResult(kb *knowledge.KB, plan *rules.Plan, inv *inventory.Inventory, out rules.Outcome, now time.Time) *findings.Result {
	repo, repoSource := "", "kubeadm's default for each minor"
	if inv.Kubeadm != nil && inv.Kubeadm.ImageRepository != "" {
		repo, repoSource = inv.Kubeadm.ImageRepository, "kubeadm-config imageRepository"
	}
	res := &findings.Result{
		SchemaVersion: findings.SchemaVersion,
		From:          plan.From.String(),
		To:            plan.To.String(),
		GeneratedAt:   now,
		Inputs:        inv.Inputs,
		Findings:      out.Findings,
		Unchecked:     append(append([]findings.Unchecked{}, inv.Unchecked...), out.Unchecked...),
	}
	for _, h := range plan.Hops {
		hop := findings.Hop{From: h.From.String(), To: h.To.String(), Version: h.Version, Images: []string{}, ImageRepositorySource: repoSource}
		for _, img := range kb.ImagesForVersion(h.To, h.Version, repo) {
			hop.Images = append(hop.Images, img.Ref)
		}
		if repo != "" {
			hop.ImageRepository = repo
		} else if s := kb.ImageSetAt(h.To); s != nil {
			hop.ImageRepository = s.Repository
		}
		res.Hops = append(res.Hops, hop)
	}
	if res.Findings == nil {
		res.Findings = []findings.Finding{}
	}
	res.Summary = findings.Summarize(res.Findings)
	return res
}

func ruleInfos(ruleset []*rules.Rule) []report.RuleInfo {
	out := make([]report.RuleInfo, 0, len(ruleset))
	for _, r := range ruleset {
		out = append(out, report.RuleInfo{Name: r.Name, Title: r.Title(), Doc: r.Doc, Severity: r.Severity.String(), HelpURI: helpURI(r.Name)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func helpURI(rule string) string {
	return "https://github.com/upgrade-lint/upgrade-lint/blob/main/docs/rules.md#" + rule
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
