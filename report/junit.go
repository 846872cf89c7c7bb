package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

// JUnit XML as CI systems read it (the Ant/Jenkins/Surefire dialect): one test suite per
// hop, one test case per rule. Errors and warnings fail their rule's test case; info
// findings are listed in system-out of a passing one. Findings about the inputs form a
// suite of their own, and what could not be checked is a suite of skipped test cases.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string           `xml:"name,attr"`
	Tests      int              `xml:"tests,attr"`
	Failures   int              `xml:"failures,attr"`
	Errors     int              `xml:"errors,attr"`
	Skipped    int              `xml:"skipped,attr"`
	Time       string           `xml:"time,attr"`
	Timestamp  string           `xml:"timestamp,attr,omitempty"`
	Properties *junitProperties `xml:"properties"`
	Cases      []junitCase      `xml:"testcase"`
}

type junitProperties struct {
	Property []junitProperty `xml:"property"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut *junitOutput  `xml:"system-out,omitempty"`
}

// Texts are CDATA so that CI logs show them as written, line breaks included.
type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

type junitOutput struct {
	Text string `xml:",cdata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func writeJUnit(w io.Writer, res *findings.Result, opts Options) error {
	rules := allRules(res, opts.Rules)
	doc := junitSuites{Name: fmt.Sprintf("upgrade-lint %s -> %s", res.From, res.To), Time: "0"}
	timestamp := ""
	if !res.GeneratedAt.IsZero() {
		timestamp = res.GeneratedAt.UTC().Format(time.RFC3339)
	}
	for _, g := range groupByHop(res) {
		suite := junitSuite{Name: "hop " + g.Name, Time: "0", Timestamp: timestamp}
		caseRules := rules
		if g.Name == "" {
			// Only rules with findings: the inputs suite is not a checklist.
			suite.Name = "inputs"
			caseRules = nil
			for _, rg := range g.Rules {
				caseRules = append(caseRules, RuleInfo{Name: rg.Rule})
			}
		} else {
			props := &junitProperties{}
			if v := g.Version(); v != "" {
				props.Property = append(props.Property, junitProperty{"version", v})
			}
			props.Property = append(props.Property, junitProperty{"verdict", string(g.Verdict)})
			suite.Properties = props
		}
		byRule := map[string]ruleGroup{}
		for _, rg := range g.Rules {
			byRule[rg.Rule] = rg
		}
		for _, r := range caseRules {
			c := junitCase{Name: r.Name, ClassName: suite.Name, Time: "0"}
			rg := byRule[r.Name]
			if len(rg.Findings) > 0 {
				text := xmlSafe(junitFindings(rg.Findings))
				if rg.Worst >= findings.Warning {
					s := findings.Summarize(rg.Findings)
					c.Failure = &junitFailure{
						Type:    rg.Worst.String(),
						Message: fmt.Sprintf("%s: %s", plural(len(rg.Findings), "finding"), countsLine(s)),
						Text:    text,
					}
					suite.Failures++
				} else {
					c.SystemOut = &junitOutput{Text: text}
				}
			}
			suite.Cases = append(suite.Cases, c)
		}
		suite.Tests = len(suite.Cases)
		doc.Suites = append(doc.Suites, suite)
	}
	if len(res.Unchecked) > 0 {
		suite := junitSuite{Name: "not checked", Time: "0", Timestamp: timestamp}
		for _, u := range res.Unchecked {
			suite.Cases = append(suite.Cases, junitCase{
				Name: u.What, ClassName: suite.Name, Time: "0",
				Skipped: &junitSkipped{Message: u.Reason},
			})
		}
		suite.Tests, suite.Skipped = len(suite.Cases), len(suite.Cases)
		doc.Suites = append(doc.Suites, suite)
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// junitFindings is the failure text: one block per finding, readable in a CI log.
func junitFindings(fs []findings.Finding) string {
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "[%s] %s", f.Severity, f.Subject)
		if f.Component != "" {
			fmt.Fprintf(&b, " (%s)", f.Component)
		}
		if w := where(f); w != "" {
			fmt.Fprintf(&b, " at %s", w)
		}
		fmt.Fprintf(&b, "\n  %s\n", f.Message)
		if f.Evidence != "" {
			fmt.Fprintf(&b, "  Evidence: %s\n", f.Evidence)
		}
		if f.Fix != "" {
			fmt.Fprintf(&b, "  Fix: %s\n", f.Fix)
		}
		for _, r := range f.References {
			fmt.Fprintf(&b, "  See: %s\n", r)
		}
	}
	return b.String()
}

// xmlSafe replaces what XML 1.0 cannot carry (most control characters; CDATA does not
// escape) with U+FFFD: cluster text may contain anything.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return r
		case r < 0x20, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}
