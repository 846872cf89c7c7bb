package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/spf13/cobra"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/knowledge/update"
)

// knowledgeOptions are the flags shared by the knowledge subcommands.
type knowledgeOptions struct {
	// load returns the embedded knowledge base (tests pass a fixture).
	load      func() (*knowledge.KB, error)
	cachePath string
	noCache   bool
}

func newKnowledgeCmd() *cobra.Command { return newKnowledgeCmdWith(loadKB) }

func newKnowledgeCmdWith(load func() (*knowledge.KB, error)) *cobra.Command {
	o := &knowledgeOptions{load: load}
	cmd := &cobra.Command{
		Use:   "knowledge",
		Short: "Query, export and refresh the knowledge base of Kubernetes facts",
		Long: `The knowledge base holds, per Kubernetes minor, the APIs, feature gates, component flags,
admission plugins, kubeadm images, Go toolchains and version-skew policy, generated from upstream
sources. 'knowledge update' refreshes the list of latest patches from GitHub into your cache
directory; the other commands use it where it is newer than the built-in list.`,
		SilenceUsage: true,
	}
	cmd.PersistentFlags().StringVar(&o.cachePath, "cache", "", "release list cache (default: the user cache directory's upgrade-lint/releases.json)")
	cmd.PersistentFlags().BoolVar(&o.noCache, "no-cache", false, "ignore the cached release list and use only the built-in one")
	cmd.AddCommand(newKnowledgeShowCmd(o), newKnowledgeExportCmd(o), newKnowledgeUpdateCmd(o))
	return cmd
}

func (o *knowledgeOptions) cacheFile() (string, error) {
	if o.cachePath != "" {
		return o.cachePath, nil
	}
	return update.DefaultCachePath()
}

// kb is the embedded knowledge base with the cached release list laid over it.
func (o *knowledgeOptions) kb() (*knowledge.KB, error) {
	kb, err := o.load()
	if err != nil || o.noCache {
		return kb, err
	}
	path, err := o.cacheFile()
	if err != nil {
		return kb, nil // no cache directory: the built-in list is all there is
	}
	return update.Load(kb, path)
}

// ---- show -------------------------------------------------------------------

type showOptions struct {
	gate, flag, api string
}

func newKnowledgeShowCmd(o *knowledgeOptions) *cobra.Command {
	s := &showOptions{}
	cmd := &cobra.Command{
		Use:   "show [MINOR] [--gate NAME | --flag COMPONENT/NAME | --api GROUP/VERSION/KIND]",
		Short: "Print what changes at a minor, or the whole history of one gate, flag or API",
		Example: `  upgrade-lint knowledge show 1.19
  upgrade-lint knowledge show --gate VolumeSubpathEnvExpansion
  upgrade-lint knowledge show 1.15 --flag kubelet/allow-privileged
  upgrade-lint knowledge show --api extensions/v1beta1/Ingress
  upgrade-lint knowledge show --api v1/Pod`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			filters := 0
			for _, f := range []string{s.gate, s.flag, s.api} {
				if f != "" {
					filters++
				}
			}
			if filters > 1 {
				return usageError("give one of --gate, --flag and --api")
			}
			var at *knowledge.Minor
			if len(args) == 1 {
				m, err := knowledge.ParseMinor(args[0])
				if err != nil {
					return usageError(err.Error())
				}
				if m.Less(knowledge.Oldest) || knowledge.Newest.Less(m) {
					return usageError(fmt.Sprintf("%s is outside what the knowledge base covers (%s to %s)", m, knowledge.Oldest, knowledge.Newest))
				}
				at = &m
			}
			if at == nil && filters == 0 {
				return usageError("give a minor (knowledge show 1.19) or one of --gate, --flag and --api")
			}
			kb, err := o.kb()
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			switch {
			case s.gate != "":
				return showGate(w, kb, s.gate, at)
			case s.flag != "":
				return showFlag(w, kb, s.flag, at)
			case s.api != "":
				return showAPI(w, kb, s.api, at)
			}
			return showMinor(w, kb, *at)
		},
	}
	cmd.Flags().StringVar(&s.gate, "gate", "", "a feature gate's stages, defaults and removal")
	cmd.Flags().StringVar(&s.flag, "flag", "", "a component flag's lifecycle, as COMPONENT/NAME (kubelet/allow-privileged)")
	cmd.Flags().StringVar(&s.api, "api", "", "an API's lifecycle, as GROUP/VERSION/KIND (apps/v1/Deployment, v1/Pod for the core group)")
	return cmd
}

// usageError is a bad command line: exit code 2 with the message.
func usageError(msg string) error { return &exitError{code: 2, err: fmt.Errorf("%s", msg)} }

func newTable(w io.Writer, header ...any) *tablewriter.Table {
	t := tablewriter.NewTable(w,
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
	)
	t.Header(header...)
	return t
}

// section prints a titled table, or says there is nothing.
func section(w io.Writer, title string, header []any, rows [][]string) error {
	fmt.Fprintf(w, "\n%s\n", title)
	if len(rows) == 0 {
		fmt.Fprintln(w, "  (none)")
		return nil
	}
	t := newTable(w, header...)
	wrapped := make([][]string, len(rows))
	for i, row := range rows {
		wrapped[i] = make([]string, len(row))
		for j, cell := range row {
			wrapped[i][j] = wrapWords(cell, maxCellWidth)
		}
	}
	if err := t.Bulk(wrapped); err != nil {
		return err
	}
	return t.Render()
}

// maxCellWidth keeps deprecation messages and notes from stretching a table to hundreds of
// columns: tablewriter does not wrap (its wrapping breaks words), so cells are broken here.
const maxCellWidth = 72

// wrapWords breaks s into lines of at most width runes at spaces; a longer word (a URL)
// keeps a line of its own.
func wrapWords(s string, width int) string {
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) <= width:
			line += " " + word
		default:
			lines = append(lines, line)
			line = word
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func minorOrDash(m *knowledge.Minor) string {
	if m == nil {
		return "-"
	}
	return m.String()
}

func showMinor(w io.Writer, kb *knowledge.KB, m knowledge.Minor) error {
	fmt.Fprintf(w, "Kubernetes %s: what changes from %s\n", m, m.Prev())
	if err := showRelease(w, kb, m); err != nil {
		return err
	}
	steps := []func(io.Writer, *knowledge.KB, knowledge.Minor) error{
		showAPIChanges, showGateChanges, showFlagChanges, showAdmissionChanges, showImageChanges,
	}
	for _, step := range steps {
		if err := step(w, kb, m); err != nil {
			return err
		}
	}
	return nil
}

func showRelease(w io.Writer, kb *knowledge.KB, m knowledge.Minor) error {
	r := kb.Release(m)
	if r == nil {
		fmt.Fprintf(w, "\nRelease\n  (no release facts for %s)\n", m)
		return nil
	}
	patch := r.LatestPatch
	if r.ReadFrom != "" {
		patch += " (facts read from " + r.ReadFrom + ")"
	}
	goLine := "Go " + orDash(r.GoVersion) + " (latest patch)"
	if r.GoVersionAtRelease != "" {
		goLine += ", Go " + r.GoVersionAtRelease + " (" + m.String() + ".0)"
	}
	rows := [][]string{
		{"Latest patch", patch},
		{"Released", orDash(r.ReleaseDate)},
		{"Go toolchain", goLine},
		{"Kubelet skew", fmt.Sprintf("kubelets may be up to %d minors older than the API server (oldest: %s)", r.KubeletSkew, m.Add(-r.KubeletSkew))},
	}
	if prev := kb.Release(m.Prev()); prev != nil && prev.KubeletSkew != r.KubeletSkew {
		rows[3][1] += fmt.Sprintf("; was %d in %s", prev.KubeletSkew, prev.Minor)
	}
	return section(w, "Release", []any{"Fact", "Value"}, rows)
}

func showAPIChanges(w io.Writer, kb *knowledge.KB, m knowledge.Minor) error {
	var rows [][]string
	apis := append([]knowledge.API(nil), kb.APIs...)
	sort.Slice(apis, func(i, j int) bool { return apis[i].GroupVersionKind.String() < apis[j].GroupVersionKind.String() })
	for _, a := range apis {
		var change string
		switch {
		case a.RemovedIn != nil && *a.RemovedIn == m:
			change = "removed"
		case a.DeprecatedIn != nil && *a.DeprecatedIn == m:
			change = "deprecated"
			if a.RemovedIn != nil {
				change += ", removal in " + a.RemovedIn.String()
			}
		case a.IntroducedIn != nil && *a.IntroducedIn == m:
			change = "introduced"
		default:
			continue
		}
		repl := "-"
		if r, ok := kb.ReplacementAcross(a.GroupVersionKind, m.Prev(), m); ok && change == "removed" {
			repl = r.APIVersion() + " " + r.Kind
		} else if a.Replacement != nil {
			repl = a.Replacement.APIVersion() + " " + a.Replacement.Kind
		}
		rows = append(rows, []string{a.APIVersion(), a.Kind, change, repl})
	}
	return section(w, "APIs", []any{"API version", "Kind", "Change", "Move to"}, rows)
}

func showGateChanges(w io.Writer, kb *knowledge.KB, m knowledge.Minor) error {
	var rows [][]string
	gates := append([]knowledge.Gate(nil), kb.Gates...)
	sort.Slice(gates, func(i, j int) bool { return gates[i].Name < gates[j].Name })
	for _, g := range gates {
		now, okNow := g.At(m)
		before, okBefore := g.At(m.Prev())
		var change string
		switch {
		case g.RemovedIn != nil && *g.RemovedIn == m:
			change = "removed: components refuse to start with it set"
		case !okNow:
			continue
		case !okBefore:
			change = "added"
		case now.Stage != before.Stage:
			change = "graduated " + before.Stage + " -> " + now.Stage
		case now.Locked && !before.Locked:
			change = fmt.Sprintf("locked to %t", now.Default)
		case now.Default != before.Default:
			change = fmt.Sprintf("default %t -> %t", before.Default, now.Default)
		default:
			continue
		}
		state := "-"
		if okNow {
			state = stageString(now)
		}
		rows = append(rows, []string{g.Name, change, state})
	}
	return section(w, "Feature gates", []any{"Gate", "Change", "State at " + m.String()}, rows)
}

func stageString(s knowledge.GateStage) string {
	out := fmt.Sprintf("%s default=%t", s.Stage, s.Default)
	if s.Locked {
		out += " locked"
	}
	return out
}

func showFlagChanges(w io.Writer, kb *knowledge.KB, m knowledge.Minor) error {
	var rows [][]string
	flags := append([]knowledge.Flag(nil), kb.Flags...)
	sort.Slice(flags, func(i, j int) bool {
		if flags[i].Component != flags[j].Component {
			return flags[i].Component < flags[j].Component
		}
		return flags[i].Name < flags[j].Name
	})
	for _, f := range flags {
		var change, note string
		switch {
		case f.RemovedIn != nil && *f.RemovedIn == m:
			change = "removed"
		case f.DeprecatedIn != nil && *f.DeprecatedIn == m:
			change, note = "deprecated", f.DeprecationMessage
		default:
			for _, c := range f.Constraints {
				if c.From == m {
					change, note = "value restricted to "+strings.Join(c.Allowed, ", "), c.Note
				}
			}
			if change == "" {
				continue
			}
		}
		rows = append(rows, []string{f.Component, "--" + f.Name, change, note})
	}
	return section(w, "Flags", []any{"Component", "Flag", "Change", "Note"}, rows)
}

func showAdmissionChanges(w io.Writer, kb *knowledge.KB, m knowledge.Minor) error {
	var rows [][]string
	plugins := append([]knowledge.AdmissionPlugin(nil), kb.AdmissionPlugins...)
	sort.Slice(plugins, func(i, j int) bool { return plugins[i].Name < plugins[j].Name })
	for _, p := range plugins {
		var change string
		switch {
		case p.RemovedIn != nil && *p.RemovedIn == m:
			change = "removed: kube-apiserver refuses to start with it enabled"
		case p.IntroducedIn != nil && *p.IntroducedIn == m:
			change = "introduced"
		case p.DefaultOnFrom != nil && *p.DefaultOnFrom == m:
			change = "enabled by default"
		case p.DefaultOnUntil != nil && *p.DefaultOnUntil == m:
			change = "no longer enabled by default"
		default:
			continue
		}
		rows = append(rows, []string{p.Name, change})
	}
	return section(w, "Admission plugins", []any{"Plugin", "Change"}, rows)
}

func showImageChanges(w io.Writer, kb *knowledge.KB, m knowledge.Minor) error {
	set := kb.ImageSetAt(m)
	if set == nil {
		fmt.Fprintf(w, "\nkubeadm images\n  (no image facts for %s)\n", m)
		return nil
	}
	prev := kb.ImageSetAt(m.Prev())
	changed := func(now, before string) string {
		if prev != nil && now != before {
			return now + " (was " + orDash(before) + ")"
		}
		return orDash(now)
	}
	var p knowledge.ImageSet
	if prev != nil {
		p = *prev
	}
	corednsRef := set.Repository + "/" + set.CoreDNSImagePath + ":" + set.CoreDNS
	prevCoredns := ""
	if prev != nil {
		prevCoredns = p.Repository + "/" + p.CoreDNSImagePath + ":" + p.CoreDNS
	}
	rows := [][]string{
		{"Repository", changed(set.Repository, p.Repository)},
		{"etcd", changed(set.Etcd, p.Etcd)},
		{"CoreDNS", changed(corednsRef, prevCoredns)},
		{"pause", changed(set.Pause, p.Pause)},
		{"kubeadm config APIs", changed(strings.Join(set.KubeadmAPIVersions, ", "), strings.Join(p.KubeadmAPIVersions, ", "))},
	}
	if set.CoreDNSImagePath != "coredns" {
		rows = append(rows, []string{"CoreDNS under a custom imageRepository", "<repository>/coredns:" + set.CoreDNS})
	}
	return section(w, "kubeadm images", []any{"Image", "Value"}, rows)
}

func showGate(w io.Writer, kb *knowledge.KB, name string, at *knowledge.Minor) error {
	g := kb.Gate(name)
	if g == nil {
		return usageError(fmt.Sprintf("no feature gate named %q in Kubernetes %s to %s", name, knowledge.Oldest, knowledge.Newest))
	}
	fmt.Fprintf(w, "Feature gate %s\n", g.Name)
	if len(g.Components) > 0 {
		fmt.Fprintf(w, "Components: %s\n", strings.Join(g.Components, ", "))
	}
	fmt.Fprintf(w, "Removed in: %s\n", minorOrDash(g.RemovedIn))
	if at != nil {
		if s, ok := g.At(*at); ok {
			fmt.Fprintf(w, "At %s: %s\n", at, stageString(s))
		} else if g.Removed(*at) {
			fmt.Fprintf(w, "At %s: removed; components refuse to start with it set\n", at)
		} else {
			fmt.Fprintf(w, "At %s: not yet known\n", at)
		}
	}
	var rows [][]string
	for _, s := range g.Stages {
		rows = append(rows, []string{s.From.String() + "-" + s.To.String(), s.Stage, fmt.Sprint(s.Default), fmt.Sprint(s.Locked)})
	}
	if err := section(w, "Stages", []any{"Minors", "Stage", "Default", "Locked"}, rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nSource: %s\n", g.Source)
	return nil
}

func showFlag(w io.Writer, kb *knowledge.KB, spec string, at *knowledge.Minor) error {
	component, name, ok := strings.Cut(spec, "/")
	if !ok || component == "" || name == "" {
		return usageError(fmt.Sprintf("--flag %q: want COMPONENT/NAME, e.g. kubelet/allow-privileged", spec))
	}
	f := kb.Flag(component, name)
	if f == nil {
		return usageError(fmt.Sprintf("no flag --%s of %s in Kubernetes %s to %s", strings.TrimLeft(name, "-"), component, knowledge.Oldest, knowledge.Newest))
	}
	fmt.Fprintf(w, "%s --%s\n", f.Component, f.Name)
	rows := [][]string{
		{"Introduced in", minorOrDash(f.IntroducedIn)},
		{"Deprecated in", minorOrDash(f.DeprecatedIn)},
		{"Removed in", minorOrDash(f.RemovedIn)},
	}
	if f.DeprecationMessage != "" {
		rows = append(rows, []string{"Deprecation message", f.DeprecationMessage})
	}
	for _, c := range f.Constraints {
		rows = append(rows, []string{"From " + c.From.String(), "only " + strings.Join(c.Allowed, ", ") + "; " + c.Note})
	}
	if at != nil {
		st := f.At(*at)
		state := "absent"
		switch {
		case st.Exists && st.Deprecated:
			state = "deprecated"
		case st.Exists:
			state = "present"
		}
		rows = append(rows, []string{"At " + at.String(), state})
	}
	if err := section(w, "Lifecycle", []any{"Fact", "Value"}, rows); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nSource: %s\n", f.Source)
	return nil
}

// parseGVK reads GROUP/VERSION/KIND, or VERSION/KIND for the core group.
func parseGVK(spec string) (knowledge.GroupVersionKind, error) {
	parts := strings.Split(spec, "/")
	switch {
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		return knowledge.GroupVersionKind{Version: parts[0], Kind: parts[1]}, nil
	case len(parts) == 3 && parts[1] != "" && parts[2] != "":
		return knowledge.GroupVersionKind{Group: parts[0], Version: parts[1], Kind: parts[2]}, nil
	}
	return knowledge.GroupVersionKind{}, fmt.Errorf("--api %q: want GROUP/VERSION/KIND, e.g. apps/v1/Deployment (v1/Pod for the core group)", spec)
}

func showAPI(w io.Writer, kb *knowledge.KB, spec string, at *knowledge.Minor) error {
	gvk, err := parseGVK(spec)
	if err != nil {
		return usageError(err.Error())
	}
	a := kb.API(gvk)
	if a == nil {
		return usageError(fmt.Sprintf("no API %s in the knowledge base (custom resources are not in it)", gvk))
	}
	fmt.Fprintf(w, "%s %s\n", a.APIVersion(), a.Kind)
	repl := "-"
	if a.Replacement != nil {
		repl = a.Replacement.APIVersion() + " " + a.Replacement.Kind
	}
	rows := [][]string{
		{"Introduced in", minorOrDash(a.IntroducedIn)},
		{"Deprecated in", minorOrDash(a.DeprecatedIn)},
		{"Removed in", minorOrDash(a.RemovedIn)},
		{"Replacement", repl},
		{"Served by default", fmt.Sprint(a.ServedByDefault)},
	}
	if at != nil {
		var served []string // in any group: Ingress moved from extensions to networking.k8s.io
		for _, v := range kb.KindVersions(a.Kind) {
			if v.ServedAt(*at) {
				served = append(served, v.APIVersion())
			}
		}
		rows = append(rows, []string{"Served at " + at.String(), orDash(strings.Join(served, ", "))})
	}
	if err := section(w, "Lifecycle", []any{"Fact", "Value"}, rows); err != nil {
		return err
	}
	var others [][]string
	for _, o := range kb.KindVersions(a.Kind) {
		others = append(others, []string{o.APIVersion(), minorOrDash(o.IntroducedIn), minorOrDash(o.DeprecatedIn), minorOrDash(o.RemovedIn)})
	}
	if err := section(w, "Every version of "+a.Kind, []any{"API version", "Introduced", "Deprecated", "Removed"}, others); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nSource: %s\n", a.Source)
	return nil
}

// ---- export -----------------------------------------------------------------

// knowledgeExport is the document `knowledge export` writes. Its keys and the fields of
// the fact types are a contract with other tools: add beside them, never rename.
type knowledgeExport struct {
	SchemaVersion    string                      `json:"schemaVersion"`
	Oldest           knowledge.Minor             `json:"oldest"`
	Newest           knowledge.Minor             `json:"newest"`
	Gates            []knowledge.Gate            `json:"gates"`
	APIs             []knowledge.API             `json:"apis"`
	Flags            []knowledge.Flag            `json:"flags"`
	AdmissionPlugins []knowledge.AdmissionPlugin `json:"admissionPlugins"`
	Images           []exportImageSet            `json:"images"`
	Releases         []knowledge.Release         `json:"releases"`
	Metrics          []knowledge.MetricChange    `json:"metrics"`
	Addons           []knowledge.AddonSet        `json:"addons"`
}

func newKnowledgeExportCmd(o *knowledgeOptions) *cobra.Command {
	var outFile string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the whole knowledge base as one JSON document",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			kb, err := o.kb()
			if err != nil {
				return err
			}
			doc := knowledgeExport{
				SchemaVersion:    "upgrade-lint-knowledge/v1",
				Oldest:           knowledge.Oldest,
				Newest:           knowledge.Newest,
				Gates:            nonNil(kb.Gates),
				APIs:             nonNil(kb.APIs),
				Flags:            nonNil(kb.Flags),
				AdmissionPlugins: nonNil(kb.AdmissionPlugins),
				Images:           exportImages(kb.ImageSets),
				Releases:         nonNil(kb.Releases),
				Metrics:          nonNil(kb.Metrics),
				Addons:           nonNil(kb.Addons),
			}
			w := cmd.OutOrStdout()
			if outFile != "" && outFile != "-" {
				f, err := os.Create(outFile)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false) // deprecation messages name "<root-dir>": keep them readable
			return enc.Encode(doc)
		},
	}
	cmd.Flags().StringVarP(&outFile, "output-file", "O", "", "write to FILE instead of standard output")
	return cmd
}

// exportImageSet is knowledge.ImageSet with an image kubeadm did not pull that minor (pause
// in 1.10) written as null, as the export contract has absent values.
type exportImageSet struct {
	knowledge.ImageSet
	Etcd    *string `json:"etcd"`
	CoreDNS *string `json:"coredns"`
	Pause   *string `json:"pause"`
}

func exportImages(sets []knowledge.ImageSet) []exportImageSet {
	orNull := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	out := make([]exportImageSet, 0, len(sets))
	for _, s := range sets {
		out = append(out, exportImageSet{ImageSet: s, Etcd: orNull(s.Etcd), CoreDNS: orNull(s.CoreDNS), Pause: orNull(s.Pause)})
	}
	return out
}

// nonNil makes an empty list encode as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ---- update -----------------------------------------------------------------

func newKnowledgeUpdateCmd(o *knowledgeOptions) *cobra.Command {
	var githubURL string
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Refresh the latest patch of each minor from GitHub into the user cache directory",
		Long: `Lists the GitHub releases of kubernetes/kubernetes and stores the latest patch of each minor
(and the x.y.0 release dates) in the cache file; show, export and the lint itself then use the
newer patches. GITHUB_TOKEN, when set, authenticates the requests (a higher rate limit).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := o.cacheFile()
			if err != nil {
				return fmt.Errorf("no cache directory: %w (give --cache FILE)", err)
			}
			c, err := update.Fetch(cmd.Context(), update.Options{GitHubURL: githubURL, Token: os.Getenv("GITHUB_TOKEN")})
			if err != nil {
				return err
			}
			if err := c.Write(path); err != nil {
				return err
			}
			base, err := o.load()
			if err != nil {
				return err
			}
			newer := 0
			for _, r := range update.Apply(base, c).Releases {
				if old := base.Release(r.Minor); old == nil || old.LatestPatch != r.LatestPatch {
					newer++
					fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", r.Minor, r.LatestPatch)
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d minors fetched, %d newer than the built-in list; written to %s\n", len(c.Releases), newer, path)
			return nil
		},
	}
	cmd.Flags().StringVar(&githubURL, "github-url", update.DefaultGitHubURL, "GitHub API base URL (GitHub Enterprise, a mirror or a test server)")
	return cmd
}
