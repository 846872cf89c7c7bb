// Package report renders a findings.Result in every output format upgrade-lint offers:
// text tables for a terminal, JSON (the versioned contract in SCHEMA.md), a self-contained
// HTML page for change review boards, Markdown for pull-request comments, SARIF 2.1.0 for
// code-scanning UIs and JUnit XML for CI systems. All formats render the same sorted
// findings; nothing here does I/O beyond writing to the given writer.
package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

// RuleInfo is what the reports show about a rule: SARIF rule metadata, rule titles in
// HTML and Markdown, the test cases of JUnit.
type RuleInfo struct {
	Name     string
	Title    string
	Doc      string
	HelpURI  string
	Severity string // default severity: "error", "warning" or "info"
}

// Options tune rendering; the zero value is valid.
type Options struct {
	// Color turns on ANSI colour in the text format (the CLI sets it only on a tty).
	Color bool
	// Rules describes every rule of the run.
	Rules []RuleInfo
	// Now is the clock for "generated at"; nil keeps Result.GeneratedAt. Golden tests
	// inject a fixed one.
	Now func() time.Time
}

type writerFunc func(io.Writer, *findings.Result, Options) error

var writers = []struct {
	name  string
	write writerFunc
}{
	{"text", writeText},
	{"json", writeJSON},
	{"html", writeHTML},
	{"markdown", writeMarkdown},
	{"sarif", writeSARIF},
	{"junit", writeJUnit},
}

// Formats lists the output formats Write accepts, in the order help texts show them.
func Formats() []string {
	out := make([]string, len(writers))
	for i, w := range writers {
		out[i] = w.name
	}
	return out
}

// Write renders res in format to w. res is not modified.
func Write(w io.Writer, format string, res *findings.Result, opts Options) error {
	if res == nil {
		return fmt.Errorf("report: no result to render")
	}
	for _, f := range writers {
		if f.name == format {
			return f.write(w, normalize(res, opts), opts)
		}
	}
	return fmt.Errorf("unknown output format %q (want one of %s)", format, strings.Join(Formats(), ", "))
}

// normalize returns a copy of res that every format can rely on: schema version set,
// findings sorted and without repeats, the summary counted from them, empty lists
// rather than nil (JSON shows [] not null), and the injected clock applied.
func normalize(res *findings.Result, opts Options) *findings.Result {
	out := *res
	if out.SchemaVersion == "" {
		out.SchemaVersion = findings.SchemaVersion
	}
	out.Findings = findings.Sort(slices.Clone(res.Findings))
	if out.Findings == nil {
		out.Findings = []findings.Finding{}
	}
	out.Summary = findings.Summarize(out.Findings)
	out.Hops = make([]findings.Hop, len(res.Hops))
	for i, h := range res.Hops {
		if h.Images == nil {
			h.Images = []string{}
		}
		out.Hops[i] = h
	}
	if opts.Now != nil {
		out.GeneratedAt = opts.Now()
	}
	out.GeneratedAt = out.GeneratedAt.UTC()
	return &out
}

// hopGroup is the findings of one hop, or of no particular hop (Hop == nil and Name ==
// ""), in the order of the Result.
type hopGroup struct {
	Name     string        // "1.14->1.15"; "" for findings about the inputs themselves
	Hop      *findings.Hop // nil for the input group and for hops the Result does not list
	Verdict  findings.Verdict
	Summary  findings.Summary
	Findings []findings.Finding
	Rules    []ruleGroup
}

// Title is how a person reads the hop: "1.14 → 1.15".
func (g *hopGroup) Title() string {
	if g.Name == "" {
		return "Inputs"
	}
	from, to, ok := strings.Cut(g.Name, "->")
	if !ok {
		return g.Name
	}
	return from + " → " + to
}

// Version is the patch version the hop lands on, if known.
func (g *hopGroup) Version() string {
	if g.Hop == nil {
		return ""
	}
	return g.Hop.Version
}

// ruleGroup is the findings of one rule at one hop.
type ruleGroup struct {
	Rule     string
	Worst    findings.Severity
	Findings []findings.Finding
}

// groupByHop splits res.Findings (sorted) into the input group (only when it has
// findings), one group per hop of the plan (even when clear), and a group for any hop the
// plan does not list, so that no finding is ever dropped.
func groupByHop(res *findings.Result) []*hopGroup {
	byName := map[string]*hopGroup{}
	var groups []*hopGroup
	add := func(name string, hop *findings.Hop) *hopGroup {
		g := &hopGroup{Name: name, Hop: hop}
		byName[name] = g
		groups = append(groups, g)
		return g
	}
	for _, f := range res.Findings {
		if f.Hop == "" {
			add("", nil)
			break
		}
	}
	for i := range res.Hops {
		if _, dup := byName[res.Hops[i].Name()]; !dup {
			add(res.Hops[i].Name(), &res.Hops[i])
		}
	}
	for _, f := range res.Findings {
		g := byName[f.Hop]
		if g == nil {
			g = add(f.Hop, nil)
		}
		g.Findings = append(g.Findings, f)
	}
	for _, g := range groups {
		g.Summary = findings.Summarize(g.Findings)
		g.Verdict = res.HopVerdict(g.Name)
		g.Rules = groupByRule(g.Findings)
	}
	return groups
}

// groupByRule keeps the findings' order: rules appear by their worst finding first.
func groupByRule(fs []findings.Finding) []ruleGroup {
	var out []ruleGroup
	index := map[string]int{}
	for _, f := range fs {
		i, ok := index[f.Rule]
		if !ok {
			i = len(out)
			index[f.Rule] = i
			out = append(out, ruleGroup{Rule: f.Rule})
		}
		out[i].Findings = append(out[i].Findings, f)
		if f.Severity > out[i].Worst {
			out[i].Worst = f.Severity
		}
	}
	return out
}

// ruleIndex looks rules up by name; rules seen only in findings get a bare entry.
type ruleIndex map[string]RuleInfo

func newRuleIndex(rules []RuleInfo) ruleIndex {
	idx := ruleIndex{}
	for _, r := range rules {
		idx[r.Name] = r
	}
	return idx
}

func (idx ruleIndex) title(name string) string {
	if r, ok := idx[name]; ok {
		if r.Title != "" {
			return r.Title
		}
		t, _, _ := strings.Cut(strings.TrimSpace(r.Doc), "\n")
		return t
	}
	return ""
}

// allRules is every rule of opts plus any rule only findings name, sorted by name.
func allRules(res *findings.Result, rules []RuleInfo) []RuleInfo {
	idx := newRuleIndex(rules)
	out := slices.Clone(rules)
	for _, f := range res.Findings {
		if _, ok := idx[f.Rule]; !ok {
			r := RuleInfo{Name: f.Rule, Severity: f.Severity.String()}
			idx[f.Rule] = r
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b RuleInfo) int { return strings.Compare(a.Name, b.Name) })
	return slices.CompactFunc(out, func(a, b RuleInfo) bool { return a.Name == b.Name })
}

// where is the finding's location as one line: "path:line", "Kind ns/name", or both.
func where(f findings.Finding) string {
	return f.Source.String()
}

// plural writes "1 error" / "2 errors".
func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// countsLine is "2 errors, 1 warning, 0 info".
func countsLine(s findings.Summary) string {
	return fmt.Sprintf("%s, %s, %d info", plural(s.Error, "error"), plural(s.Warning, "warning"), s.Info)
}

// verdictCounts counts the plan's hops by verdict.
func verdictCounts(groups []*hopGroup) (blocked, needsAction, clear int) {
	for _, g := range groups {
		if g.Hop == nil && g.Name == "" {
			continue
		}
		switch g.Verdict {
		case findings.Blocked:
			blocked++
		case findings.NeedsAction:
			needsAction++
		default:
			clear++
		}
	}
	return
}

// imageRepository is the repository the hop's images share, for compact listings.
func imageRepository(h *findings.Hop) string {
	if h.ImageRepository != "" {
		return strings.TrimSuffix(h.ImageRepository, "/")
	}
	if len(h.Images) == 0 {
		return ""
	}
	prefix := h.Images[0]
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		prefix = prefix[:i]
	} else {
		return ""
	}
	for _, img := range h.Images[1:] {
		for !strings.HasPrefix(img, prefix+"/") {
			i := strings.LastIndex(prefix, "/")
			if i < 0 {
				return ""
			}
			prefix = prefix[:i]
		}
	}
	return prefix
}

// shortImage drops repo from ref when ref is under it.
func shortImage(ref, repo string) string {
	if repo != "" && strings.HasPrefix(ref, repo+"/") {
		return ref[len(repo)+1:]
	}
	return ref
}
