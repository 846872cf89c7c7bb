package scanner

import (
	"bytes"
	"strings"
	"testing"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

func FuzzSplitDocuments(f *testing.F) {
	for _, s := range []string{
		"a: 1\n---\nb: 2\n", "--- {a: 1}\n...\n---\n# c\n", "\xef\xbb\xbf---\r\na: |\n  ---x\n", "----\n---\t\n...x\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs := splitDocuments(data)
		lines := bytes.Count(data, []byte("\n")) + 1
		// YAML also breaks lines at a lone CR; node lines may count those.
		yamlLines := lines + bytes.Count(data, []byte("\r"))
		prev := 0
		for i, d := range docs {
			if d.Index != i {
				t.Fatalf("doc %d has index %d", i, d.Index)
			}
			if d.Line <= prev || d.Line > lines {
				t.Fatalf("doc %d starts at line %d (previous %d, file has %d)", i, d.Line, prev, lines)
			}
			prev = d.Line
			if !bytes.Contains(data, d.Text) || !hasContent(d.Text) {
				t.Fatalf("doc %d text %q not a content slice of the input", i, d.Text)
			}
			// Decoding must not panic, and node lines stay within the file.
			if n, err := parseDocument(d); err == nil && n != nil {
				checkLines(t, n, d.Line, yamlLines+1) // an empty value at the end may sit on the next line
				_ = toValue(n)
			} else if err != nil {
				if l := lineOfError(err); l < d.Line {
					t.Fatalf("error line %d before its document at %d", l, d.Line)
				}
			}
		}
	})
}

func checkLines(t *testing.T, n *yamlNode, min, max int) {
	if n.Line != 0 && (n.Line < min || n.Line > max) {
		t.Fatalf("node line %d outside %d..%d", n.Line, min, max)
	}
	for _, c := range n.Content {
		checkLines(t, c, min, max)
	}
}

func FuzzParseEnvFile(f *testing.F) {
	for _, s := range []string{
		"A=1\nB=\"x \\\"y\\\"\"\n", "A='a\nb'\nC=3", "#c\n;d\nA=x\\\n y", "A=\"unterminated\n", "=x\n A =  y  \r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		lines := strings.Count(data, "\n") + 1
		prev := 0
		for _, v := range parseEnvFile(data, "f") {
			if !validEnvName(v.Name) {
				t.Fatalf("invalid name %q accepted", v.Name)
			}
			if v.Source.Line < prev || v.Source.Line < 1 || v.Source.Line > lines {
				t.Fatalf("line %d out of order or range (previous %d, %d lines)", v.Source.Line, prev, lines)
			}
			prev = v.Source.Line
			if len(v.Lines) != len(v.Value) {
				t.Fatalf("%d line marks for %d bytes of %s", len(v.Lines), len(v.Value), v.Name)
			}
			for _, l := range v.Lines {
				if l < v.Source.Line || l > lines {
					t.Fatalf("value byte at line %d, variable at %d, %d lines", l, v.Source.Line, lines)
				}
			}
		}
	})
}

func FuzzParseUnit(f *testing.F) {
	for _, s := range []string{
		"[Service]\nExecStart=/bin/k \\\n  --a=1\nEnvironment=\"A=1 2\"\n", "[S]\nX=\\", "[Service]\nExecStart=\nExecStart=/k $A ${B} \"$C\" '${D}'\n",
	} {
		f.Add(s, "--x=1 \"--y=2 3\"")
	}
	f.Fuzz(func(t *testing.T, unit, value string) {
		lines := strings.Count(unit, "\n") + 1
		env := &environment{}
		env.set(envVar{Name: "A", Value: value, Source: inventory.Source{Path: "env", Line: 1}})
		env.set(envVar{Name: "B", Value: value})
		for _, e := range parseUnit(unit) {
			if len(e.Lines) != len(e.Value) {
				t.Fatalf("%d line marks for %d bytes", len(e.Lines), len(e.Value))
			}
			if e.Line < 1 || e.Line > lines {
				t.Fatalf("entry line %d outside 1..%d", e.Line, lines)
			}
			for _, w := range splitUnitWords(e.Value, e.Lines) {
				if w.Line < e.Line || w.Line > lines {
					t.Fatalf("word %q at line %d, entry at %d", w.Text, w.Line, e.Line)
				}
				if len(w.Lines) != len(w.Text) {
					t.Fatalf("word %q has %d line marks", w.Text, len(w.Lines))
				}
			}
			words := expandCommand(e.Value, e.Lines, "u", env)
			flags, gates := parseFlags(words)
			for _, fl := range flags {
				if fl.Name == "" {
					t.Fatal("flag without a name")
				}
			}
			for _, g := range gates {
				if g.Name == "" || g.Via != "--feature-gates" {
					t.Fatalf("bad gate %+v", g)
				}
			}
		}
	})
}
