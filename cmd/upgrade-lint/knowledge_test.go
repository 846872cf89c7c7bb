package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/knowledge/update"
)

func minor(n int) *knowledge.Minor { return knowledge.V(n).Ptr() }

// fixtureKB holds a few facts with known values, so the output can be checked exactly.
func fixtureKB() *knowledge.KB {
	deployment := knowledge.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}
	return knowledge.New(
		[]knowledge.API{
			{GroupVersionKind: knowledge.GroupVersionKind{Group: "extensions", Version: "v1beta1", Kind: "Deployment"},
				DeprecatedIn: minor(9), RemovedIn: minor(16), Replacement: &deployment, ServedByDefault: true, Source: "api-src"},
			{GroupVersionKind: deployment, IntroducedIn: minor(9), ServedByDefault: true, Source: "api-src"},
		},
		[]knowledge.Gate{{
			Name: "VolumeSubpathEnvExpansion",
			Stages: []knowledge.GateStage{
				{Stage: "ALPHA", From: knowledge.V(14), To: knowledge.V(14)},
				{Stage: "BETA", Default: true, From: knowledge.V(15), To: knowledge.V(16)},
				{Stage: "GA", Default: true, Locked: true, From: knowledge.V(17), To: knowledge.V(18)},
			},
			RemovedIn: minor(19), Source: "gate-src",
		}},
		[]knowledge.Flag{
			{Component: "kubelet", Name: "allow-privileged", DeprecatedIn: minor(13), RemovedIn: minor(15), DeprecationMessage: "will be removed", Source: "flag-src"},
			{Component: "kube-apiserver", Name: "basic-auth-file", DeprecatedIn: minor(16), RemovedIn: minor(19), Source: "flag-src"},
		},
		[]knowledge.AdmissionPlugin{{Name: "PodPreset", IntroducedIn: minor(10), RemovedIn: minor(20), Source: "plugin-src"}},
		[]knowledge.ImageSet{
			{Minor: knowledge.V(20), KubernetesVersion: "v1.20.15", Repository: "k8s.gcr.io", Etcd: "3.4.13-0", CoreDNS: "1.7.0", Pause: "3.2", CoreDNSImagePath: "coredns", Source: "img-src"},
			{Minor: knowledge.V(21), KubernetesVersion: "v1.21.14", Repository: "k8s.gcr.io", Etcd: "3.4.13-0", CoreDNS: "v1.8.0", Pause: "3.4.1", CoreDNSImagePath: "coredns/coredns", Source: "img-src"},
		},
		[]knowledge.Release{
			{Minor: knowledge.V(18), LatestPatch: "v1.18.20", GoVersion: "1.13.15", KubeletSkew: 2, Source: "rel-src"},
			{Minor: knowledge.V(19), LatestPatch: "v1.19.16", ReleaseDate: "2020-08-26", GoVersion: "1.15.15", GoVersionAtRelease: "1.15", KubeletSkew: 2, Source: "rel-src"},
		},
	)
}

// runKnowledge executes the knowledge command on kb with args; the release cache is
// switched off unless args name one.
func runKnowledge(t *testing.T, kb *knowledge.KB, args ...string) (string, error) {
	t.Helper()
	cmd := newKnowledgeCmdWith(func() (*knowledge.KB, error) { return kb, nil })
	if !strings.Contains(strings.Join(args, " "), "--cache") {
		args = append(args, "--no-cache")
	}
	var out bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	return out.String(), err
}

// rowsOf returns the table rows of the output as trimmed cells, to assert on content
// rather than on box drawing.
func rowsOf(out string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "│") {
			continue
		}
		var cells []string
		for _, c := range strings.Split(strings.Trim(line, "│"), "│") {
			cells = append(cells, strings.TrimSpace(c))
		}
		rows = append(rows, cells)
	}
	return rows
}

func hasRow(rows [][]string, want ...string) bool {
	for _, r := range rows {
		if cmp.Equal(r, want) {
			return true
		}
	}
	return false
}

func TestKnowledgeShowMinor(t *testing.T) {
	kb := fixtureKB()
	tests := []struct {
		args []string
		rows [][]string
		not  [][]string
	}{
		{
			args: []string{"show", "1.19"},
			rows: [][]string{
				{"Latest patch", "v1.19.16"},
				{"Go toolchain", "Go 1.15.15 (latest patch), Go 1.15 (1.19.0)"},
				{"VolumeSubpathEnvExpansion", "removed: components refuse to start with it set", "-"},
				{"kube-apiserver", "--basic-auth-file", "removed", ""},
			},
		},
		{
			args: []string{"show", "v1.16"},
			rows: [][]string{
				{"extensions/v1beta1", "Deployment", "removed", "apps/v1 Deployment"},
				{"kube-apiserver", "--basic-auth-file", "deprecated", ""},
			},
			not: [][]string{{"VolumeSubpathEnvExpansion", "removed: components refuse to start with it set", "-"}},
		},
		{
			args: []string{"show", "1.17"},
			rows: [][]string{{"VolumeSubpathEnvExpansion", "graduated BETA -> GA", "GA default=true locked"}},
		},
		{
			args: []string{"show", "1.20"},
			rows: [][]string{{"PodPreset", "removed: kube-apiserver refuses to start with it enabled"}},
		},
		{
			args: []string{"show", "1.21"},
			rows: [][]string{
				{"CoreDNS", "k8s.gcr.io/coredns/coredns:v1.8.0 (was k8s.gcr.io/coredns:1.7.0)"},
				{"pause", "3.4.1 (was 3.2)"},
				{"etcd", "3.4.13-0"},
				{"CoreDNS under a custom imageRepository", "<repository>/coredns:v1.8.0"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, err := runKnowledge(t, kb, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			rows := rowsOf(out)
			for _, want := range tt.rows {
				if !hasRow(rows, want...) {
					t.Errorf("no row %q in:\n%s", want, out)
				}
			}
			for _, bad := range tt.not {
				if hasRow(rows, bad...) {
					t.Errorf("unexpected row %q in:\n%s", bad, out)
				}
			}
		})
	}
}

func TestKnowledgeShowFilters(t *testing.T) {
	kb := fixtureKB()
	tests := []struct {
		args  []string
		lines []string
		rows  [][]string
	}{
		{
			args:  []string{"show", "--gate", "VolumeSubpathEnvExpansion"},
			lines: []string{"Feature gate VolumeSubpathEnvExpansion", "Removed in: 1.19", "Source: gate-src"},
			rows:  [][]string{{"1.17-1.18", "GA", "true", "true"}, {"1.14-1.14", "ALPHA", "false", "false"}},
		},
		{
			args:  []string{"show", "1.18", "--gate", "VolumeSubpathEnvExpansion"},
			lines: []string{"At 1.18: GA default=true locked"},
		},
		{
			args:  []string{"show", "1.19", "--gate", "VolumeSubpathEnvExpansion"},
			lines: []string{"At 1.19: removed; components refuse to start with it set"},
		},
		{
			args:  []string{"show", "1.15", "--flag", "kubelet/allow-privileged"},
			lines: []string{"kubelet --allow-privileged", "Source: flag-src"},
			rows:  [][]string{{"Removed in", "1.15"}, {"Deprecated in", "1.13"}, {"Introduced in", "-"}, {"At 1.15", "absent"}},
		},
		{
			args: []string{"show", "1.14", "--flag", "kubelet/--allow-privileged"},
			rows: [][]string{{"At 1.14", "deprecated"}, {"Deprecation message", "will be removed"}},
		},
		{
			args:  []string{"show", "1.15", "--api", "extensions/v1beta1/Deployment"},
			lines: []string{"extensions/v1beta1 Deployment"},
			rows: [][]string{
				{"Removed in", "1.16"}, {"Replacement", "apps/v1 Deployment"},
				{"Served at 1.15", "apps/v1, extensions/v1beta1"},
				{"apps/v1", "1.9", "-", "-"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, err := runKnowledge(t, kb, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range tt.lines {
				if !strings.Contains(out, l+"\n") {
					t.Errorf("no line %q in:\n%s", l, out)
				}
			}
			rows := rowsOf(out)
			for _, want := range tt.rows {
				if !hasRow(rows, want...) {
					t.Errorf("no row %q in:\n%s", want, out)
				}
			}
		})
	}
}

func TestKnowledgeShowUsageErrors(t *testing.T) {
	kb := fixtureKB()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"show"}, "give a minor"},
		{[]string{"show", "one.nine"}, "not a number"},
		{[]string{"show", "1.9"}, "outside what the knowledge base covers"},
		{[]string{"show", "--gate", "NoSuchGate"}, `no feature gate named "NoSuchGate"`},
		{[]string{"show", "--flag", "allow-privileged"}, "want COMPONENT/NAME"},
		{[]string{"show", "--flag", "kubelet/no-such-flag"}, "no flag --no-such-flag of kubelet"},
		{[]string{"show", "--api", "Deployment"}, "want GROUP/VERSION/KIND"},
		{[]string{"show", "--api", "example.com/v1/Widget"}, "no API example.com/v1 Widget"},
		{[]string{"show", "--gate", "A", "--api", "v1/Pod"}, "give one of"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			_, err := runKnowledge(t, kb, tt.args...)
			var ee *exitError
			if !errors.As(err, &ee) || ee.code != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a usage error (exit 2) saying %q", err, tt.want)
			}
		})
	}
}

// The export document is a contract: these keys and fields, versions as "1.19", absent
// values as null.
func TestKnowledgeExportContract(t *testing.T) {
	out, err := runKnowledge(t, fixtureKB(), "export")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	doc := map[string][]map[string]any{}
	for _, key := range []string{"gates", "apis", "flags", "admissionPlugins", "images", "releases"} {
		var items []map[string]any
		if err := json.Unmarshal(raw[key], &items); err != nil || items == nil {
			t.Fatalf("%s: want a list, got %s (%v)", key, raw[key], err)
		}
		doc[key] = items
	}
	want := map[string]map[string]any{
		"gates": {"name": "VolumeSubpathEnvExpansion", "removedIn": "1.19", "stages": []any{
			map[string]any{"stage": "ALPHA", "default": false, "locked": false, "from": "1.14", "to": "1.14"},
			map[string]any{"stage": "BETA", "default": true, "locked": false, "from": "1.15", "to": "1.16"},
			map[string]any{"stage": "GA", "default": true, "locked": true, "from": "1.17", "to": "1.18"},
		}},
		"apis": {"group": "extensions", "version": "v1beta1", "kind": "Deployment", "deprecatedIn": "1.9", "removedIn": "1.16",
			"replacement": map[string]any{"group": "apps", "version": "v1", "kind": "Deployment"}},
		"flags":            {"component": "kubelet", "name": "allow-privileged", "introducedIn": nil, "deprecatedIn": "1.13", "removedIn": "1.15"},
		"admissionPlugins": {"name": "PodPreset", "introducedIn": "1.10", "removedIn": "1.20"},
		"images":           {"minor": "1.20", "repository": "k8s.gcr.io", "etcd": "3.4.13-0", "coredns": "1.7.0", "pause": "3.2"},
		"releases":         {"minor": "1.18", "latestPatch": "v1.18.20"},
	}
	for key, fields := range want {
		first := doc[key][0]
		for field, v := range fields {
			got, ok := first[field]
			if !ok {
				t.Errorf("%s[0] lacks %q", key, field)
				continue
			}
			if diff := cmp.Diff(v, got); diff != "" {
				t.Errorf("%s[0].%s (-want +got):\n%s", key, field, diff)
			}
		}
	}
	// The second API has no replacement and no removal: null, not absent.
	for _, field := range []string{"replacement", "removedIn", "deprecatedIn"} {
		if v, ok := doc["apis"][1][field]; !ok || v != nil {
			t.Errorf("apis[1].%s = %v (present %t), want null", field, v, ok)
		}
	}
}

var minorRE = regexp.MustCompile(`^1\.\d+$`)

// The embedded knowledge base exports under the same contract, with every minor's images
// and release.
func TestKnowledgeExportEmbedded(t *testing.T) {
	kb, err := loadKB()
	if err != nil {
		t.Fatal(err)
	}
	out, err := runKnowledge(t, kb, "export")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "<root-dir>/seccomp") || strings.Contains(out, `\u003c`) {
		t.Errorf("deprecation messages are HTML-escaped in the export (want <root-dir>, not \\u003croot-dir\\u003e)")
	}
	var doc struct {
		Images   []map[string]any `json:"images"`
		Releases []map[string]any `json:"releases"`
		Gates    []map[string]any `json:"gates"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Releases) != knowledge.Newest.Sub(knowledge.Oldest)+1 || len(doc.Images) != len(doc.Releases) {
		t.Fatalf("%d releases and %d image sets, want one per minor %s..%s", len(doc.Releases), len(doc.Images), knowledge.Oldest, knowledge.Newest)
	}
	for _, r := range append(doc.Releases, doc.Images...) {
		if m, _ := r["minor"].(string); !minorRE.MatchString(m) {
			t.Errorf("minor %v is not written as 1.N", r["minor"])
		}
	}
	for _, g := range doc.Gates {
		if v, ok := g["removedIn"]; !ok || (v != nil && !minorRE.MatchString(v.(string))) {
			t.Errorf("gate %v: removedIn %v", g["name"], v)
		}
	}
}

// knowledge show on the embedded data answers for every minor.
func TestKnowledgeShowEveryEmbeddedMinor(t *testing.T) {
	kb, err := loadKB()
	if err != nil {
		t.Fatal(err)
	}
	for m := knowledge.Oldest; !knowledge.Newest.Less(m); m = m.Next() {
		out, err := runKnowledge(t, kb, "show", m.String())
		if err != nil {
			t.Fatalf("show %s: %v", m, err)
		}
		r := kb.Release(m)
		if r == nil || !hasRow(rowsOf(out), "Latest patch", r.LatestPatch) && !strings.Contains(out, r.LatestPatch+" (facts read from") {
			t.Errorf("show %s lacks its latest patch:\n%s", m, out)
		}
	}
	out, err := runKnowledge(t, kb, "show", "1.21")
	if err != nil {
		t.Fatal(err)
	}
	if !hasRow(rowsOf(out), "CoreDNS", "k8s.gcr.io/coredns/coredns:v1.8.0 (was k8s.gcr.io/coredns:1.7.0)") {
		t.Errorf("show 1.21 lacks the CoreDNS move:\n%s", out)
	}
}

// replayGitHub serves testdata/github's recorded responses and records Authorization headers.
func replayGitHub(t *testing.T) (*httptest.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var auth []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page := r.URL.Query().Get("page")
		if page == "" {
			page = "1"
		}
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
		f, err := os.Open(filepath.Join("..", "..", "testdata", "github", "releases-page-"+page+".http"))
		if err != nil || r.URL.Path != "/repos/kubernetes/kubernetes/releases" {
			http.NotFound(w, r)
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
				w.Header().Add(k, strings.ReplaceAll(v, "https://api.github.com/", srv.URL+"/"))
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string { mu.Lock(); defer mu.Unlock(); return append([]string(nil), auth...) }
}

func TestKnowledgeUpdateWritesCacheUsedByShow(t *testing.T) {
	srv, auth := replayGitHub(t)
	t.Setenv("GITHUB_TOKEN", "s3cret")
	cache := filepath.Join(t.TempDir(), "releases.json")
	kb := knowledge.New(nil, nil, nil, nil, nil, []knowledge.Release{
		{Minor: knowledge.V(36), LatestPatch: "v1.36.6", GoVersion: "1.26.8", KubeletSkew: 3, Source: "gen"},
		{Minor: knowledge.V(37), LatestPatch: "v1.37.2", ReadFrom: "v1.37.1", GoVersion: "1.26.8", KubeletSkew: 3, Source: "gen"},
	})
	out, err := runKnowledge(t, kb, "update", "--github-url", srv.URL, "--cache", cache)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "1.37: v1.37.3\n") || !strings.Contains(out, "5 minors fetched, 2 newer than the built-in list") {
		t.Errorf("update output:\n%s", out)
	}
	if diff := cmp.Diff([]string{"Bearer s3cret", "Bearer s3cret"}, auth()); diff != "" {
		t.Errorf("Authorization headers (-want +got):\n%s", diff)
	}
	c, err := update.ReadCache(cache)
	if err != nil || c == nil || len(c.Releases) != 5 {
		t.Fatalf("cache = %+v, %v", c, err)
	}
	// show and export now use the newer patch, keeping the facts read from the sources.
	out, err = runKnowledge(t, kb, "show", "1.37", "--cache", cache)
	if err != nil {
		t.Fatal(err)
	}
	if !hasRow(rowsOf(out), "Latest patch", "v1.37.3 (facts read from v1.37.1)") {
		t.Errorf("show 1.37 after update:\n%s", out)
	}
	out, err = runKnowledge(t, kb, "show", "1.37")
	if err != nil {
		t.Fatal(err)
	}
	if !hasRow(rowsOf(out), "Latest patch", "v1.37.2 (facts read from v1.37.1)") {
		t.Errorf("show 1.37 with --no-cache:\n%s", out)
	}
}

// Deprecation messages run to 200 characters; a table must wrap them rather than stretch
// every row of the section to that width.
func TestKnowledgeShowWrapsLongNotes(t *testing.T) {
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	out, err := runKnowledge(t, kb, "show", "1.19")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "https://kubernetes.io/docs/tasks/administer-cluster/kubelet-config-file/") {
		t.Fatalf("the kubelet's deprecation note is missing:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(line); n > 180 {
			t.Errorf("line of %d columns:\n%s", n, line)
			break
		}
	}
}

func TestWrapWords(t *testing.T) {
	got := wrapWords("will be removed in 1.25 or later, in favor of removing cloud provider code from Kubelet.", 30)
	want := "will be removed in 1.25 or\nlater, in favor of removing\ncloud provider code from\nKubelet."
	if got != want {
		t.Errorf("wrapWords = %q, want %q", got, want)
	}
}

// An image kubeadm did not pull in a minor is null in the export, as the contract says.
func TestKnowledgeExportAbsentImageIsNull(t *testing.T) {
	r := runCLI(t, "knowledge", "export", "--no-cache")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var doc struct {
		Images []map[string]any `json:"images"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	for _, img := range doc.Images {
		if img["minor"] == "1.10" {
			if v, ok := img["pause"]; !ok || v != nil {
				t.Errorf("1.10 pause = %#v, want null", v)
			}
			return
		}
	}
	t.Fatal("no 1.10 image set")
}
