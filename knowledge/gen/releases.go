package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

// skewRule is one row of skew.yaml: the kubelet skew policy from a minor on.
type skewRule struct {
	From              knowledge.Minor `yaml:"from"`
	KubeletSkew       int             `yaml:"kubeletSkew"`
	Source            string          `yaml:"source"`
	ChangelogMinor    string          `yaml:"changelogMinor"`
	ChangelogContains string          `yaml:"changelogContains"`
}

// genReleases writes releases.json: per minor the latest patch, the x.y.0 date, the Go
// toolchains of x.y.0 and of the pinned patch, and the kubelet skew policy.
func genReleases(g *generator) error {
	latest, err := g.readLatest()
	if err != nil {
		return err
	}
	rules, err := g.readSkewRules()
	if err != nil {
		return err
	}
	var releases []knowledge.Release
	var inputs []string
	for _, m := range g.minors() {
		pinned := g.kubernetesVersion(m)
		r := knowledge.Release{Minor: m, LatestPatch: latest[m.String()]}
		if r.LatestPatch != pinned {
			r.ReadFrom = pinned
		}
		var sources []string

		dir, err := g.moduleDir("k8s.io/kubernetes", pinned)
		if err != nil {
			return err
		}
		inputs = append(inputs, "k8s.io/kubernetes@"+pinned)
		goVersion, where, err := buildGoVersion("k8s.io/kubernetes@"+pinned, dir)
		if err != nil {
			return err
		}
		r.GoVersion = goVersion
		sources = append(sources, "go: "+where)

		first := fmt.Sprintf("v%d.%d.0", m.Major, m.Minor)
		if first != pinned {
			// x.y.0's own sources say which Go it shipped with; a refused zip leaves it unknown.
			if dir0, err := g.moduleDir("k8s.io/kubernetes", first); err == nil {
				inputs = append(inputs, "k8s.io/kubernetes@"+first)
				if v, where, err := buildGoVersion("k8s.io/kubernetes@"+first, dir0); err == nil {
					r.GoVersionAtRelease = v
					sources = append(sources, "go at release: "+where)
				}
			}
		} else {
			r.GoVersionAtRelease = r.GoVersion
		}

		if date, err := tagDate(first); err == nil {
			r.ReleaseDate = date
			sources = append(sources, "date: k8s.io/kubernetes@"+first+" .info Time (commit date of the tag)")
		}

		rule, ok := skewRuleAt(rules, m)
		if !ok {
			return fmt.Errorf("skew.yaml has no row for %s", m)
		}
		r.KubeletSkew = rule.KubeletSkew
		skewSource := rule.Source
		if rule.ChangelogMinor != "" {
			where, err := g.changelogLine(knowledge.MustMinor(rule.ChangelogMinor), rule.ChangelogContains)
			if err != nil {
				return err
			}
			skewSource += "; " + where
		}
		sources = append(sources, "skew: "+skewSource)
		r.Source = strings.Join(sources, "; ")
		releases = append(releases, r)
	}
	return g.writeData("releases.json", inputs, releases)
}

func (g *generator) readSkewRules() ([]skewRule, error) {
	path := filepath.Join(filepath.Dir(g.pinsPath), "skew.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rules []skewRule
	if err := yaml.Unmarshal(b, &rules); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for i, r := range rules {
		if r.Source == "" || r.KubeletSkew <= 0 {
			return nil, fmt.Errorf("%s: row %d needs kubeletSkew and source", path, i+1)
		}
	}
	return rules, nil
}

// skewRuleAt is the last row whose From is at or before m.
func skewRuleAt(rules []skewRule, m knowledge.Minor) (skewRule, bool) {
	var best skewRule
	found := false
	for _, r := range rules {
		if !m.Less(r.From) && (!found || best.From.Less(r.From)) {
			best, found = r, true
		}
	}
	return best, found
}

// changelogLine cites the line of minor m's CHANGELOG (in its pinned sources) containing text.
func (g *generator) changelogLine(m knowledge.Minor, text string) (string, error) {
	version := g.kubernetesVersion(m)
	dir, err := g.moduleDir("k8s.io/kubernetes", version)
	if err != nil {
		return "", err
	}
	rel, line, err := changelogLineIn(dir, m, "", text)
	if err != nil {
		return "", fmt.Errorf("k8s.io/kubernetes@%s: %w", version, err)
	}
	return fmt.Sprintf("k8s.io/kubernetes@%s/%s:%d", version, rel, line), nil
}

var (
	crossGoVersion  = regexp.MustCompile(`go(\d+\.\d+(?:\.\d+)?)`)       // v1.21.0-go1.16.15-buster.0
	legacyGoVersion = regexp.MustCompile(`^v(\d+\.\d+(?:\.\d+)?)-`)      // v1.13.15-1 (the Go version itself)
	depsGoVersion   = regexp.MustCompile(`^\s*version:\s*"?([0-9.]+)"?`) // under "golang: upstream version"
)

// buildGoVersion reads the Go toolchain a release is built with from the first of its
// build files that states it: .go-version (1.27+), build/dependencies.yaml (1.19+), then
// build/build-image/cross/VERSION.
func buildGoVersion(module, root string) (string, string, error) {
	if b, err := os.ReadFile(filepath.Join(root, ".go-version")); err == nil {
		if v := strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]); v != "" {
			return v, module + "/.go-version:1", nil
		}
	}
	if b, err := os.ReadFile(filepath.Join(root, "build/dependencies.yaml")); err == nil {
		lines := strings.Split(string(b), "\n")
		for i, l := range lines {
			if !strings.Contains(l, `name: "golang: upstream version"`) {
				continue
			}
			for j := i + 1; j < len(lines) && j <= i+3; j++ {
				if sm := depsGoVersion.FindStringSubmatch(lines[j]); sm != nil {
					return sm[1], fmt.Sprintf("%s/build/dependencies.yaml:%d", module, j+1), nil
				}
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(root, "build/build-image/cross/VERSION"))
	if err != nil {
		return "", "", fmt.Errorf("%s: no build file states the Go version: %w", module, err)
	}
	v := strings.TrimSpace(string(b))
	where := module + "/build/build-image/cross/VERSION:1"
	if sm := crossGoVersion.FindStringSubmatch(v); sm != nil {
		return sm[1], where, nil
	}
	if sm := legacyGoVersion.FindStringSubmatch(v); sm != nil {
		return sm[1], where, nil
	}
	return "", "", fmt.Errorf("%s: cannot read a Go version from %q", where, v)
}

// tagDate is the commit date (UTC) of k8s.io/kubernetes's tag version, from the proxy.
func tagDate(version string) (string, error) {
	out, err := goCommand("list", "-m", "-json", "k8s.io/kubernetes@"+version)
	if err != nil {
		return "", err
	}
	var info struct{ Time *time.Time }
	if err := json.Unmarshal(out, &info); err != nil {
		return "", err
	}
	if info.Time == nil {
		return "", fmt.Errorf("k8s.io/kubernetes@%s: no time", version)
	}
	return info.Time.UTC().Format("2006-01-02"), nil
}
