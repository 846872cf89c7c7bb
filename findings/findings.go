// Package findings holds what upgrade-lint reports: the Finding, its Severity, and the
// Result document every output format is rendered from.
package findings

import (
	"fmt"
	"sort"
	"strings"
)

// Severity orders findings: Error breaks the cluster at that hop; Warning needs action
// before a later upgrade or is risky; Info is for the record.
type Severity int

const (
	Info Severity = iota + 1
	Warning
	Error
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return "unknown"
}

// ParseSeverity accepts "error", "warning", "info".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "error":
		return Error, nil
	case "warning", "warn":
		return Warning, nil
	case "info":
		return Info, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning or info)", s)
}

func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	*s = v
	return err
}

// ObjectRef names an API object.
type ObjectRef struct {
	APIVersion string `json:"apiVersion,omitempty"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

func (o ObjectRef) String() string {
	if o.Namespace != "" {
		return o.Kind + " " + o.Namespace + "/" + o.Name
	}
	return o.Kind + " " + o.Name
}

// Source says where a finding's subject was found: a file and line relative to the input
// given, and/or an API object.
type Source struct {
	Path   string     `json:"path,omitempty"`
	Line   int        `json:"line,omitempty"`
	Object *ObjectRef `json:"object,omitempty"`
}

func (s Source) String() string {
	var b strings.Builder
	if s.Path != "" {
		b.WriteString(s.Path)
		if s.Line > 0 {
			fmt.Fprintf(&b, ":%d", s.Line)
		}
	}
	if s.Object != nil {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString(s.Object.String())
	}
	return b.String()
}

// Finding is one thing that breaks (or needs attention) at one hop.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	// Hop is "1.18->1.19"; empty for findings that concern no particular hop (input errors).
	Hop       string `json:"hop"`
	Component string `json:"component,omitempty"`
	// Subject is the exact thing flagged: a flag, gate, apiVersion/kind, image, plugin.
	Subject  string `json:"subject"`
	Message  string `json:"message"`
	Fix      string `json:"fix,omitempty"`
	Evidence string `json:"evidence,omitempty"`
	Source   Source `json:"source"`
	// References are upstream links: PRs, CHANGELOG lines, KEPs.
	References []string `json:"references,omitempty"`
}

// key identifies a finding for deduplication: the same thing at the same place and hop.
func (f *Finding) key() string {
	obj := ""
	if f.Source.Object != nil {
		obj = f.Source.Object.String()
	}
	return strings.Join([]string{f.Hop, f.Rule, f.Component, f.Subject, f.Source.Path, fmt.Sprint(f.Source.Line), obj, f.Evidence}, "\x00")
}

// Sort orders findings by hop, severity (highest first), rule, subject, source; and drops
// exact repeats. Hops compare numerically ("1.9->1.10" before "1.10->1.11").
func Sort(fs []Finding) []Finding {
	sort.SliceStable(fs, func(i, j int) bool { return less(&fs[i], &fs[j]) })
	out := fs[:0]
	seen := map[string]bool{}
	for _, f := range fs {
		k := f.key()
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}

func less(a, b *Finding) bool {
	if c := compareHops(a.Hop, b.Hop); c != 0 {
		return c < 0
	}
	if a.Severity != b.Severity {
		return a.Severity > b.Severity
	}
	if a.Rule != b.Rule {
		return a.Rule < b.Rule
	}
	if a.Subject != b.Subject {
		return a.Subject < b.Subject
	}
	if a.Source.Path != b.Source.Path {
		return a.Source.Path < b.Source.Path
	}
	if a.Source.Line != b.Source.Line {
		return a.Source.Line < b.Source.Line
	}
	ao, bo := "", ""
	if a.Source.Object != nil {
		ao = a.Source.Object.String()
	}
	if b.Source.Object != nil {
		bo = b.Source.Object.String()
	}
	if ao != bo {
		return ao < bo
	}
	if a.Component != b.Component {
		return a.Component < b.Component
	}
	return a.Evidence < b.Evidence
}

// compareHops orders "" (no hop) first, then hops by their starting minor.
func compareHops(a, b string) int {
	if a == b {
		return 0
	}
	if a == "" {
		return -1
	}
	if b == "" {
		return 1
	}
	ma, mb := hopStart(a), hopStart(b)
	if ma != mb {
		if ma < mb {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

func hopStart(h string) int {
	from, _, _ := strings.Cut(h, "->")
	_, minor, _ := strings.Cut(from, ".")
	n := 0
	for _, c := range minor {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}
