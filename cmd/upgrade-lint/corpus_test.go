package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

// The corpus of real manifests written by others lives beside the repository (../shared).
const corpusDir = "../../../shared/corpus"

func needCorpus(tb testing.TB) string {
	tb.Helper()
	real := filepath.Join(corpusDir, "real")
	if _, err := os.Stat(real); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("corpus missing: %v", err)
		}
		tb.Skipf("corpus not present: %v", err)
	}
	return real
}

// Every document of the corpus that uses an API removed by 1.22 is reported, each once,
// and nothing else is reported as removed (full recall, no false positives).
func TestCorpusRecall(t *testing.T) {
	real := needCorpus(t)
	want := map[string]int{}
	f, err := os.Open(filepath.Join(corpusDir, "real-docs.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	total := 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 7 || cols[6] == "" {
			continue
		}
		var minor int
		if _, err := fmt.Sscanf(cols[6], "1.%d", &minor); err != nil || minor > 22 {
			continue
		}
		want[cols[0]+" "+cols[2]+" "+cols[3]]++
		total++
	}
	r := runCLI(t, "--from", "1.15", "--to", "1.22", "-f", real, "-o", "json", "--fail-on", "never", "--enable", "removed-api,input-error")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var res findings.Result
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, fd := range res.Findings {
		if fd.Rule == "input-error" {
			t.Errorf("input error on the corpus: %s: %s", fd.Source, fd.Message)
			continue
		}
		rel, err := filepath.Rel(real, fd.Source.Path)
		if err != nil {
			t.Fatal(err)
		}
		apiVersion, kind, _ := strings.Cut(fd.Subject, " ")
		got[filepath.ToSlash(rel)+" "+apiVersion+" "+kind]++
	}
	var missing, extra []string
	for k, n := range want {
		if got[k] < n {
			missing = append(missing, fmt.Sprintf("%s (%d of %d)", k, got[k], n))
		}
	}
	for k, n := range got {
		if n > want[k] && !beyondGroundTruth[k] {
			extra = append(extra, fmt.Sprintf("%s (%d, truth %d)", k, n, want[k]))
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("recall: %d documents expected, %d findings\nmissing:\n  %s\nnot in the ground truth:\n  %s",
			total, len(res.Findings), strings.Join(missing, "\n  "), strings.Join(extra, "\n  "))
	}
}

// beyondGroundTruth lists findings that are right although the corpus's ground truth (taken
// from the upstream deprecated-API migration guide, which starts at 1.16) lacks them.
var beyondGroundTruth = map[string]bool{
	// Removed in 1.14 (CHANGELOG-1.14.md, kubernetes#72972: the alpha Initializers feature and the
	// admissionregistration.k8s.io/v1alpha1 API version have been removed): not served at --from 1.15.
	"kubernetes-examples@2025-10-24_279e8e4f/_archived/cloud-controller-manager/persistent-volume-label-initializer-config.yaml admissionregistration.k8s.io/v1alpha1 InitializerConfiguration": true,
}

// BenchmarkLintCorpus lints the real corpus (1,567 files) end to end: scan, rules, JSON.
func BenchmarkLintCorpus(b *testing.B) {
	benchLint(b, needCorpus(b))
}

// BenchmarkLintCorpus10k lints 10,000 files: the corpus replicated, as the peers were measured.
func BenchmarkLintCorpus10k(b *testing.B) {
	real := needCorpus(b)
	dir := b.TempDir()
	var files []string
	_ = filepath.WalkDir(real, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return nil
	})
	for i := 0; i < 10000; i++ {
		data, err := os.ReadFile(files[i%len(files)])
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("m%05d.yaml", i)), data, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	benchLint(b, dir)
}

func benchLint(b *testing.B, dir string) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		code := run(context.Background(), []string{"--from", "1.15", "--to", "1.22", "-f", dir, "-o", "json", "--fail-on", "never"}, strings.NewReader(""), io.Discard, io.Discard)
		if code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
