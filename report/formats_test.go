package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/net/html"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

// Untrusted text as it may come from a cluster: object names, annotations, file contents.
const (
	evilScript = `<script>document.documentElement.setAttribute("data-pwned","1")</script>`
	evilStyle  = `</style><style>body{display:none}</style>`
	evilQuotes = `x" onmouseover="document.documentElement.setAttribute('data-pwned','2')" y='`
	evilMD     = "a | b <img src=x onerror=alert(1)> **bold** [link](javascript:alert(1)) `code`\n# heading"
	evilURL    = "javascript:document.documentElement.setAttribute('data-pwned','3')"
)

// evilResult is the fixture with attacker-controlled text in every field a cluster can
// fill.
func evilResult() *findings.Result {
	res := fixtureResult()
	res.Inputs = append(res.Inputs, evilScript)
	res.Unchecked = append(res.Unchecked, findings.Unchecked{What: evilStyle, Reason: evilQuotes})
	res.Findings = append(res.Findings, findings.Finding{
		Rule: "removed-api", Severity: findings.Error, Hop: "1.15->1.16",
		Component: evilQuotes, Subject: evilScript,
		Message:    "Deployment " + evilScript + " " + evilMD,
		Fix:        evilStyle + " </script> fix",
		Evidence:   "annotation: " + evilQuotes + "\x00\x1b[31m",
		Source:     findings.Source{Path: "manifests/" + evilScript + ".yaml", Line: 3, Object: obj("apps/v1", "Deployment", evilQuotes, evilScript)},
		References: []string{evilURL, "https://example.com/a b|c)d"},
	})
	return res
}

func TestHTMLEscapesClusterText(t *testing.T) {
	out := string(render(t, "html", evilResult(), fixtureOptions()))
	for _, raw := range []string{evilScript, evilStyle, evilQuotes} {
		if strings.Contains(out, raw) {
			t.Errorf("HTML contains unescaped %q", raw)
		}
	}
	// Exactly one element of each kind that runs or styles: ours.
	for _, tag := range []string{"<script", "</script>", "<style", "</style>"} {
		if n := strings.Count(strings.ToLower(out), tag); n != 1 {
			t.Errorf("HTML has %d %s, want 1 (ours)", n, tag)
		}
	}

	// Parse as a browser would: the untrusted strings must come back as text, and no
	// element or event-handler attribute may come from them.
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var texts strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if (n.Data == "script" || n.Data == "style") && n.Parent != nil && n.Parent.Data != "head" && n.Parent.Data != "body" {
				t.Errorf("unexpected <%s> inside <%s>", n.Data, n.Parent.Data)
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(a.Key, "on") {
					t.Errorf("event handler attribute %s=%q on <%s>", a.Key, a.Val, n.Data)
				}
				if a.Key == "href" && !strings.HasPrefix(a.Val, "https://") && !strings.HasPrefix(a.Val, "#") {
					t.Errorf("link to %q", a.Val)
				}
			}
		}
		if n.Type == html.TextNode && n.Parent != nil && n.Parent.Data != "script" && n.Parent.Data != "style" {
			texts.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	for _, want := range []string{evilScript, evilStyle, evilQuotes} {
		if !strings.Contains(texts.String(), want) {
			t.Errorf("the page's text lost %q: escaped text must still read as written", want)
		}
	}
}

func TestMarkdownEscapesClusterText(t *testing.T) {
	out := string(render(t, "markdown", evilResult(), fixtureOptions()))
	// Code spans show their content literally; outside them nothing may be markup.
	codeSpans := regexp.MustCompile("(`+)[^`](?:.*?[^`])?(`+)")
	prose := codeSpans.ReplaceAllString(out, "CODE")
	for _, raw := range []string{"<script", "<img", "<style", "\n# heading", "**bold**"} {
		if strings.Contains(prose, raw) {
			t.Errorf("Markdown contains %q outside code", raw)
		}
	}
	if regexp.MustCompile(`(^|[^\\])\]\(javascript:`).MatchString(prose) {
		t.Errorf("Markdown has a javascript: link")
	}
	// Every finding row keeps its six cells: no '|' from cluster text splits one.
	unescapedPipe := regexp.MustCompile(`(^|[^\\])\|`)
	rows := 0
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "| 🔴") && !strings.HasPrefix(line, "| 🟡") && !strings.HasPrefix(line, "| 🔵") {
			continue
		}
		rows++
		if n := len(unescapedPipe.FindAllString(line, -1)); n != 7 {
			t.Errorf("row has %d cell borders, want 7: %s", n, line)
		}
	}
	if want := len(evilResult().Findings); rows != want {
		t.Errorf("%d finding rows, want %d", rows, want)
	}
}

func TestMarkdownTruncatesVisibly(t *testing.T) {
	res := fixtureResult()
	const many = 3000
	for i := 0; i < many; i++ {
		res.Findings = append(res.Findings, findings.Finding{
			Rule: "removed-api", Severity: findings.Error, Hop: res.Hops[i%len(res.Hops)].Name(),
			Subject: "extensions/v1beta1 Deployment", Message: strings.Repeat("long message ", 5),
			Source: findings.Source{Path: fmt.Sprintf("manifests/app-%04d.yaml", i), Line: 1},
		})
	}
	total := len(findings.Sort(res.Findings))
	out := string(render(t, "markdown", res, fixtureOptions()))
	if len(out) > markdownLimit {
		t.Fatalf("Markdown is %d bytes, over GitHub's %d", len(out), markdownLimit)
	}
	m := regexp.MustCompile(`\*\*Truncated:\*\* (\d+) of (\d+) findings not shown`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no truncation note in:\n...%s", out[max(0, len(out)-800):])
	}
	shown := strings.Count(out, "\n| 🔴") + strings.Count(out, "\n| 🟡") + strings.Count(out, "\n| 🔵")
	if m[2] != fmt.Sprint(total) || m[1] != fmt.Sprint(total-shown) {
		t.Errorf("note says %s of %s left out; the comment shows %d of %d", m[1], m[2], shown, total)
	}
	if !strings.HasSuffix(strings.TrimSpace(out), "has everything.") {
		t.Errorf("the note must close the comment")
	}

	small := string(render(t, "markdown", fixtureResult(), fixtureOptions()))
	if strings.Contains(small, "Truncated") {
		t.Errorf("the fixture fits in a comment but was truncated")
	}
}

// TestMarkdownTruncatesUnchecked: the list of what could not be checked is cut visibly too.
func TestMarkdownTruncatesUnchecked(t *testing.T) {
	res := fixtureResult()
	for i := 0; i < 2000; i++ {
		res.Unchecked = append(res.Unchecked, findings.Unchecked{What: fmt.Sprintf("namespace team-%04d", i), Reason: "RBAC denied: " + strings.Repeat("x", 30)})
	}
	out := renderMarkdown(normalize(res, fixtureOptions()), fixtureOptions(), markdownLimit)
	if len(out) > markdownLimit {
		t.Fatalf("Markdown is %d bytes", len(out))
	}
	if !regexp.MustCompile(`\d+ of 2003 items that could not be checked`).MatchString(out) {
		t.Errorf("no note about the unchecked items left out:\n...%s", out[len(out)-600:])
	}
}

func TestSARIFSchema(t *testing.T) {
	f, err := os.Open("testdata/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const url = "https://json.schemastore.org/sarif-2.1.0.json"
	if err := c.AddResource(url, schemaDoc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	for name, res := range map[string]*findings.Result{"fixture": fixtureResult(), "evil": evilResult(), "empty": {From: "1.20", To: "1.21"}} {
		t.Run(name, func(t *testing.T) {
			out := render(t, "sarif", res, fixtureOptions())
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(doc); err != nil {
				t.Fatalf("SARIF does not validate: %v", err)
			}
		})
	}
	// The validator must be able to fail: a SARIF log with a bad level does not validate.
	bad := strings.Replace(string(render(t, "sarif", fixtureResult(), fixtureOptions())), `"level": "error"`, `"level": "fatal"`, 1)
	doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
	if schema.Validate(doc) == nil {
		t.Fatal("a SARIF log with level \"fatal\" validated: the schema test checks nothing")
	}
}

func TestSARIFContent(t *testing.T) {
	res := fixtureResult()
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID      string `json:"id"`
						HelpURI string `json:"helpUri"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation *struct {
						ArtifactLocation struct{ URI string }     `json:"artifactLocation"`
						Region           *struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(render(t, "sarif", res, fixtureOptions()), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if got, want := len(run.Tool.Driver.Rules), len(fixtureRules()); got != want {
		t.Errorf("%d SARIF rules, want one per rule (%d)", got, want)
	}
	sorted := findings.Sort(res.Findings)
	if len(run.Results) != len(sorted) {
		t.Fatalf("%d results, want %d", len(run.Results), len(sorted))
	}
	levels := map[findings.Severity]string{findings.Error: "error", findings.Warning: "warning", findings.Info: "note"}
	for i, r := range run.Results {
		f := sorted[i]
		if r.RuleID != f.Rule || run.Tool.Driver.Rules[r.RuleIndex].ID != f.Rule {
			t.Errorf("result %d: rule %s (index %d), want %s", i, r.RuleID, r.RuleIndex, f.Rule)
		}
		if r.Level != levels[f.Severity] {
			t.Errorf("result %d: level %s for %s", i, r.Level, f.Severity)
		}
		if f.Source.Path == "" {
			continue
		}
		if len(r.Locations) == 0 || r.Locations[0].PhysicalLocation == nil {
			t.Errorf("result %d: no physical location for %s", i, f.Source.Path)
			continue
		}
		pl := r.Locations[0].PhysicalLocation
		if pl.ArtifactLocation.URI != f.Source.Path || pl.Region == nil || pl.Region.StartLine != f.Source.Line {
			t.Errorf("result %d: location %+v, want %s:%d", i, pl, f.Source.Path, f.Source.Line)
		}
	}
}

func TestSARIFURI(t *testing.T) {
	for in, want := range map[string]string{
		"nodes/master-0/etc/kubernetes/kubelet.env": "nodes/master-0/etc/kubernetes/kubelet.env",
		"manifests/my app.yaml":                     "manifests/my%20app.yaml",
		"a/../b.yaml":                               "b.yaml",
		"/etc/passwd":                               "",
		"../outside.yaml":                           "",
	} {
		got, ok := sarifURI(in)
		if got != want || ok != (want != "") {
			t.Errorf("sarifURI(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestJUnit(t *testing.T) {
	res := evilResult()
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Type string `xml:"type,attr"`
					Text string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(render(t, "junit", res, fixtureOptions()), &doc); err != nil {
		t.Fatalf("JUnit output is not well-formed XML: %v", err)
	}
	// One suite per hop, plus inputs and "not checked".
	if got, want := len(doc.Suites), len(res.Hops)+2; got != want {
		t.Errorf("%d suites, want %d", got, want)
	}
	// A failure per (hop, rule) with an error or warning.
	failing := map[string]bool{}
	for _, f := range res.Findings {
		if f.Severity >= findings.Warning {
			failing[f.Hop+"/"+f.Rule] = true
		}
	}
	if doc.Failures != len(failing) {
		t.Errorf("%d failures, want %d", doc.Failures, len(failing))
	}
	if doc.Skipped != len(res.Unchecked) {
		t.Errorf("%d skipped, want %d", doc.Skipped, len(res.Unchecked))
	}
	for _, s := range doc.Suites {
		if s.Name != "hop 1.15->1.16" {
			continue
		}
		for _, c := range s.Cases {
			if c.Name == "removed-api" && (c.Failure == nil || !strings.Contains(c.Failure.Text, evilScript)) {
				t.Errorf("removed-api at 1.15->1.16 does not carry the finding's text: %+v", c.Failure)
			}
		}
	}
}

func TestJSONContract(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(render(t, "json", fixtureResult(), fixtureOptions()), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["schemaVersion"] != "upgrade-lint/v1" || doc["from"] != "1.14" || doc["to"] != "1.21" {
		t.Errorf("header: %v %v %v", doc["schemaVersion"], doc["from"], doc["to"])
	}
	hop := doc["hops"].([]any)[0].(map[string]any)
	for _, k := range []string{"from", "to", "version", "images"} {
		if _, ok := hop[k]; !ok {
			t.Errorf("hops[0] has no %q", k)
		}
	}
	f := doc["findings"].([]any)[1].(map[string]any)
	for _, k := range []string{"rule", "severity", "hop", "component", "subject", "message", "fix", "evidence", "source", "references"} {
		if _, ok := f[k]; !ok {
			t.Errorf("findings[1] has no %q", k)
		}
	}
	if f["severity"] != "error" {
		t.Errorf("severity is %v, want the word", f["severity"])
	}
	sum := doc["summary"].(map[string]any)
	if sum["error"] != float64(11) || sum["warning"] != float64(4) || sum["info"] != float64(1) {
		t.Errorf("summary %v", sum)
	}
	empty := string(render(t, "json", &findings.Result{From: "1.20", To: "1.21"}, Options{Now: fixedNow}))
	if !strings.Contains(empty, `"findings": []`) || !strings.Contains(empty, `"hops": []`) {
		t.Errorf("empty lists must be [] not null:\n%s", empty)
	}
}

func TestTextColour(t *testing.T) {
	plain := string(render(t, "text", fixtureResult(), fixtureOptions()))
	if strings.Contains(plain, "\x1b[") {
		t.Error("colour without Options.Color")
	}
	opts := fixtureOptions()
	opts.Color = true
	coloured := string(render(t, "text", fixtureResult(), opts))
	if !strings.Contains(coloured, ansiRed+"error"+ansiReset) || !strings.Contains(coloured, ansiRed+"BLOCKED"+ansiReset) {
		t.Error("no colour with Options.Color")
	}
	// Colour must not shift the table: without the escapes it is the plain report.
	strip := regexp.MustCompile("\x1b\\[[0-9;]*m")
	if got := strip.ReplaceAllString(coloured, ""); got != plain {
		t.Errorf("coloured text differs from plain beyond the escapes")
	}
}

func TestTextWidth(t *testing.T) {
	for i, line := range strings.Split(string(render(t, "text", fixtureResult(), fixtureOptions())), "\n") {
		if n := len([]rune(line)); n > textWidth {
			t.Errorf("line %d is %d columns wide: %s", i+1, n, line)
		}
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  []string
	}{
		{"a b c", 10, []string{"a b c"}},
		{"nodes/master-0/etc/kubernetes/manifests/kube-apiserver.yaml:21", 20, []string{"nodes/master-0/etc/", "kubernetes/", "manifests/kube-", "apiserver.yaml:21"}},
		{"one\ntwo", 10, []string{"one", "two"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
	} {
		got := wrap(tc.in, tc.width)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("wrap(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
	}
}
