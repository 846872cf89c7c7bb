package scanner

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// corpusDir is the shared corpus of real manifests, beside the repository.
const corpusDir = "../../shared/corpus"

func needCorpus(tb testing.TB) string {
	tb.Helper()
	real := filepath.Join(corpusDir, "real")
	if _, err := os.Stat(real); err != nil {
		tb.Skipf("corpus not present: %v", err)
	}
	return real
}

// TestCorpusRecall scans the real corpus as -f input and checks that every ground-truth
// document (file, document index, apiVersion, kind) of real-docs.tsv is an object.
func TestCorpusRecall(t *testing.T) {
	real := needCorpus(t)
	f, err := os.Open(filepath.Join(corpusDir, "real-docs.tsv"))
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	inv, err := Scan(context.Background(), Options{Files: []string{real}})
	if err != nil {
		t.Fatal(err)
	}
	// Objects by file and document index: the index counts the file's documents, as the
	// ground truth does, so it comes from the object's position among its file's objects.
	type key struct {
		file string
		doc  int
	}
	byDoc := map[key]*inventory.Object{}
	docIndex := map[string]int{}
	for _, o := range inv.Objects {
		file := strings.TrimPrefix(o.Source.Path, filepath.ToSlash(real)+"/")
		byDoc[key{file, docIndex[file]}] = o
		docIndex[file]++
	}
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	rows, missing := 0, 0
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 4 {
			continue
		}
		doc, _ := strconv.Atoi(cols[1])
		rows++
		o := byDoc[key{cols[0], doc}]
		if o == nil || o.APIVersion != cols[2] || o.Kind != cols[3] {
			missing++
			if missing <= 20 {
				got := "nothing"
				if o != nil {
					got = o.APIVersion + " " + o.Kind
				}
				t.Errorf("%s doc %d: want %s %s, got %s", cols[0], doc, cols[2], cols[3], got)
			}
		}
	}
	if rows == 0 {
		t.Fatal("no ground-truth rows")
	}
	t.Logf("recall: %d/%d ground-truth documents found; %d objects, %d input errors", rows-missing, rows, len(inv.Objects), len(inv.InputErrors))
	for i, e := range inv.InputErrors {
		if i < 5 {
			t.Logf("input error: %s: %s", e.Source, e.Message)
		}
	}
}

func benchmarkScan(b *testing.B, dir string, files int) {
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		inv, err := Scan(context.Background(), Options{Files: []string{dir}})
		if err != nil || len(inv.Objects) == 0 {
			b.Fatalf("scan: %v (%d objects)", err, len(inv.Objects))
		}
	}
	b.ReportMetric(float64(files)*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}

// BenchmarkScanCorpus scans the real corpus (1,567 files) and a 10,000-file copy of it.
func BenchmarkScanCorpus(b *testing.B) {
	real := needCorpus(b)
	var files []string
	filepath.WalkDir(real, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && isManifestName(d.Name()) {
			files = append(files, p)
		}
		return nil
	})
	b.Run("real", func(b *testing.B) { benchmarkScan(b, real, len(files)) })
	b.Run("10k", func(b *testing.B) {
		dir := b.TempDir()
		const n = 10000
		for i := range n {
			src := files[i%len(files)]
			data, err := os.ReadFile(src)
			if err != nil {
				b.Fatal(err)
			}
			sub := filepath.Join(dir, fmt.Sprintf("c%03d", i/len(files)), fmt.Sprintf("%05d-%s", i, filepath.Base(src)))
			if err := os.MkdirAll(filepath.Dir(sub), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(sub, data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		benchmarkScan(b, dir, n)
	})
}
