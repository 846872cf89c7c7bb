package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/upgrade-lint/upgrade-lint/findings"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// goldenName maps a format to its golden file.
func goldenName(format string) string {
	ext := map[string]string{"text": "txt", "json": "json", "html": "html", "markdown": "md", "sarif": "sarif", "junit": "xml"}[format]
	return filepath.Join("testdata", "golden", "report."+ext)
}

func render(t *testing.T, format string, res *findings.Result, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, res, opts); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return buf.Bytes()
}

func fixtureOptions() Options {
	return Options{Rules: fixtureRules(), Now: fixedNow}
}

func TestGolden(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			got := render(t, format, fixtureResult(), fixtureOptions())
			path := goldenName(format)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./report -update)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("%s differs from %s (-want +got; go test ./report -update rewrites it):\n%s", format, path, diff)
			}
		})
	}
}

// TestDeterministic renders each format twice from differently ordered inputs: the output
// must not depend on input order or map iteration.
func TestDeterministic(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			a := render(t, format, fixtureResult(), fixtureOptions())
			shuffled := fixtureResult()
			fs := shuffled.Findings
			for i, j := 0, len(fs)-1; i < j; i, j = i+1, j-1 {
				fs[i], fs[j] = fs[j], fs[i]
			}
			opts := fixtureOptions()
			for i, j := 0, len(opts.Rules)-1; i < j; i, j = i+1, j-1 {
				opts.Rules[i], opts.Rules[j] = opts.Rules[j], opts.Rules[i]
			}
			b := render(t, format, shuffled, opts)
			if !bytes.Equal(a, b) {
				t.Errorf("output depends on input order:\n%s", cmp.Diff(string(a), string(b)))
			}
		})
	}
}

func TestUnknownFormat(t *testing.T) {
	err := Write(&bytes.Buffer{}, "yaml", fixtureResult(), Options{})
	if err == nil || !strings.Contains(err.Error(), "yaml") || !strings.Contains(err.Error(), "sarif") {
		t.Fatalf("Write(yaml) = %v, want an error naming the format and the known ones", err)
	}
}

func TestWriteDoesNotModifyResult(t *testing.T) {
	res := fixtureResult()
	before, _ := json.Marshal(res)
	for _, format := range Formats() {
		render(t, format, res, fixtureOptions())
	}
	after, _ := json.Marshal(res)
	if !bytes.Equal(before, after) {
		t.Errorf("Write modified the Result:\n%s", cmp.Diff(string(before), string(after)))
	}
}

// TestEmptyResult: a run with no hops and no findings renders in every format.
func TestEmptyResult(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			out := render(t, format, &findings.Result{From: "1.20", To: "1.21"}, Options{Now: fixedNow})
			if len(out) == 0 {
				t.Fatal("empty output")
			}
		})
	}
}
