// Package registrytest runs a real OCI registry (go-containerregistry's pkg/registry) on
// loopback for tests, and pushes random images to it.
package registrytest

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Registry is a registry serving on loopback over plain HTTP.
type Registry struct {
	// Host is host:port, as image references name it.
	Host   string
	Server *httptest.Server
}

// Start runs a registry until the test ends.
func Start(t testing.TB) *Registry {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return &Registry{Host: strings.TrimPrefix(srv.URL, "http://"), Server: srv}
}

// StartWithAuth runs a registry that refuses every request without credentials.
func StartWithAuth(t testing.TB) *Registry {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
		http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	return &Registry{Host: strings.TrimPrefix(srv.URL, "http://"), Server: srv}
}

// Push uploads a small random image as ref (a full reference under r.Host, or a path:tag
// relative to it).
func (r *Registry) Push(t testing.TB, ref string) {
	t.Helper()
	if !strings.HasPrefix(ref, r.Host+"/") {
		ref = r.Host + "/" + ref
	}
	tag, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
}
