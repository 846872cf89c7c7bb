package report

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

// chromiumPath finds headless Chromium (Debian package chromium). Without it the browser
// tests skip, except in CI (CI=true), where they fail: CI must run them.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found: install it (apt-get install -y chromium); CI runs the browser tests")
	}
	t.Skip("chromium not found (apt-get install -y chromium)")
	return ""
}

// chromiumFlags run Chromium headless, as root, offline and quiet.
func chromiumFlags(t *testing.T) []string {
	return []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--log-level=3", "--user-data-dir=" + t.TempDir(),
	}
}

// dumpDOM loads res's HTML report from a file in Chromium and returns the DOM after the
// page's script ran. Without scripts, the page's own Content-Security-Policy is set to
// refuse every script: --dump-dom itself needs JavaScript, so Chromium's switch to turn
// scripts off cannot be used, but to the page the effect is the same.
func dumpDOM(t *testing.T, res *findings.Result, query string, scripts bool) *html.Node {
	t.Helper()
	chromium := chromiumPath(t)
	page := string(render(t, "html", res, fixtureOptions()))
	if !scripts {
		csp := regexp.MustCompile(`script-src [^;"]*`)
		if !csp.MatchString(page) {
			t.Fatal("the page does not carry its CSP")
		}
		page = csp.ReplaceAllString(page, "script-src &#39;none&#39;")
	}
	file := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	u := (&url.URL{Scheme: "file", Path: file, RawQuery: query}).String()
	args := append(chromiumFlags(t), "--dump-dom", u)
	// A guard against a hung browser, not a timing assertion.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	doc, err := html.Parse(&stdout)
	if err != nil {
		t.Fatal(err)
	}
	if find(doc, byID("findings")) == nil {
		t.Fatalf("the dumped DOM has no report in it:\n%s\n%s", stdout.String(), stderr.String())
	}
	return doc
}

type match func(*html.Node) bool

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func byID(id string) match {
	return func(n *html.Node) bool { v, _ := attr(n, "id"); return n.Type == html.ElementNode && v == id }
}

// bySelector matches "tag.class" (either part optional).
func bySelector(sel string) match {
	tag, class, _ := strings.Cut(sel, ".")
	return func(n *html.Node) bool {
		if n.Type != html.ElementNode || (tag != "" && n.Data != tag) {
			return false
		}
		if class == "" {
			return true
		}
		v, _ := attr(n, "class")
		for _, c := range strings.Fields(v) {
			if c == class {
				return true
			}
		}
		return false
	}
}

func findAll(n *html.Node, m match) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if m(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func find(n *html.Node, m match) *html.Node {
	if all := findAll(n, m); len(all) > 0 {
		return all[0]
	}
	return nil
}

func text(n *html.Node) string {
	var b strings.Builder
	for _, t := range findAll(n, func(n *html.Node) bool { return n.Type == html.TextNode }) {
		b.WriteString(t.Data)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

func visible(nodes []*html.Node) int {
	n := 0
	for _, x := range nodes {
		if _, hidden := attr(x, "hidden"); !hidden {
			n++
		}
	}
	return n
}

func hasClass(n *html.Node, class string) bool { return bySelector("." + class)(n) }

func TestBrowserReport(t *testing.T) {
	res := fixtureResult()
	doc := dumpDOM(t, res, "", true)
	root := find(doc, bySelector("html"))
	if !hasClass(root, "js") {
		t.Error("the report's script did not run (class js missing): is the CSP hash right?")
	}

	// The sections, in the order a review board reads them.
	order := []string{"path", "verdict", "timeline", "findings", "images", "unchecked", "signoff"}
	ids := findAll(doc, func(n *html.Node) bool { v, ok := attr(n, "id"); return ok && n.Type == html.ElementNode && v != "" })
	pos := map[string]int{}
	for i, n := range ids {
		v, _ := attr(n, "id")
		pos[v] = i
	}
	for i, id := range order {
		if _, ok := pos[id]; !ok {
			t.Errorf("no #%s section", id)
		} else if i > 0 && pos[id] < pos[order[i-1]] {
			t.Errorf("#%s comes before #%s", id, order[i-1])
		}
	}

	total := len(findings.Sort(fixtureResult().Findings))
	for _, c := range []struct {
		what string
		sel  string
		want int
	}{
		{"finding rows", "tr.finding", total},
		{"timeline hops", "ol.timeline", 1},
		{"hop sections (hops + inputs)", "section.hop", len(res.Hops) + 1},
		{"rule groups", "details.rule", 12},
	} {
		if got := len(findAll(doc, bySelector(c.sel))); got != c.want {
			t.Errorf("%d %s, want %d", got, c.what, c.want)
		}
	}
	if got := len(findAll(find(doc, bySelector("ol.timeline")), bySelector("li"))); got != len(res.Hops) {
		t.Errorf("%d hops on the timeline, want %d", got, len(res.Hops))
	}
	if got := len(findAll(find(doc, byID("unchecked")), bySelector("tr"))) - 1; got != len(res.Unchecked) {
		t.Errorf("%d rows under 'could not check', want %d", got, len(res.Unchecked))
	}
	if got := len(findAll(find(doc, bySelector("table.images")), bySelector("tr"))) - 1; got != 7 {
		t.Errorf("%d images in the plan, want 7", got)
	}
	if got := text(find(doc, byID("shown"))); got != "Showing 16 of 16 findings" {
		t.Errorf("filter count reads %q", got)
	}
	verdicts := map[string]int{}
	for _, li := range findAll(find(doc, bySelector("ol.timeline")), bySelector("li")) {
		verdicts[text(find(li, bySelector("span.badge")))]++
	}
	if verdicts["blocked"] != 5 || verdicts["needs action"] != 1 || verdicts["clear"] != 1 {
		t.Errorf("timeline verdicts %v, want 5 blocked, 1 needs action, 1 clear", verdicts)
	}
	if got := text(find(doc, byID("verdict"))); !strings.HasPrefix(got, "Blocked: 5 of 7 hops") {
		t.Errorf("banner reads %q", got)
	}
}

func TestBrowserFilters(t *testing.T) {
	for _, c := range []struct {
		query       string
		shown       int
		hiddenHops  int
		hiddenRules int
	}{
		{"severity=error", 11, 0, 4}, // deprecated-flag, version-skew (info), deprecated-feature-gate, deprecated-api
		{"severity=warning&severity=info", 5, 0, 8},
		{url.Values{"hop": {"1.15->1.16"}}.Encode(), 3, 7, 11}, // the other hops' sections hide
		{"rule=removed-flag", 3, 0, 10},
		{url.Values{"rule": {"removed-flag"}, "hop": {"1.18->1.19"}}.Encode(), 1, 7, 11},
	} {
		t.Run(c.query, func(t *testing.T) {
			doc := dumpDOM(t, fixtureResult(), c.query, true)
			rows := findAll(doc, bySelector("tr.finding"))
			if got := visible(rows); got != c.shown {
				t.Errorf("%d rows shown, want %d", got, c.shown)
			}
			if got, want := text(find(doc, byID("shown"))), "Showing "+strconv.Itoa(c.shown)+" of 16 findings"; got != want {
				t.Errorf("count reads %q, want %q", got, want)
			}
			hops := findAll(doc, bySelector("section.hop"))
			if got := len(hops) - visible(hops); got != c.hiddenHops {
				t.Errorf("%d hop sections hidden, want %d", got, c.hiddenHops)
			}
			groups := findAll(doc, bySelector("details.rule"))
			if got := len(groups) - visible(groups); got != c.hiddenRules {
				t.Errorf("%d rule groups hidden, want %d", got, c.hiddenRules)
			}
		})
	}
}

// TestBrowserWithoutScripts: the page is complete with scripts off; nothing is hidden.
func TestBrowserWithoutScripts(t *testing.T) {
	doc := dumpDOM(t, fixtureResult(), "severity=error", false)
	if hasClass(find(doc, bySelector("html")), "js") {
		t.Fatal("scripts ran although disabled")
	}
	rows := findAll(doc, bySelector("tr.finding"))
	if len(rows) != 16 || visible(rows) != 16 {
		t.Errorf("%d rows, %d shown; want all 16", len(rows), visible(rows))
	}
	for _, id := range []string{"timeline", "images", "unchecked", "signoff"} {
		if find(doc, byID(id)) == nil {
			t.Errorf("no #%s without scripts", id)
		}
	}
}

// TestBrowserUntrustedText: names with <script>, quotes and </style> stay text in a real
// browser: nothing they carry runs, and the report's own script still does.
func TestBrowserUntrustedText(t *testing.T) {
	doc := dumpDOM(t, evilResult(), "", true)
	root := find(doc, bySelector("html"))
	if v, ok := attr(root, "data-pwned"); ok {
		t.Fatalf("cluster text ran as script (data-pwned=%s)", v)
	}
	if !hasClass(root, "js") {
		t.Error("the report's own script did not run")
	}
	if got := len(findAll(doc, bySelector("tr.finding"))); got != 17 {
		t.Errorf("%d finding rows, want 17", got)
	}
	if got := len(findAll(doc, bySelector("script"))); got != 1 {
		t.Errorf("%d script elements, want 1", got)
	}
	body := text(find(doc, bySelector("body")))
	if !strings.Contains(body, evilScript) || !strings.Contains(body, evilQuotes) {
		t.Error("the untrusted names are not shown as text")
	}
}
