// Package ruletest runs rules over txtar scenarios and checks `# want` expectations,
// in the manner of x/tools' analysistest.
//
// A scenario is one .txtar archive. Its comment section holds settings and
// expectations for findings that have no file line:
//
//	from: 1.14
//	to: 1.21
//	now: 2026-01-02T15:04:05Z        (Plan.Now, for certificate expiry)
//	want: "version-skew: node-1"
//	unchecked: "WHAT"                (a could-not-check entry the rules must record)
//
// Files under cluster/, nodes/, prometheus/ and certs/ form a snapshot; files under
// files/ are given as -f inputs. A line flagged by a rule carries a comment
// `# want "RULE: SUBJECT"` (several quoted expectations may follow one want; a
// trailing "@1.14->1.15" inside the quotes also pins the hop). The want comments are
// stripped before the scanner reads the files, so they never change what is parsed.
package ruletest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/scanner"
)

var (
	wantComment = regexp.MustCompile(`\s*#\s*want\s+((?:"[^"]*"\s*)+)$`)
	quoted      = regexp.MustCompile(`"([^"]*)"`)
)

type expectation struct {
	path string // "" for the comment section
	line int
	text string // "rule: subject"
	hop  string
	hit  bool
}

// Run runs ruleset over every scenario in dir/*.txtar, each as a subtest.
func Run(t *testing.T, dir string, ruleset ...*rules.Rule) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios in %s", dir)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) {
			RunScenario(t, f, ruleset...)
		})
	}
}

// RunScenario runs one archive and returns the findings (for tests that check more).
func RunScenario(t *testing.T, archive string, ruleset ...*rules.Rule) []findings.Finding {
	t.Helper()
	return RunScenarioOutcome(t, archive, ruleset...).Findings
}

// RunScenarioOutcome is RunScenario returning the could-not-check entries too. Every
// entry must be declared with `unchecked:` in the comment, and every declared one recorded.
func RunScenarioOutcome(t *testing.T, archive string, ruleset ...*rules.Rule) rules.Outcome {
	t.Helper()
	ar, err := txtar.ParseFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	from, to := knowledge.V(14), knowledge.V(21)
	var now time.Time
	var wants []*expectation
	unchecked := map[string]bool{}
	for i, line := range strings.Split(string(ar.Comment), "\n") {
		key, val, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch key {
		case "from":
			from = knowledge.MustMinor(val)
		case "to":
			to = knowledge.MustMinor(val)
		case "now":
			if now, err = time.Parse(time.RFC3339, val); err != nil {
				t.Fatalf("now: %v", err)
			}
		case "want":
			for _, m := range quoted.FindAllStringSubmatch(val, -1) {
				wants = append(wants, newExpectation("", i+1, m[1]))
			}
		case "unchecked":
			what, err := strconv.Unquote(val)
			if err != nil {
				t.Fatalf("unchecked: %v", err)
			}
			unchecked[what] = false
		}
	}
	root := t.TempDir()
	hasFiles := false
	for _, f := range ar.Files {
		var out []string
		for i, line := range strings.Split(string(f.Data), "\n") {
			if m := wantComment.FindStringSubmatchIndex(line); m != nil {
				for _, q := range quoted.FindAllStringSubmatch(line[m[2]:m[3]], -1) {
					wants = append(wants, newExpectation(f.Name, i+1, q[1]))
				}
				line = line[:m[0]]
			}
			out = append(out, line)
		}
		p := filepath.Join(root, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.Join(out, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(f.Name, "files/") {
			hasFiles = true
		}
	}
	opts := scanner.Options{Snapshot: root}
	if hasFiles {
		opts.Files = []string{filepath.Join(root, "files")}
	}
	inv, err := scanner.Scan(context.Background(), opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	kb := knowledge.MustDefault()
	hops, err := kb.Hops(from, to)
	if err != nil {
		t.Fatal(err)
	}
	out := rules.RunAll(ruleset, &rules.Plan{From: from, To: to, Hops: hops, Now: now}, kb, inv)
	for _, f := range out.Findings {
		path := relPath(root, f.Source.Path)
		matched := false
		for _, w := range wants {
			if w.matches(f, path) {
				w.hit, matched = true, true
			}
		}
		if !matched {
			t.Errorf("%s:%d: unexpected finding %s: %s @%s (%s)", path, f.Source.Line, f.Rule, f.Subject, f.Hop, f.Message)
		}
	}
	sort.SliceStable(wants, func(i, j int) bool { return wants[i].path < wants[j].path })
	for _, w := range wants {
		if !w.hit {
			t.Errorf("%s:%d: no finding matched want %q", w.path, w.line, w.text+hopSuffix(w.hop))
		}
	}
	for _, u := range out.Unchecked {
		if _, ok := unchecked[u.What]; !ok {
			t.Errorf("unexpected could-not-check %q: %s (declare it with unchecked:)", u.What, u.Reason)
			continue
		}
		unchecked[u.What] = true
	}
	for what, hit := range unchecked {
		if !hit {
			t.Errorf("no could-not-check entry for %q", what)
		}
	}
	return out
}

func newExpectation(path string, line int, s string) *expectation {
	e := &expectation{path: path, line: line, text: strings.TrimSpace(s)}
	if i := strings.LastIndex(e.text, "@"); i > 0 && strings.Contains(e.text[i:], "->") {
		e.text, e.hop = strings.TrimSpace(e.text[:i]), strings.TrimSpace(e.text[i+1:])
	}
	return e
}

func hopSuffix(h string) string {
	if h == "" {
		return ""
	}
	return " @" + h
}

func (e *expectation) matches(f findings.Finding, path string) bool {
	if e.text != f.Rule+": "+f.Subject || (e.hop != "" && e.hop != f.Hop) {
		return false
	}
	if e.path == "" {
		return true // comment-section wants match wherever the finding is
	}
	return e.path == path && e.line == f.Source.Line
}

// relPath maps a finding's path (relative to the snapshot, or absolute for -f inputs
// under files/) to the archive's file name.
func relPath(root, p string) string {
	if p == "" {
		return ""
	}
	if filepath.IsAbs(p) {
		if r, err := filepath.Rel(root, p); err == nil {
			return filepath.ToSlash(r)
		}
	}
	if _, err := os.Stat(filepath.Join(root, p)); err == nil {
		return filepath.ToSlash(p)
	}
	return fmt.Sprint(filepath.ToSlash(p))
}
