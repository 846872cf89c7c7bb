package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

// textWidth is the terminal width the text report is laid out for.
const textWidth = 120

// ANSI styles; used only when Options.Color is set.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[1;31m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiGreen  = "\x1b[32m"
	ansiDim    = "\x1b[2m"
)

type textWriter struct {
	w     *bufio.Writer
	color bool
	err   error
}

func (t *textWriter) style(code, s string) string {
	if !t.color || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

func (t *textWriter) severity(s findings.Severity) string {
	switch s {
	case findings.Error:
		return t.style(ansiRed, s.String())
	case findings.Warning:
		return t.style(ansiYellow, s.String())
	}
	return t.style(ansiCyan, s.String())
}

func (t *textWriter) verdict(v findings.Verdict) string {
	switch v {
	case findings.Blocked:
		return t.style(ansiRed, "BLOCKED")
	case findings.NeedsAction:
		return t.style(ansiYellow, "NEEDS ACTION")
	}
	return t.style(ansiGreen, "clear")
}

func writeText(out io.Writer, res *findings.Result, opts Options) error {
	t := &textWriter{w: bufio.NewWriter(out), color: opts.Color}
	groups := groupByHop(res)
	blocked, needsAction, clear := verdictCounts(groups)
	planHops := blocked + needsAction + clear

	t.printf("%s %s → %s: %s\n", t.style(ansiBold, "upgrade-lint"), res.From, res.To, plural(len(res.Hops), "hop"))
	if len(res.Inputs) > 0 {
		t.printf("Inputs: %s\n", strings.Join(res.Inputs, ", "))
	}
	if res.FromSource != "" {
		t.printf("From version: %s (%s)\n", res.From, res.FromSource)
	}
	t.printf("Generated: %s", res.GeneratedAt.Format("2006-01-02 15:04 MST"))
	if res.Tool != "" {
		t.printf(" by upgrade-lint %s", res.Tool)
	}
	t.printf("\n")

	for _, g := range groups {
		t.printf("\n")
		t.hop(g)
	}

	if len(res.Unchecked) > 0 {
		t.printf("\n%s\n", t.style(ansiBold, "Could not check:"))
		for _, u := range res.Unchecked {
			t.printf("%s\n", indentWrap("- "+u.What+": "+u.Reason, "  ", textWidth))
		}
	}

	needs := "need action"
	if needsAction == 1 {
		needs = "needs action"
	}
	t.printf("\nSummary: %s: %d blocked, %d %s, %d clear · %s",
		plural(planHops, "hop"), blocked, needsAction, needs, clear, countsLine(res.Summary))
	if n := len(res.Unchecked); n > 0 {
		t.printf(" · %s not checked", plural(n, "item"))
	}
	t.printf("\n")
	if t.err != nil {
		return t.err
	}
	return t.w.Flush()
}

func (t *textWriter) hop(g *hopGroup) {
	if g.Name == "" {
		t.printf("%s — %s\n", t.style(ansiBold, "Inputs (before any hop)"), countsLine(g.Summary))
	} else {
		title := "Hop " + g.Title()
		if v := g.Version(); v != "" {
			title += " (" + v + ")"
		}
		if len(g.Findings) == 0 {
			t.printf("%s — %s: nothing found\n", t.style(ansiBold, title), t.verdict(g.Verdict))
		} else {
			t.printf("%s — %s: %s\n", t.style(ansiBold, title), t.verdict(g.Verdict), countsLine(g.Summary))
		}
	}
	if g.Hop != nil && len(g.Hop.Images) > 0 {
		repo := imageRepository(g.Hop)
		label := "  Images"
		if repo != "" {
			label += " (" + repo + ")"
		}
		short := make([]string, len(g.Hop.Images))
		for i, img := range g.Hop.Images {
			short[i] = shortImage(img, repo)
		}
		t.printf("%s\n", t.style(ansiDim, indentWrap(label+": "+strings.Join(short, " "), "    ", textWidth)))
	}
	if len(g.Findings) == 0 {
		return
	}
	t.table(g.Findings)

	// What and how to fix below the table, numbered as the rows; one entry per distinct
	// message and fix, so that twenty identical findings do not repeat the same sentences.
	type note struct {
		rows         []string
		message, fix string
	}
	var notes []*note
	byText := map[[2]string]*note{}
	for i, f := range g.Findings {
		k := [2]string{f.Message, f.Fix}
		n := byText[k]
		if n == nil {
			n = &note{message: f.Message, fix: f.Fix}
			byText[k] = n
			notes = append(notes, n)
		}
		n.rows = append(n.rows, fmt.Sprint(i+1))
	}
	fixedAt := map[string]string{} // a fix already printed in this hop -> its rows
	for _, n := range notes {
		label := "  " + strings.Join(n.rows, ",") + ". "
		indent := strings.Repeat(" ", utf8.RuneCountInString(label))
		t.printf("%s\n", indentWrap(label+n.message, indent, textWidth))
		if rows, ok := fixedAt[n.fix]; ok && n.fix != "" && strings.Contains(n.fix, "\n") {
			// A long block fix (a migrated Corefile) is printed once per hop.
			t.printf("%s\n", t.style(ansiDim, indent+"Fix: as for "+rows+"."))
			continue
		}
		fixedAt[n.fix] = strings.Join(n.rows, ",")
		if n.fix != "" {
			// A fix may carry a block (a migrated Corefile): its own lines are kept, only
			// prose lines are wrapped.
			for i, line := range strings.Split(strings.TrimRight(n.fix, "\n"), "\n") {
				lead := indent + "     "
				if i == 0 {
					line = "Fix: " + line
					lead = indent
				}
				t.printf("%s\n", t.style(ansiDim, strings.TrimRight(indentWrap(lead+line, indent+"     ", textWidth), " ")))
			}
		}
	}
}

// textColumn is one column of the findings table: its header, its widest width (0 for
// the message, which takes the rest) and how a finding fills it.
type textColumn struct {
	header string
	max    int
	cell   func(i int, f findings.Finding) string
}

// The table says what and where; the message and fix of each row follow it, numbered, so
// that no cell has to wrap a sentence.
var textColumns = []textColumn{
	{"#", 3, func(i int, _ findings.Finding) string { return fmt.Sprint(i + 1) }},
	{"severity", 8, func(_ int, f findings.Finding) string { return f.Severity.String() }},
	{"rule", 20, func(_ int, f findings.Finding) string { return f.Rule }},
	{"subject", 36, func(_ int, f findings.Finding) string { return textSubject(f) }},
	{"where", 0, func(_ int, f findings.Finding) string { return textWhere(f) }},
}

// textSubject names the component with the subject unless the subject already does.
func textSubject(f findings.Finding) string {
	if f.Component == "" || strings.Contains(f.Subject, f.Component) {
		return f.Subject
	}
	return f.Component + " " + f.Subject
}

// textWhere is the file and line when there is one, else the object: the table has no
// room for both (JSON and HTML show both).
func textWhere(f findings.Finding) string {
	if f.Source.Path != "" {
		return findings.Source{Path: f.Source.Path, Line: f.Source.Line}.String()
	}
	return f.Source.String()
}

const minMessageWidth = 30

func (t *textWriter) table(fs []findings.Finding) {
	// Leave out columns no finding fills (often COMPONENT, for API findings).
	var cols []textColumn
	for _, c := range textColumns {
		for i, f := range fs {
			if c.cell(i, f) != "" {
				cols = append(cols, c)
				break
			}
		}
	}
	rows := make([][]string, len(fs))
	for i, f := range fs {
		rows[i] = make([]string, len(cols))
		for c, col := range cols {
			rows[i][c] = col.cell(i, f)
		}
	}
	widths := columnWidths(cols, rows)
	for i, row := range rows {
		for c, col := range cols {
			if col.header == "severity" {
				// Colour after measuring: severity words are short and never wrap.
				row[c] = t.severity(fs[i].Severity)
				continue
			}
			row[c] = wrapJoin(row[c], widths[c])
		}
	}
	if t.err != nil {
		return
	}
	headers := make([]any, len(cols))
	for i, c := range cols {
		headers[i] = c.header
	}
	table := tablewriter.NewTable(t.w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Symbols: tw.NewSymbols(tw.StyleLight),
			Settings: tw.Settings{
				Separators: tw.Separators{BetweenRows: tw.Off},
			},
		})),
		tablewriter.WithEastAsian(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
	)
	table.Header(headers...)
	if err := table.Bulk(rows); err != nil {
		t.err = err
		return
	}
	if err := table.Render(); err != nil {
		t.err = err
	}
}

// columnWidths gives each column its natural width up to its cap and the last column
// (WHERE) the rest of textWidth, taking from SUBJECT and RULE when it would be too narrow.
func columnWidths(cols []textColumn, rows [][]string) []int {
	n := len(cols)
	widths := make([]int, n)
	for c, col := range cols {
		widths[c] = utf8.RuneCountInString(col.header)
		for _, row := range rows {
			for _, line := range strings.Split(row[c], "\n") {
				widths[c] = max(widths[c], utf8.RuneCountInString(line))
			}
		}
		if col.max > 0 {
			widths[c] = max(min(widths[c], col.max), utf8.RuneCountInString(col.header))
		}
	}
	// Each column costs its content, one space either side and a border.
	budget := textWidth - 1 - 3*n
	used := 0
	for c := 0; c < n-1; c++ {
		used += widths[c]
	}
	msg := &widths[n-1]
	// The last column needs no more than its content: squeezing SUBJECT to pad a short WHERE
	// ("ing.yaml:1") would only wrap the subject for nothing.
	want := min(*msg, minMessageWidth)
	*msg = min(*msg, budget-used)
	// Take one column at a time from the wider of SUBJECT and RULE, so that they wrap evenly
	// rather than one of them collapsing.
	for *msg < want {
		widest := -1
		for c, col := range cols {
			if c < n-1 && (col.header == "subject" || col.header == "rule") && widths[c] > 16 &&
				(widest < 0 || widths[c] > widths[widest]) {
				widest = c
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
		*msg++
	}
	*msg = max(*msg, 10)
	return widths
}

// indentWrap wraps s to width, keeping its leading spaces on the first line and
// indenting continuation lines with indent.
func indentWrap(s, indent string, width int) string {
	body := strings.TrimLeft(s, " ")
	lead := s[:len(s)-len(body)]
	lines := wrap(body, width-len(lead))
	if len(lines) <= 1 {
		return lead + strings.Join(lines, "")
	}
	rest := wrap(strings.Join(lines[1:], " "), width-utf8.RuneCountInString(indent))
	for i := range rest {
		rest[i] = indent + rest[i]
	}
	return lead + lines[0] + "\n" + strings.Join(rest, "\n")
}
