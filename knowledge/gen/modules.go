package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

// Pins are the exact upstream versions the generator reads, one file so that a
// regeneration is reproducible and a change of input is one reviewable diff.
type Pins struct {
	// Kubernetes maps a minor ("1.21") to the k8s.io/kubernetes version read for it
	// (its latest patch, or the nearest obtainable one: see Notes).
	Kubernetes map[string]string `json:"kubernetes"`
	// Notes records versions that could not be downloaded and what was used instead.
	Notes []string `json:"notes,omitempty"`
}

type generator struct {
	out      string
	pinsPath string
	pins     Pins

	mu   sync.Mutex
	dirs map[string]string // module@version -> extracted directory
}

func newGenerator(out, pinsPath string) (*generator, error) {
	g := &generator{out: out, pinsPath: pinsPath, dirs: map[string]string{}}
	b, err := os.ReadFile(pinsPath)
	if err == nil {
		if err := json.Unmarshal(b, &g.pins); err != nil {
			return nil, fmt.Errorf("%s: %w", pinsPath, err)
		}
	} else if !os.IsNotExist(err) {
		return nil, err
	}
	return g, nil
}

// minors lists the pinned minors in order.
func (g *generator) minors() []knowledge.Minor {
	var ms []knowledge.Minor
	for k := range g.pins.Kubernetes {
		ms = append(ms, knowledge.MustMinor(k))
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Less(ms[j]) })
	return ms
}

// kubernetesVersion is the pinned k8s.io/kubernetes version of minor m.
func (g *generator) kubernetesVersion(m knowledge.Minor) string { return g.pins.Kubernetes[m.String()] }

// stagingVersion is the v0.X.Y version of a staging module matching k8s.io/kubernetes vX.Y.Z
// (published from 1.15 on; earlier releases carry staging/ inside the main module).
func stagingVersion(kubernetesVersion string) string {
	return "v0." + strings.TrimPrefix(kubernetesVersion, "v1.")
}

// moduleDir downloads module@version with `go mod download -json` and returns the
// directory of its extracted source. A proxy refusal (403/404/410) is an error carrying
// the proxy's words: callers decide whether a nearby patch will do, and record it.
// A commit hash is first resolved to its pseudo-version as a fresh cache would resolve it.
func (g *generator) moduleDir(path, version string) (string, error) {
	key := path + "@" + version
	g.mu.Lock()
	if d, ok := g.dirs[key]; ok {
		g.mu.Unlock()
		return d, nil
	}
	g.mu.Unlock()
	canonical, err := resolveCommitHash(path, version)
	if err != nil {
		return "", err
	}
	res, err := goModDownload(path + "@" + canonical)
	if err != nil {
		return "", err
	}
	if res.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no directory reported", key)
	}
	g.mu.Lock()
	g.dirs[key] = res.Dir
	g.mu.Unlock()
	return res.Dir, nil
}

// resolveCommitHash turns a commit hash (Godeps.json pins dependencies that way) into
// the module version the proxy gives it, asking with an empty scratch module cache:
// the go command otherwise answers a hash from any pseudo-version of that commit already
// cached, so a warm cache would read a module the proxy refuses a fresh one, and the
// data would depend on the machine. Other versions are returned unchanged.
func resolveCommitHash(path, version string) (string, error) {
	if !isCommitHash(version) {
		return version, nil
	}
	scratch, err := os.MkdirTemp("", "knowledge-gen-modcache-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(scratch)
	cmd := exec.Command("go", "list", "-m", "-json", path+"@"+version)
	cmd.Env = append(os.Environ(), "GOMODCACHE="+scratch, "GOFLAGS=-mod=mod -modcacherw", "GOWORK=off", "GONOSUMDB=k8s.io")
	cmd.Dir = os.TempDir() // outside any module
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go list -m %s@%s: %v: %s", path, version, err, strings.TrimSpace(stderr.String()))
	}
	var res struct{ Version string }
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || res.Version == "" {
		return "", fmt.Errorf("go list -m %s@%s: no version reported: %s", path, version, strings.TrimSpace(stdout.String()))
	}
	return res.Version, nil
}

// isCommitHash reports whether rev is what the go command looks up in its cache by hash:
// twelve or more lowercase hex digits.
func isCommitHash(rev string) bool {
	if len(rev) < 12 {
		return false
	}
	for _, c := range rev {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

type downloadResult struct {
	Dir   string
	Error string
}

// goModDownload runs `go mod download -json key` outside any module; env entries are
// added after the caller's environment, so they win. The caller's GOFLAGS are kept
// (a -modcacherw asked for on the command line reaches the downloads too).
func goModDownload(key string, env ...string) (downloadResult, error) {
	cmd := exec.Command("go", "mod", "download", "-json", key)
	// The checksum database answers 404 for some recent k8s.io patches the proxy serves.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod "+os.Getenv("GOFLAGS"), "GOWORK=off", "GONOSUMDB=k8s.io")
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Dir = os.TempDir() // outside any module: download needs no go.mod
	runErr := cmd.Run()
	var res downloadResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil && runErr != nil {
		return res, fmt.Errorf("go mod download %s: %v: %s", key, runErr, strings.TrimSpace(stderr.String()))
	}
	if res.Error != "" {
		return res, fmt.Errorf("go mod download %s: %s", key, res.Error)
	}
	return res, nil
}

// writeData writes one data file with the DO NOT EDIT header and the inputs read.
func (g *generator) writeData(name string, inputs []string, items any) error {
	sort.Strings(inputs)
	inputs = dedup(inputs)
	doc := map[string]any{
		"generated": "Code generated by knowledge/gen from upstream sources; DO NOT EDIT.",
		"inputs":    inputs,
		"items":     items,
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(g.outPath(name), append(b, '\n'), 0o644)
}

func dedup(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// perMinor reads every pinned minor with read, a few at a time (downloads dominate), and
// returns the minors and their results in order; the first error wins, named by part.
func perMinor[T any](g *generator, part string, read func(knowledge.Minor) (T, error)) ([]knowledge.Minor, []T, error) {
	minors := g.minors()
	if len(minors) == 0 {
		return nil, nil, fmt.Errorf("%s: no pinned minors: write %s first (gen pins)", part, g.pinsPath)
	}
	results := make([]T, len(minors))
	errs := make([]error, len(minors))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, m := range minors {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i], errs[i] = read(m)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, nil, fmt.Errorf("%s %s: %w", part, minors[i], err)
		}
	}
	return minors, results, nil
}

// changelogLineIn finds, in the sources at dir, the first line of minor m's CHANGELOG that
// contains quote (after the first line containing after, when after is set). The file is
// CHANGELOG/CHANGELOG-<m>.md from 1.16's later patches on, CHANGELOG-<m>.md before.
func changelogLineIn(dir string, m knowledge.Minor, after, quote string) (string, int, error) {
	name := "CHANGELOG-" + m.String() + ".md"
	for _, rel := range []string{"CHANGELOG/" + name, name} {
		f, err := os.Open(filepath.Join(dir, rel))
		if err != nil {
			continue
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		seenAfter := after == ""
		for n := 1; sc.Scan(); n++ {
			text := sc.Text()
			if !seenAfter {
				seenAfter = strings.Contains(text, after)
				continue
			}
			if strings.Contains(text, quote) {
				return rel, n, nil
			}
		}
		if err := sc.Err(); err != nil {
			return "", 0, fmt.Errorf("%s: %w", rel, err)
		}
		return "", 0, fmt.Errorf("%s: no line with %q", rel, quote)
	}
	return "", 0, fmt.Errorf("no %s", name)
}
