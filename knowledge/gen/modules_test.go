package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestIsCommitHash(t *testing.T) {
	for rev, want := range map[string]bool{
		"8139d8cb77af419532b33dfa7dd09fbc5f1d344f": true,
		"8139d8cb77af":                       true,
		"8139d8cb77a":                        false, // too short for a lookup by hash
		"v0.18.19":                           false,
		"v0.0.0-20190101000000-8139d8cb77af": false,
		"8139D8CB77AF":                       false,
	} {
		if got := isCommitHash(rev); got != want {
			t.Errorf("isCommitHash(%q) = %v, want %v", rev, got, want)
		}
	}
}

// A module cache holding a pseudo-version of a commit answers a lookup of that commit's
// hash without asking the proxy; resolveCommitHash must not see it, so that a warm
// cache resolves exactly what a fresh one does. The proxy is off: nothing is fetched.
func TestResolveCommitHashIgnoresWarmCache(t *testing.T) {
	const (
		path   = "example.com/m"
		hash   = "8139d8cb77af419532b33dfa7dd09fbc5f1d344f"
		pseudo = "v0.0.0-20190101000000-8139d8cb77af"
	)
	warm := t.TempDir()
	vdir := filepath.Join(warm, "cache", "download", path, "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		t.Fatal(err)
	}
	info := `{"Version":"` + pseudo + `","Time":"2019-01-01T00:00:00Z"}`
	if err := os.WriteFile(filepath.Join(vdir, pseudo+".info"), []byte(info), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOMODCACHE", warm)
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOWORK", "off")

	// The premise: the go command itself answers the hash from the warm cache.
	list := exec.Command("go", "list", "-m", "-f", "{{.Version}}", path+"@"+hash)
	list.Dir = t.TempDir()
	out, err := list.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != pseudo {
		t.Fatalf("go list -m %s@%s from the warm cache = %q, %v; want %s", path, hash, out, err, pseudo)
	}

	if v, err := resolveCommitHash(path, hash); err == nil {
		t.Fatalf("resolveCommitHash answered %s from the warm cache; want the proxy's answer (here: off, an error)", v)
	}
	if v, err := resolveCommitHash(path, "v1.2.3"); err != nil || v != "v1.2.3" {
		t.Errorf("resolveCommitHash(v1.2.3) = %q, %v; want it unchanged", v, err)
	}
}
