// Package update refreshes the release list of the knowledge base (latest patch per minor,
// x.y.0 dates) from the GitHub releases of kubernetes/kubernetes, caches it in the user's
// cache directory, and lays the cached list over the embedded one where it is newer.
// Everything else in the knowledge base comes only from the embedded, generated data.
package update

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-github/v57/github"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

// DefaultGitHubURL is the GitHub REST API.
const DefaultGitHubURL = "https://api.github.com/"

// Options configure a fetch.
type Options struct {
	// GitHubURL is the API base URL (DefaultGitHubURL when empty).
	GitHubURL string
	// Token authenticates (from GITHUB_TOKEN), raising GitHub's rate limit.
	Token string
	// HTTPClient is used for requests (http.DefaultClient when nil).
	HTTPClient *http.Client
	// MaxPages bounds pagination (20 pages of 100 releases when zero).
	MaxPages int
	// Now stamps the cache (time.Now when nil).
	Now func() time.Time
}

// Cache is the file `knowledge update` writes.
type Cache struct {
	FetchedAt time.Time `json:"fetchedAt"`
	// From is the API address the releases were read from.
	From     string              `json:"from"`
	Releases []knowledge.Release `json:"releases"`
}

const (
	owner = "kubernetes"
	repo  = "kubernetes"
)

// Fetch lists the releases of kubernetes/kubernetes, page by page, and reduces them to
// one Release per minor: the newest non-prerelease patch and the publication date of x.y.0.
func Fetch(ctx context.Context, opts Options) (*Cache, error) {
	client, base, err := newClient(opts)
	if err != nil {
		return nil, err
	}
	maxPages := opts.MaxPages
	if maxPages <= 0 {
		maxPages = 20
	}
	type minorInfo struct {
		patch   int
		release *github.RepositoryRelease
		first   *github.RepositoryRelease // x.y.0
	}
	byMinor := map[knowledge.Minor]*minorInfo{}
	list := &github.ListOptions{PerPage: 100}
	for page := 0; ; page++ {
		if page == maxPages {
			return nil, fmt.Errorf("github: more than %d pages of releases; stopping", maxPages)
		}
		releases, resp, err := client.Repositories.ListReleases(ctx, owner, repo, list)
		if err != nil {
			return nil, fmt.Errorf("github: listing releases of %s/%s: %w", owner, repo, err)
		}
		for _, r := range releases {
			if r.GetDraft() || r.GetPrerelease() {
				continue
			}
			m, patch, ok := stableVersion(r.GetTagName())
			if !ok {
				continue
			}
			info := byMinor[m]
			if info == nil {
				info = &minorInfo{patch: -1}
				byMinor[m] = info
			}
			if patch > info.patch {
				info.patch, info.release = patch, r
			}
			if patch == 0 {
				info.first = r
			}
		}
		if resp.NextPage == 0 {
			break
		}
		list.Page = resp.NextPage
	}
	c := &Cache{From: base}
	c.FetchedAt = time.Now().UTC()
	if opts.Now != nil {
		c.FetchedAt = opts.Now().UTC()
	}
	for m, info := range byMinor {
		r := knowledge.Release{
			Minor:       m,
			LatestPatch: info.release.GetTagName(),
			Source:      releaseSource(info.release),
		}
		if info.first != nil && info.first.PublishedAt != nil {
			r.ReleaseDate = info.first.PublishedAt.UTC().Format("2006-01-02")
			r.Source += "; date: " + releaseSource(info.first)
		}
		c.Releases = append(c.Releases, r)
	}
	sort.Slice(c.Releases, func(i, j int) bool { return c.Releases[i].Minor.Less(c.Releases[j].Minor) })
	return c, nil
}

func newClient(opts Options) (*github.Client, string, error) {
	client := github.NewClient(opts.HTTPClient)
	if opts.Token != "" {
		client = client.WithAuthToken(opts.Token)
	}
	base := opts.GitHubURL
	if base == "" {
		base = DefaultGitHubURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, "", fmt.Errorf("--github-url %q: want an http(s) URL", opts.GitHubURL)
	}
	client.BaseURL = u
	return client, base, nil
}

func releaseSource(r *github.RepositoryRelease) string {
	if u := r.GetHTMLURL(); u != "" {
		return u
	}
	return "https://github.com/kubernetes/kubernetes/releases/tag/" + r.GetTagName()
}

// stableVersion accepts v1.X.Y tags and refuses pre-releases (v1.30.0-rc.1).
func stableVersion(tag string) (knowledge.Minor, int, bool) {
	if !strings.HasPrefix(tag, "v") || strings.ContainsAny(tag, "-+") {
		return knowledge.Minor{}, 0, false
	}
	m, patch, err := knowledge.ParseVersion(tag)
	if err != nil || patch < 0 || m.Major != 1 {
		return knowledge.Minor{}, 0, false
	}
	return m, patch, true
}

// DefaultCachePath is os.UserCacheDir()/upgrade-lint/releases.json.
func DefaultCachePath() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "upgrade-lint", "releases.json"), nil
}

// Write stores the cache at path, creating its directory.
func (c *Cache) Write(path string) error {
	b, err := json.MarshalIndent(c, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ReadCache reads a cache file; a missing file is (nil, nil).
func ReadCache(path string) (*Cache, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var c Cache
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w (run `upgrade-lint knowledge update` again)", path, err)
	}
	return &c, nil
}

// Load returns kb with the release list cached at path laid over the embedded one where it
// is newer; with no cache it returns kb itself.
func Load(kb *knowledge.KB, path string) (*knowledge.KB, error) {
	c, err := ReadCache(path)
	if err != nil || c == nil {
		return kb, err
	}
	return Apply(kb, c), nil
}

// Apply lays the cached releases over kb's: a minor's latest patch is replaced only by a
// newer one, and the facts read from the sources (Go version, skew) stay, with ReadFrom
// naming the patch they were read from. Minors newer than any the embedded data knows are
// added, with the skew policy of the newest known minor.
func Apply(kb *knowledge.KB, c *Cache) *knowledge.KB {
	var newest *knowledge.Release
	for i := range kb.Releases {
		if newest == nil || newest.Minor.Less(kb.Releases[i].Minor) {
			newest = &kb.Releases[i]
		}
	}
	var changed []knowledge.Release
	for _, fetched := range c.Releases {
		old := kb.Release(fetched.Minor)
		if old == nil {
			if newest != nil && !newest.Minor.Less(fetched.Minor) {
				continue // an old minor the knowledge base leaves out on purpose
			}
			r := fetched
			if newest != nil {
				r.KubeletSkew = newest.KubeletSkew
				r.Source += fmt.Sprintf("; skew: policy of %s, the newest minor the knowledge base knows", newest.Minor)
			}
			changed = append(changed, r)
			continue
		}
		if !newerPatch(fetched.LatestPatch, old.LatestPatch) {
			continue
		}
		r := *old
		if r.ReadFrom == "" {
			r.ReadFrom = old.LatestPatch
		}
		r.LatestPatch = fetched.LatestPatch
		if r.ReleaseDate == "" {
			r.ReleaseDate = fetched.ReleaseDate
		}
		r.Source = fetched.Source + "; other facts: " + old.Source
		changed = append(changed, r)
	}
	if len(changed) == 0 {
		return kb
	}
	return kb.WithReleases(changed)
}

// newerPatch reports whether version a is a later patch than b of the same minor.
func newerPatch(a, b string) bool {
	am, ap, aerr := knowledge.ParseVersion(a)
	bm, bp, berr := knowledge.ParseVersion(b)
	if aerr != nil {
		return false
	}
	if berr != nil {
		return true
	}
	return am == bm && ap > bp
}
