package certs

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// issue creates a certificate for tmpl signed by parent (self-signed when parent is nil).
func issue(t *testing.T, tmpl *x509.Certificate, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = time.Now().Add(-time.Hour)
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = time.Now().Add(24 * time.Hour)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func pemOf(der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}) }

// serveTLS starts a real TLS server presenting cert and counts the requests it receives.
func serveTLS(t *testing.T, cert *x509.Certificate, key *ecdsa.PrivateKey) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var requests atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { requests.Add(1) }))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{cert.Raw}, PrivateKey: key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &requests
}

func TestProbeReadsTheServedChainAndSendsNothing(t *testing.T) {
	ca, caKey := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "ca"}, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, nil, nil)
	cases := map[string]*x509.Certificate{
		"cn-only": {Subject: pkix.Name{CommonName: "hook.example"}},
		"san":     {Subject: pkix.Name{CommonName: "hook.example"}, DNSNames: []string{"hook.example"}},
		"sha1":    {Subject: pkix.Name{CommonName: "hook.example"}, DNSNames: []string{"hook.example"}, SignatureAlgorithm: x509.ECDSAWithSHA1},
		"expired": {Subject: pkix.Name{CommonName: "hook.example"}, DNSNames: []string{"hook.example"}, NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)},
	}
	for name, tmpl := range cases {
		t.Run(name, func(t *testing.T) {
			leaf, key := issue(t, tmpl, ca, caKey)
			srv, requests := serveTLS(t, leaf, key)
			addr := srv.Listener.Addr().String()
			_, port, _ := net.SplitHostPort(addr)
			url := "https://hook.example:" + port + "/validate"
			got := Probe(context.Background(), url, ProbeOptions{Timeout: 5 * time.Second, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, network, addr)
			}})
			if got.Error != "" {
				t.Fatalf("probe: %s", got.Error)
			}
			if got.Via != "probe" || got.URL != url || len(got.Chain) != 1 || !bytes.Equal(got.Chain[0], leaf.Raw) {
				t.Fatalf("probe = %+v, want the served leaf", got)
			}
			srv.Close() // waits for the connection to end
			if n := requests.Load(); n != 0 {
				t.Errorf("the probe sent %d HTTP requests, want none", n)
			}
		})
	}
}

func TestProbeFailureIsReported(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there any more
	got := Probe(context.Background(), "https://"+addr+"/", ProbeOptions{Timeout: 2 * time.Second})
	if got.Error == "" || len(got.Chain) != 0 {
		t.Fatalf("probe of a closed port = %+v, want an error", got)
	}
	if got := Probe(context.Background(), "::not a url", ProbeOptions{}); got.Error == "" {
		t.Error("a malformed URL should be an error")
	}
}

func TestReadSnapshotKeepsCertificatesOnly(t *testing.T) {
	leaf, key := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "svc.ns.svc"}, DNSNames: []string{"svc.ns.svc"}}, nil, nil)
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	dir := t.TempDir()
	write := func(rel string, data []byte) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A combined key+certificate file: the key block comes first and must be skipped.
	write("certs/ns/svc.pem", append(append([]byte{}, keyPEM...), pemOf(leaf.Raw)...))
	write("certs/misplaced.pem", pemOf(leaf.Raw))
	write("cluster/ns/secrets.yaml", []byte(`apiVersion: v1
kind: Secret
metadata:
  name: svc-tls
  namespace: ns
type: kubernetes.io/tls
data:
  tls.crt: `+base64.StdEncoding.EncodeToString(pemOf(leaf.Raw))+`
  tls.key: `+base64.StdEncoding.EncodeToString(keyPEM)+`
---
apiVersion: v1
kind: Secret
metadata:
  name: broken
  namespace: ns
data:
  tls.crt: "%%%"
`))
	got, errs := ReadSnapshot(dir)
	if len(got) != 2 {
		t.Fatalf("got %d certificates, want the file and the Secret: %+v", len(got), got)
	}
	file, secret := got[0], got[1]
	if file.Via != "file" || file.Namespace != "ns" || file.Service != "svc" || file.Source.Path != "certs/ns/svc.pem" || len(file.Chain) != 1 || !bytes.Equal(file.Chain[0], leaf.Raw) {
		t.Errorf("file = %+v", file)
	}
	if secret.Via != "secret" || secret.Namespace != "ns" || secret.Secret != "svc-tls" || secret.Source.Line != 1 || len(secret.Chain) != 1 || !bytes.Equal(secret.Chain[0], leaf.Raw) {
		t.Errorf("secret = %+v", secret)
	}
	for _, c := range got {
		for _, der := range c.Chain {
			if bytes.Contains(der, keyDER) {
				t.Errorf("%s kept private key bytes", c.Source.Path)
			}
		}
	}
	if len(errs) != 2 {
		t.Fatalf("errors = %+v, want the misplaced file and the broken Secret", errs)
	}
	if errs[0].Source.Path != "certs/misplaced.pem" || errs[1].Source.Object == nil || errs[1].Source.Object.Name != "broken" {
		t.Errorf("errors = %+v", errs)
	}
}

func TestParsePEMCertificatesRejectsEmptyInput(t *testing.T) {
	if _, err := ParsePEMCertificates([]byte("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n")); err == nil {
		t.Error("a key-only file should have no certificate")
	}
}

// TestDemoSnapshot reads the demo snapshot: the two webhooks' TLS Secrets, nothing else,
// and no input errors from the other Secrets (Helm release records).
func TestDemoSnapshot(t *testing.T) {
	got, errs := ReadSnapshot("../../testdata/demo")
	if len(errs) != 0 {
		t.Fatalf("errors: %+v", errs)
	}
	var names []string
	for _, c := range got {
		names = append(names, c.Namespace+"/"+c.Secret)
	}
	if len(names) != 2 || names[0] != "mesh/sidecar-injector-certs" || names[1] != "policy/policy-webhook-tls" {
		t.Errorf("certificates from %v, want the mesh and policy webhook Secrets", names)
	}
}
