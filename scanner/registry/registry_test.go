package registry

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
	"github.com/upgrade-lint/upgrade-lint/scanner/registry/registrytest"
)

func statuses(checks []inventory.ImageCheck) map[string]inventory.ImageStatus {
	out := map[string]inventory.ImageStatus{}
	for _, c := range checks {
		out[c.Ref] = c.Status
	}
	return out
}

func TestCheckFoundAndMissing(t *testing.T) {
	reg := registrytest.Start(t)
	reg.Push(t, "k8s/pause:3.1")
	reg.Push(t, "k8s/kube-apiserver:v1.18.20")
	refs := []string{
		reg.Host + "/k8s/pause:3.1",
		reg.Host + "/k8s/pause:3.2", // repository exists, tag does not
		reg.Host + "/k8s/kube-apiserver:v1.18.20",
		reg.Host + "/k8s/coredns:1.6.7", // repository does not exist
	}
	got := Check(context.Background(), refs, Options{Concurrency: 2, Timeout: 10 * time.Second, Keychain: authn.NewMultiKeychain()})
	want := map[string]inventory.ImageStatus{
		refs[0]: inventory.ImageFound,
		refs[1]: inventory.ImageMissing,
		refs[2]: inventory.ImageFound,
		refs[3]: inventory.ImageMissing,
	}
	if d := cmp.Diff(want, statuses(got)); d != "" {
		t.Errorf("statuses (-want +got):\n%s", d)
	}
	for i, c := range got {
		if c.Ref != refs[i] {
			t.Errorf("result %d is for %s, want the order given (%s)", i, c.Ref, refs[i])
		}
	}
	if got[0].Digest == "" || got[1].Detail == "" {
		t.Errorf("found images carry a digest, missing ones the registry's answer: %+v", got)
	}
}

func TestCheckUnknownExistence(t *testing.T) {
	auth := registrytest.StartWithAuth(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	refs := []string{auth.Host + "/k8s/pause:3.2", closed + "/k8s/pause:3.2"}
	got := Check(context.Background(), refs, Options{Timeout: 10 * time.Second, Keychain: authn.NewMultiKeychain()})
	want := map[string]inventory.ImageStatus{refs[0]: inventory.ImageDenied, refs[1]: inventory.ImageUnreachable}
	if d := cmp.Diff(want, statuses(got)); d != "" {
		t.Errorf("statuses (-want +got):\n%s", d)
	}
}

// TestInsecureRegistry reaches a registry by a name that is not loopback: over HTTPS it
// fails, listed in Insecure it is asked over plain HTTP.
func TestInsecureRegistry(t *testing.T) {
	reg := registrytest.Start(t)
	reg.Push(t, "k8s/pause:3.2")
	_, port, _ := net.SplitHostPort(reg.Host)
	host := "mirror.corp.test:" + port
	toLoopback := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, reg.Host)
	}}
	ref := host + "/k8s/pause:3.2"
	opts := Options{Timeout: 10 * time.Second, Keychain: authn.NewMultiKeychain(), Transport: toLoopback}
	if got := Check(context.Background(), []string{ref}, opts); got[0].Status != inventory.ImageUnreachable {
		t.Errorf("without --insecure-registry: %+v, want unreachable (HTTPS to a plain HTTP registry)", got[0])
	}
	opts.Insecure = []string{host}
	if got := Check(context.Background(), []string{ref}, opts); got[0].Status != inventory.ImageFound {
		t.Errorf("with --insecure-registry: %+v, want found", got[0])
	}
}

func TestRegistry(t *testing.T) {
	for ref, want := range map[string]string{
		"registry.corp.example/k8s/pause:3.2": "registry.corp.example",
		"127.0.0.1:5000/k8s/etcd:3.4.3-0":     "127.0.0.1:5000",
		"k8s.gcr.io/pause:3.1":                "k8s.gcr.io",
		"::bad":                               "",
	} {
		if got := Registry(ref); got != want {
			t.Errorf("Registry(%q) = %q, want %q", ref, got, want)
		}
	}
}
