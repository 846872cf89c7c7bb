package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

// manualAPI is one row of manual_apis.yaml: lifecycle facts for versions whose sources
// never carried prerelease-lifecycle metadata and whose registration alone does not tell
// (served or not, deprecated when). Each row quotes the CHANGELOG line that states it; the
// generator checks the quote against the downloaded file and cites its line.
type manualAPI struct {
	APIVersion   string           `yaml:"apiVersion"`
	Kinds        []string         `yaml:"kinds"`
	IntroducedIn *knowledge.Minor `yaml:"introducedIn"`
	DeprecatedIn *knowledge.Minor `yaml:"deprecatedIn"`
	RemovedIn    *knowledge.Minor `yaml:"removedIn"`
	// Replacement is an apiVersion; the kind stays the same.
	Replacement string    `yaml:"replacement"`
	Changelog   changelog `yaml:"changelog"`

	source string // resolved "module@version/file:line: text"
}

// changelog points at a line of a CHANGELOG file inside a k8s.io/kubernetes module zip.
type changelog struct {
	Module string `yaml:"module"` // k8s.io/kubernetes@v1.20.15
	File   string `yaml:"file"`   // CHANGELOG/CHANGELOG-1.20.md
	Quote  string `yaml:"quote"`  // text the line contains
}

type manualTable struct {
	rows   []manualAPI
	inputs []string
}

// readManualAPIs reads the hand-kept table and resolves each row's CHANGELOG quote to a
// file and line; a quote that is not found is an error, so a row cannot cite nothing.
func (g *generator) readManualAPIs(path string) (manualTable, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return manualTable{}, err
	}
	var rows []manualAPI
	if err := yaml.Unmarshal(b, &rows); err != nil {
		return manualTable{}, fmt.Errorf("%s: %w", path, err)
	}
	var t manualTable
	for i := range rows {
		r := &rows[i]
		if r.APIVersion == "" || len(r.Kinds) == 0 {
			return t, fmt.Errorf("%s: row %d: apiVersion and kinds are required", path, i+1)
		}
		mod, ver, ok := strings.Cut(r.Changelog.Module, "@")
		if !ok || r.Changelog.File == "" || r.Changelog.Quote == "" {
			return t, fmt.Errorf("%s: row %d (%s): changelog needs module@version, file and quote", path, i+1, r.APIVersion)
		}
		dir, err := g.moduleDir(mod, ver)
		if err != nil {
			return t, err
		}
		line, text, err := findQuotedLine(filepath.Join(dir, r.Changelog.File), r.Changelog.Quote)
		if err != nil {
			return t, fmt.Errorf("%s: row %d (%s): %w", path, i+1, r.APIVersion, err)
		}
		r.source = fmt.Sprintf("%s/%s:%d: %s", r.Changelog.Module, r.Changelog.File, line, text)
		t.inputs = append(t.inputs, r.Changelog.Module)
	}
	t.rows = rows
	return t, nil
}

// findQuotedLine returns the first line of file containing quote, trimmed.
func findQuotedLine(file, quote string) (int, string, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), quote) {
			text := strings.TrimSpace(sc.Text())
			if len(text) > 300 {
				text = text[:300] + "…"
			}
			return n, text, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, "", err
	}
	return 0, "", fmt.Errorf("%s: no line contains %q", file, quote)
}

func splitAPIVersion(apiVersion string) (group, version string) {
	if g, v, ok := strings.Cut(apiVersion, "/"); ok {
		return g, v
	}
	return "", apiVersion
}

// applyManual sets the fields each row states, adding kinds the scans did not find.
// A row that contradicts a generated value wins (the CHANGELOG is the authority where
// it is used) and the contradiction is reported.
func applyManual(apis []knowledge.API, rows []manualAPI) ([]knowledge.API, []string) {
	var warnings []string
	index := map[knowledge.GroupVersionKind]int{}
	for i := range apis {
		index[apis[i].GroupVersionKind] = i
	}
	for _, r := range rows {
		group, version := splitAPIVersion(r.APIVersion)
		for _, kind := range r.Kinds {
			gvk := knowledge.GroupVersionKind{Group: group, Version: version, Kind: kind}
			i, ok := index[gvk]
			if !ok {
				apis = append(apis, knowledge.API{GroupVersionKind: gvk})
				i = len(apis) - 1
				index[gvk] = i
			}
			a := &apis[i]
			var set []string
			override := func(field string, dst **knowledge.Minor, v *knowledge.Minor) {
				if v == nil {
					return
				}
				if *dst != nil && **dst != *v {
					warnings = append(warnings, fmt.Sprintf("%s: manual %s %s overrides generated %s", gvk, field, v, *dst))
				}
				*dst = v
				set = append(set, field)
			}
			override("introducedIn", &a.IntroducedIn, r.IntroducedIn)
			override("deprecatedIn", &a.DeprecatedIn, r.DeprecatedIn)
			override("removedIn", &a.RemovedIn, r.RemovedIn)
			if r.Replacement != "" {
				rg, rv := splitAPIVersion(r.Replacement)
				a.Replacement = &knowledge.GroupVersionKind{Group: rg, Version: rv, Kind: kind}
				set = append(set, "replacement")
			}
			entry := strings.Join(set, ", ") + ": " + r.source
			if a.Source == "" {
				a.Source = entry
			} else {
				a.Source += "; " + entry
			}
		}
	}
	return apis, warnings
}
