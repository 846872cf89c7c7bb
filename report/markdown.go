package report

import (
	"fmt"
	"io"
	"net/url"
	"path"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

// markdownLimit is GitHub's size limit for an issue or pull-request comment (65,536
// characters). The report counts bytes, which are never fewer than characters.
const markdownLimit = 65536

// markdownNoteReserve is kept free for the truncation note.
const markdownNoteReserve = 600

// mdBuilder appends blocks while they fit in the limit and counts the findings it had to
// leave out.
type mdBuilder struct {
	b                strings.Builder
	limit            int
	full             bool
	shown, omitted   int    // findings
	uncheckedOmitted int    // items of "could not check"
	firstLeft        string // where the cut is, for the note
}

// add appends block, which shows n findings (or one unchecked item), unless it would
// leave no room for the note. Once a block is left out, every later one is too: the
// report is cut at one point, and the note says where.
func (m *mdBuilder) add(block string, n int, unchecked bool, where string) bool {
	if !m.full && m.b.Len()+len(block) <= m.limit-markdownNoteReserve {
		m.b.WriteString(block)
		m.shown += n
		return true
	}
	if !m.full {
		m.firstLeft = where
	}
	m.full = true
	m.omitted += n
	if unchecked {
		m.uncheckedOmitted++
	}
	return false
}

func writeMarkdown(w io.Writer, res *findings.Result, opts Options) error {
	_, err := io.WriteString(w, renderMarkdown(res, opts, markdownLimit))
	return err
}

func renderMarkdown(res *findings.Result, opts Options, limit int) string {
	rules := newRuleIndex(opts.Rules)
	groups := groupByHop(res)
	blocked, needsAction, _ := verdictCounts(groups)
	m := &mdBuilder{limit: limit}

	var head strings.Builder
	fmt.Fprintf(&head, "## upgrade-lint: Kubernetes %s → %s\n\n", mdText(res.From), mdText(res.To))
	switch {
	case blocked > 0:
		fmt.Fprintf(&head, "⛔ **Blocked** at %d of %s", blocked, plural(len(res.Hops), "hop"))
	case needsAction > 0:
		fmt.Fprintf(&head, "⚠️ **Needs action** at %d of %s", needsAction, plural(len(res.Hops), "hop"))
	default:
		fmt.Fprintf(&head, "✅ **Clear** at all %s", plural(len(res.Hops), "hop"))
	}
	fmt.Fprintf(&head, " · %s · generated %s", countsLine(res.Summary), res.GeneratedAt.Format("2006-01-02 15:04 MST"))
	if res.Tool != "" {
		fmt.Fprintf(&head, " by upgrade-lint %s", mdText(res.Tool))
	}
	head.WriteString("\n")
	if len(res.Inputs) > 0 {
		ins := make([]string, len(res.Inputs))
		for i, in := range res.Inputs {
			ins[i] = mdCode(in)
		}
		fmt.Fprintf(&head, "\nInputs: %s\n", strings.Join(ins, ", "))
	}
	head.WriteString("\n| Hop | Lands on | Verdict | Errors | Warnings | Info |\n|---|---|---|--:|--:|--:|\n")
	for _, g := range groups {
		fmt.Fprintf(&head, "| %s | %s | %s | %d | %d | %d |\n", mdText(g.Title()), mdText(g.Version()), mdVerdict(g),
			g.Summary.Error, g.Summary.Warning, g.Summary.Info)
	}
	m.add(head.String(), 0, false, "the summary")

	if len(res.Unchecked) > 0 {
		m.add("\n### Could not check\n\n", 0, false, "the list of what could not be checked")
		for _, u := range res.Unchecked {
			m.add(fmt.Sprintf("- **%s**: %s\n", mdText(u.What), mdText(u.Reason)), 0, true, "the list of what could not be checked")
		}
	}

	for _, g := range groups {
		if len(g.Findings) == 0 {
			continue // the summary table already says the hop is clear
		}
		title, where := "Inputs (before any hop)", "the inputs section"
		if g.Name != "" {
			where = "hop " + g.Title()
			title = "Hop " + g.Title()
			if v := g.Version(); v != "" {
				title += " (" + v + ")"
			}
		}
		section := fmt.Sprintf("\n### %s: %s\n\n| Severity | Rule | Subject | Where | Message | Fix |\n|---|---|---|---|---|---|\n",
			mdText(title), mdVerdict(g))
		if !m.add(section, 0, false, where) {
			m.omitted += len(g.Findings)
			continue
		}
		for _, f := range g.Findings {
			m.add(mdRow(f, rules), 1, false, where)
		}
	}

	out := m.b.String()
	if m.full {
		var left []string
		if m.omitted > 0 {
			left = append(left, fmt.Sprintf("%d of %d findings", m.omitted, m.omitted+m.shown))
		}
		if m.uncheckedOmitted > 0 {
			left = append(left, fmt.Sprintf("%d of %d items that could not be checked", m.uncheckedOmitted, len(res.Unchecked)))
		}
		out += fmt.Sprintf("\n> [!WARNING]\n> **Truncated:** %s not shown, from %s on: a GitHub comment holds at most 65,536 characters. "+
			"The JSON or HTML report (`-o json`, `-o html`) has everything.\n", strings.Join(left, " and "), mdText(m.firstLeft))
	}
	return out
}

func mdVerdict(g *hopGroup) string {
	switch {
	case g.Name == "" && g.Verdict != findings.Clear:
		return "⛔ inputs not fully read"
	case g.Verdict == findings.Blocked:
		return "⛔ blocked"
	case g.Verdict == findings.NeedsAction:
		return "⚠️ needs action"
	}
	return "✅ clear"
}

func mdSeverity(s findings.Severity) string {
	switch s {
	case findings.Error:
		return "🔴 error"
	case findings.Warning:
		return "🟡 warning"
	}
	return "🔵 info"
}

func mdRow(f findings.Finding, rules ruleIndex) string {
	subject := mdCode(f.Subject)
	if f.Component != "" {
		subject += " (" + mdText(f.Component) + ")"
	}
	var where []string
	if f.Source.Path != "" {
		where = append(where, mdCode(findings.Source{Path: f.Source.Path, Line: f.Source.Line}.String()))
	}
	if f.Source.Object != nil {
		where = append(where, mdText(f.Source.Object.String()))
	}
	rule := mdCode(f.Rule)
	if uri := rules[f.Rule].HelpURI; safeURL(uri) {
		rule = "[" + rule + "](" + mdURL(uri) + ")"
	}
	msg := mdText(f.Message)
	if f.Evidence != "" {
		msg += "<br>Evidence: " + mdCode(f.Evidence)
	}
	fix := mdText(f.Fix)
	var refs []string
	for _, r := range f.References {
		if safeURL(r) {
			refs = append(refs, "["+mdText(refLabel(r))+"]("+mdURL(r)+")")
		}
	}
	if len(refs) > 0 {
		if fix != "" {
			fix += "<br>"
		}
		fix += "Upstream: " + strings.Join(refs, ", ")
	}
	return fmt.Sprintf("| %s | %s | %s | %s | %s | %s |\n", mdSeverity(f.Severity), rule, subject, strings.Join(where, "<br>"), msg, fix)
}

// refLabel is a short link text: "kubernetes#77820" for a pull request, else the host
// and last path element.
func refLabel(ref string) string {
	u, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if u.Host == "github.com" && len(parts) == 4 && (parts[2] == "pull" || parts[2] == "issues") {
		return parts[1] + "#" + parts[3]
	}
	return u.Host + "/…/" + path.Base(u.Path)
}

func safeURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// mdURL makes a URL safe inside a Markdown link destination in a table cell.
func mdURL(s string) string {
	r := strings.NewReplacer(" ", "%20", "(", "%28", ")", "%29", "|", "%7C", "<", "%3C", ">", "%3E", "`", "%60", "\n", "", "\r", "")
	return r.Replace(s)
}

// mdText escapes untrusted text for a Markdown table cell: no markup, no raw HTML, no
// broken cells.
var mdTextReplacer = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "~", `\~`, "#", `\#`, "!", `\!`,
	"\r\n", "<br>", "\n", "<br>", "\r", "<br>",
)

func mdText(s string) string { return mdTextReplacer.Replace(s) }

// mdCode is s as an inline code span in a table cell.
func mdCode(s string) string {
	if s == "" {
		return ""
	}
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "|", `\|`).Replace(s)
	longest, run := 0, 0
	for _, c := range s {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		s = " " + s + " "
	}
	return fence + s + fence
}
