package report

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

//go:embed templates/report.html.tmpl templates/report.css templates/report.js
var templateFS embed.FS

var htmlTemplate = template.Must(template.New("report.html.tmpl").
	Funcs(template.FuncMap{"breakable": breakable}).
	ParseFS(templateFS, "templates/report.html.tmpl"))

// breakable lets a browser wrap a long path after its slashes. Every piece is escaped:
// the path is untrusted text.
func breakable(path string) template.HTML {
	parts := strings.Split(path, "/")
	for i := range parts {
		parts[i] = template.HTMLEscapeString(parts[i])
	}
	return template.HTML(strings.Join(parts, "/<wbr>"))
}

func mustRead(name string) string {
	b, err := templateFS.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time: cannot fail at run time
	}
	return string(b)
}

var (
	reportCSS = mustRead("templates/report.css")
	reportJS  = mustRead("templates/report.js")
)

// contentSecurityPolicy allows exactly the inlined style and script (by hash) and nothing
// from anywhere else: the report fetches nothing, and were cluster text ever to slip past
// escaping, a browser would still not run it.
func contentSecurityPolicy() string {
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	return "default-src 'none'; style-src " + hash(reportCSS) + "; script-src " + hash(reportJS) +
		"; img-src data:; base-uri 'none'; form-action 'none'"
}

type htmlPage struct {
	Res         *findings.Result
	Generated   string
	LastVersion string
	Overall     htmlOverall
	Hops        []*htmlHop
	RuleNames   []string
	Images      imageMatrix
	CSP         string
	CSS         template.CSS
	JS          template.JS
}

type htmlOverall struct {
	Class, Headline, Detail string
}

type htmlHop struct {
	*hopGroup
	ID           string
	VerdictText  string
	VerdictClass string
	Counts       string
	Bar          []barSegment
	BarTotal     int
	Rules        []htmlRuleGroup
}

type barSegment struct {
	Class    string
	X, Width int
}

type htmlRuleGroup struct {
	Rule     string
	Title    string
	HelpURI  string
	Worst    findings.Severity
	Findings []htmlFinding
}

type htmlFinding struct {
	findings.Finding
	PathLine string
}

func writeHTML(w io.Writer, res *findings.Result, opts Options) error {
	rules := newRuleIndex(opts.Rules)
	groups := groupByHop(res)
	page := htmlPage{
		Res:       res,
		Generated: res.GeneratedAt.Format("2006-01-02 15:04 MST"),
		Overall:   overall(res, groups),
		Images:    newImageMatrix(res.Hops),
		CSP:       contentSecurityPolicy(),
		CSS:       template.CSS(reportCSS),
		JS:        template.JS(reportJS),
	}
	if n := len(res.Hops); n > 0 {
		page.LastVersion = res.Hops[n-1].Version
	}
	seenRule := map[string]bool{}
	for _, r := range allRules(res, nil) {
		if !seenRule[r.Name] {
			seenRule[r.Name] = true
			page.RuleNames = append(page.RuleNames, r.Name)
		}
	}
	for _, g := range groups {
		h := &htmlHop{
			hopGroup:     g,
			ID:           hopID(g.Name),
			VerdictText:  string(g.Verdict),
			VerdictClass: strings.ReplaceAll(string(g.Verdict), " ", "-"),
			Counts:       countsLine(g.Summary),
		}
		h.Bar, h.BarTotal = severityBar(g.Summary)
		if g.Name == "" && g.Verdict != findings.Clear {
			h.VerdictText = "inputs not fully read"
		}
		for _, rg := range g.Rules {
			info := rules[rg.Rule]
			hr := htmlRuleGroup{Rule: rg.Rule, Title: rules.title(rg.Rule), HelpURI: info.HelpURI, Worst: rg.Worst}
			for _, f := range rg.Findings {
				hr.Findings = append(hr.Findings, htmlFinding{
					Finding:  f,
					PathLine: findings.Source{Path: f.Source.Path, Line: f.Source.Line}.String(),
				})
			}
			h.Rules = append(h.Rules, hr)
		}
		page.Hops = append(page.Hops, h)
	}
	var buf strings.Builder
	if err := htmlTemplate.Execute(&buf, page); err != nil {
		return fmt.Errorf("rendering the HTML report: %w", err)
	}
	_, err := io.WriteString(w, buf.String())
	return err
}

// overall is the banner a review board reads first.
func overall(res *findings.Result, groups []*hopGroup) htmlOverall {
	blocked, needsAction, _ := verdictCounts(groups)
	hops := len(res.Hops)
	var o htmlOverall
	switch {
	case blocked > 0:
		o.Class = "blocked"
		o.Headline = fmt.Sprintf("Blocked: %d of %s cannot be done as the cluster is configured.", blocked, plural(hops, "hop"))
		o.Detail = fmt.Sprintf("Fix the %s at the hops they are reported for before starting that hop.", plural(res.Summary.Error, "error"))
	case needsAction > 0:
		o.Class = "needs-action"
		o.Headline = fmt.Sprintf("Needs action at %d of %s.", needsAction, plural(hops, "hop"))
		o.Detail = "No hop is blocked; the warnings need action before a later upgrade or are risky."
	default:
		o.Class = "clear"
		o.Headline = fmt.Sprintf("Clear: nothing blocks any of the %s.", plural(hops, "hop"))
		o.Detail = "No errors or warnings were found in the inputs."
	}
	if res.Summary.Error > 0 && blocked == 0 {
		// Errors outside any hop: inputs that could not be read.
		o.Class = "blocked"
		o.Detail = fmt.Sprintf("%s in the inputs: parts of them were not checked. ", plural(res.Summary.Error, "error")) + o.Detail
	}
	if n := len(res.Unchecked); n > 0 {
		o.Detail += fmt.Sprintf(" %s could not be checked: see “What could not be checked”.", plural(n, "item"))
	}
	return o
}

// severityBar lays out the timeline's bar: one segment per severity, in a viewBox as wide
// as the number of findings (an all-clear segment when there are none).
func severityBar(s findings.Summary) ([]barSegment, int) {
	var segs []barSegment
	x := 0
	for _, part := range []struct {
		class string
		n     int
	}{{"e", s.Error}, {"w", s.Warning}, {"i", s.Info}} {
		if part.n > 0 {
			segs = append(segs, barSegment{Class: part.class, X: x, Width: part.n})
			x += part.n
		}
	}
	if x == 0 {
		return []barSegment{{Class: "c", Width: 1}}, 1
	}
	return segs, x
}

// hopID is an HTML id for a hop: letters, digits and dashes only.
func hopID(name string) string {
	if name == "" {
		return "hop-inputs"
	}
	var b strings.Builder
	b.WriteString("hop-")
	for _, r := range strings.ReplaceAll(name, "->", "-to-") {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	return b.String()
}

// imageMatrix is the image plan as a table: one row per image, one column per hop, the
// tag in each cell, highlighted where it changes from the previous hop.
type imageMatrix struct {
	Repository string // shared by every hop; empty when they differ
	Source     string
	Hops       []string
	Rows       []imageRow
}

type imageRow struct {
	Name  string
	Cells []imageCell
}

type imageCell struct {
	Text    string
	Ref     string
	Changed bool
}

func newImageMatrix(hops []findings.Hop) imageMatrix {
	var m imageMatrix
	repos := map[string]bool{}
	for i := range hops {
		repos[imageRepository(&hops[i])] = true
		if m.Source == "" {
			m.Source = hops[i].ImageRepositorySource
		}
	}
	shared := len(repos) == 1
	rowIndex := map[string]int{}
	for col := range hops {
		h := &hops[col]
		m.Hops = append(m.Hops, h.From+" → "+h.To)
		repo := imageRepository(h)
		if shared {
			m.Repository = repo
		}
		for _, ref := range h.Images {
			short := shortImage(ref, repo)
			path, tag := splitImage(short)
			name := path[strings.LastIndex(path, "/")+1:]
			r, ok := rowIndex[name]
			if !ok {
				r = len(m.Rows)
				rowIndex[name] = r
				m.Rows = append(m.Rows, imageRow{Name: name, Cells: make([]imageCell, len(hops))})
			}
			text := tag
			if path != name || !shared {
				text = short
			}
			m.Rows[r].Cells[col] = imageCell{Text: text, Ref: ref}
		}
	}
	for r := range m.Rows {
		cells := m.Rows[r].Cells
		for col := range cells {
			if cells[col].Ref == "" {
				cells[col].Text = "—"
				continue
			}
			cells[col].Changed = col > 0 && cells[col].Ref != cells[col-1].Ref
		}
	}
	return m
}

// splitImage splits "path:tag" or "path@digest".
func splitImage(ref string) (path, tag string) {
	if i := strings.Index(ref, "@"); i >= 0 {
		return ref[:i], ref[i:]
	}
	slash := strings.LastIndex(ref, "/")
	if i := strings.LastIndex(ref, ":"); i > slash {
		return ref[:i], ref[i+1:]
	}
	return ref, ""
}
