package update

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

const recordings = "../../testdata/github"

// replay serves the recorded GitHub responses in testdata/github and remembers the
// requests it saw.
type replay struct {
	mu       sync.Mutex
	requests []string // "page=N auth=..."
	url      string
}

func newReplay(t *testing.T) *replay {
	t.Helper()
	rp := &replay{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/repos/kubernetes/kubernetes/releases" {
			http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
			return
		}
		page := r.URL.Query().Get("page")
		if page == "" {
			page = "1"
		}
		rp.mu.Lock()
		rp.requests = append(rp.requests, fmt.Sprintf("page=%s per_page=%s auth=%s", page, r.URL.Query().Get("per_page"), r.Header.Get("Authorization")))
		rp.mu.Unlock()
		f, err := os.Open(filepath.Join(recordings, "releases-page-"+page+".http"))
		if err != nil {
			http.Error(w, `{"message":"Not Found"}`, http.StatusNotFound)
			return
		}
		defer f.Close()
		resp, err := http.ReadResponse(bufio.NewReader(f), r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer resp.Body.Close()
		for k, vs := range resp.Header {
			for _, v := range vs {
				w.Header().Add(k, strings.ReplaceAll(v, "https://api.github.com/", rp.url+"/"))
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	rp.url = srv.URL
	return rp
}

var fetchedAt = time.Date(2026, 12, 14, 9, 0, 0, 0, time.UTC)

func TestFetchFollowsPaginationAndSendsToken(t *testing.T) {
	rp := newReplay(t)
	c, err := Fetch(context.Background(), Options{GitHubURL: rp.url, Token: "t0ken", Now: func() time.Time { return fetchedAt }})
	if err != nil {
		t.Fatal(err)
	}
	wantRequests := []string{"page=1 per_page=100 auth=Bearer t0ken", "page=2 per_page=100 auth=Bearer t0ken"}
	if diff := cmp.Diff(wantRequests, rp.requests); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	tag := func(v string) string { return "https://github.com/kubernetes/kubernetes/releases/tag/" + v }
	want := &Cache{
		FetchedAt: fetchedAt,
		From:      rp.url + "/",
		Releases: []knowledge.Release{
			{Minor: knowledge.V(10), LatestPatch: "v1.10.13", Source: tag("v1.10.13")},
			{Minor: knowledge.V(21), LatestPatch: "v1.21.14", ReleaseDate: "2021-04-08", Source: tag("v1.21.14") + "; date: " + tag("v1.21.0")},
			{Minor: knowledge.V(36), LatestPatch: "v1.36.6", Source: tag("v1.36.6")},
			// v1.37.4 is a draft: v1.37.3 is the latest.
			{Minor: knowledge.V(37), LatestPatch: "v1.37.3", ReleaseDate: "2026-08-26", Source: tag("v1.37.3") + "; date: " + tag("v1.37.0")},
			// v1.38.0-rc.1 is a pre-release and does not count.
			{Minor: knowledge.V(38), LatestPatch: "v1.38.0", ReleaseDate: "2026-12-09", Source: tag("v1.38.0") + "; date: " + tag("v1.38.0")},
		},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("cache (-want +got):\n%s", diff)
	}
}

func TestFetchWithoutTokenSendsNoAuthorization(t *testing.T) {
	rp := newReplay(t)
	if _, err := Fetch(context.Background(), Options{GitHubURL: rp.url}); err != nil {
		t.Fatal(err)
	}
	for _, r := range rp.requests {
		if !strings.HasSuffix(r, "auth=") {
			t.Errorf("request %q carries an Authorization header", r)
		}
	}
}

func TestFetchBoundsPagination(t *testing.T) {
	rp := newReplay(t)
	_, err := Fetch(context.Background(), Options{GitHubURL: rp.url, MaxPages: 1})
	if err == nil || !strings.Contains(err.Error(), "more than 1 pages") {
		t.Fatalf("err = %v, want the page bound", err)
	}
}

func TestFetchRejectsBadURL(t *testing.T) {
	for _, u := range []string{"ftp://example.invalid/", "not a url", "http://"} {
		if _, err := Fetch(context.Background(), Options{GitHubURL: u}); err == nil {
			t.Errorf("Fetch(%q) succeeded", u)
		}
	}
}

func TestFetchReportsHTTPErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"message":"Bad credentials","documentation_url":"https://docs.github.com/rest"}`)
	}))
	defer srv.Close()
	_, err := Fetch(context.Background(), Options{GitHubURL: srv.URL, Token: "wrong"})
	if err == nil || !strings.Contains(err.Error(), "Bad credentials") {
		t.Fatalf("err = %v, want GitHub's message", err)
	}
}

func embeddedLike() *knowledge.KB {
	return knowledge.New(nil, nil, nil, nil, nil, []knowledge.Release{
		{Minor: knowledge.V(21), LatestPatch: "v1.21.14", GoVersion: "1.16.15", KubeletSkew: 2, Source: "gen"},
		{Minor: knowledge.V(36), LatestPatch: "v1.36.6", ReadFrom: "v1.36.5", GoVersion: "1.26.8", KubeletSkew: 3, Source: "gen"},
		{Minor: knowledge.V(37), LatestPatch: "v1.37.2", ReadFrom: "v1.37.1", ReleaseDate: "2026-08-26", GoVersion: "1.26.8", KubeletSkew: 3, Source: "gen"},
	})
}

func TestApplyPrefersNewerPatchesAndKeepsSourceFacts(t *testing.T) {
	rp := newReplay(t)
	c, err := Fetch(context.Background(), Options{GitHubURL: rp.url, Now: func() time.Time { return fetchedAt }})
	if err != nil {
		t.Fatal(err)
	}
	kb := Apply(embeddedLike(), c)
	tag := "https://github.com/kubernetes/kubernetes/releases/tag/"
	want := []knowledge.Release{
		{Minor: knowledge.V(21), LatestPatch: "v1.21.14", GoVersion: "1.16.15", KubeletSkew: 2, Source: "gen"},
		{Minor: knowledge.V(36), LatestPatch: "v1.36.6", ReadFrom: "v1.36.5", GoVersion: "1.26.8", KubeletSkew: 3, Source: "gen"},
		{Minor: knowledge.V(37), LatestPatch: "v1.37.3", ReadFrom: "v1.37.1", ReleaseDate: "2026-08-26", GoVersion: "1.26.8", KubeletSkew: 3,
			Source: tag + "v1.37.3; date: " + tag + "v1.37.0; other facts: gen"},
		{Minor: knowledge.V(38), LatestPatch: "v1.38.0", ReleaseDate: "2026-12-09", KubeletSkew: 3,
			Source: tag + "v1.38.0; date: " + tag + "v1.38.0; skew: policy of 1.37, the newest minor the knowledge base knows"},
	}
	if diff := cmp.Diff(want, kb.Releases); diff != "" {
		t.Errorf("releases (-want +got):\n%s", diff)
	}
	// Hops read the refreshed list.
	hops, err := kb.Hops(knowledge.V(36), knowledge.V(37))
	if err != nil || len(hops) != 1 || hops[0].Version != "v1.37.3" {
		t.Errorf("hops = %v, %v; want one hop to v1.37.3", hops, err)
	}
}

func TestLoadReadsTheCacheWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "upgrade-lint", "releases.json")
	base := embeddedLike()
	if kb, err := Load(base, path); err != nil || kb != base {
		t.Fatalf("without a cache Load = %p, %v; want the embedded KB unchanged", kb, err)
	}
	c := &Cache{FetchedAt: fetchedAt, From: DefaultGitHubURL, Releases: []knowledge.Release{
		{Minor: knowledge.V(21), LatestPatch: "v1.21.15", Source: "s"},
		{Minor: knowledge.V(36), LatestPatch: "v1.36.4", Source: "s"}, // older: ignored
	}}
	if err := c.Write(path); err != nil {
		t.Fatal(err)
	}
	kb, err := Load(base, path)
	if err != nil {
		t.Fatal(err)
	}
	if got := kb.Release(knowledge.V(21)).LatestPatch; got != "v1.21.15" {
		t.Errorf("1.21 latest = %s, want the cached v1.21.15", got)
	}
	if got := kb.Release(knowledge.V(36)).LatestPatch; got != "v1.36.6" {
		t.Errorf("1.36 latest = %s, want the embedded v1.36.6 (cache is older)", got)
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(base, path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("corrupt cache: err = %v, want one naming %s", err, path)
	}
}
