package webhookcert

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/scanner"
	"github.com/upgrade-lint/upgrade-lint/scanner/certs"
)

// The scenarios follow rules/ruletest's conventions (`# want "RULE: SUBJECT @HOP"` on
// the flagged line, from:/to:/want: in the comment), plus `now: RFC3339` for the expiry
// horizon. They run here rather than through ruletest.Run because the certificates are
// read by scanner/certs (DIR/certs and Secrets' tls.crt), which scanner.Scan leaves out.
func TestScenarios(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txtar")
	if len(files) == 0 {
		t.Fatal("no scenarios")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txtar"), func(t *testing.T) { runScenario(t, f) })
	}
}

var (
	wantComment = regexp.MustCompile(`\s*#\s*want\s+((?:"[^"]*"\s*)+)$`)
	quoted      = regexp.MustCompile(`"([^"]*)"`)
)

type want struct {
	path, text, hop string
	line            int
	hit             bool
}

func parseWant(path string, line int, s string) *want {
	w := &want{path: path, line: line, text: strings.TrimSpace(s)}
	if i := strings.LastIndex(w.text, "@"); i > 0 && strings.Contains(w.text[i:], "->") {
		w.text, w.hop = strings.TrimSpace(w.text[:i]), strings.TrimSpace(w.text[i+1:])
	}
	return w
}

func runScenario(t *testing.T, archive string) (rules.Outcome, string) {
	t.Helper()
	ar, err := txtar.ParseFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	from, to := knowledge.V(14), knowledge.V(21)
	var now time.Time
	var wants []*want
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
				t.Fatal(err)
			}
		case "want":
			for _, m := range quoted.FindAllStringSubmatch(val, -1) {
				wants = append(wants, parseWant("", i+1, m[1]))
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
	for _, f := range ar.Files {
		var out []string
		for i, line := range strings.Split(string(f.Data), "\n") {
			if m := wantComment.FindStringSubmatchIndex(line); m != nil {
				for _, q := range quoted.FindAllStringSubmatch(line[m[2]:m[3]], -1) {
					wants = append(wants, parseWant(f.Name, i+1, q[1]))
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
	}
	inv, err := scanner.Scan(context.Background(), scanner.Options{Snapshot: root})
	if err != nil {
		t.Fatal(err)
	}
	sc, errs := certs.ReadSnapshot(root)
	if len(errs) > 0 {
		t.Fatalf("reading certificates: %v", errs)
	}
	inv.ServingCerts = append(inv.ServingCerts, sc...)
	kb := knowledge.MustDefault()
	hops, err := kb.Hops(from, to)
	if err != nil {
		t.Fatal(err)
	}
	out := rules.RunAll([]*rules.Rule{Rule}, &rules.Plan{From: from, To: to, Hops: hops, Now: now}, kb, inv)
	for _, f := range out.Findings {
		matched := false
		for _, w := range wants {
			if w.text == f.Rule+": "+f.Subject && (w.hop == "" || w.hop == f.Hop) && (w.path == "" || (w.path == f.Source.Path && w.line == f.Source.Line)) {
				w.hit, matched = true, true
			}
		}
		if !matched {
			t.Errorf("%s:%d: unexpected finding %s: %s @%s [%s] %s", f.Source.Path, f.Source.Line, f.Rule, f.Subject, f.Hop, f.Severity, f.Message)
		}
	}
	for _, w := range wants {
		if !w.hit {
			t.Errorf("%s:%d: no finding matched want %q @%s", w.path, w.line, w.text, w.hop)
		}
	}
	for _, u := range out.Unchecked {
		if _, ok := unchecked[u.What]; !ok {
			t.Errorf("unexpected could-not-check %q: %s", u.What, u.Reason)
			continue
		}
		unchecked[u.What] = true
	}
	for what, hit := range unchecked {
		if !hit {
			t.Errorf("no could-not-check entry for %q", what)
		}
	}
	return out, root
}

// findingsOf runs one scenario and returns its findings, for tests that check severities
// and texts beyond the want comments.
func findingsOf(t *testing.T, archive string) []findings.Finding {
	out, _ := runScenario(t, archive)
	return out.Findings
}
