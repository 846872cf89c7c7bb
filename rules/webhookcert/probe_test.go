package webhookcert

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/scanner"
	"github.com/upgrade-lint/upgrade-lint/scanner/certs"
)

var serial int64

func issue(t *testing.T, tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = time.Now().Add(-time.Hour)
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = time.Now().Add(5 * 365 * 24 * time.Hour)
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

// TestURLWebhooksProbedOverTLS serves CN-only, SAN, SHA-1, wrong-CA and expired
// certificates from real TLS servers, probes them as url webhooks and runs the rule.
func TestURLWebhooksProbedOverTLS(t *testing.T) {
	caTmpl := func(cn string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	}
	ca, caKey := issue(t, caTmpl("hooks-ca"), nil, nil)
	other, otherKey := issue(t, caTmpl("other-ca"), nil, nil)
	type server struct {
		tmpl   *x509.Certificate
		signer *x509.Certificate
		key    *ecdsa.PrivateKey
	}
	servers := map[string]server{
		"cn":      {&x509.Certificate{Subject: pkix.Name{CommonName: "cn.hooks.test"}}, ca, caKey},
		"san":     {&x509.Certificate{Subject: pkix.Name{CommonName: "san.hooks.test"}, DNSNames: []string{"san.hooks.test"}}, ca, caKey},
		"sha1":    {&x509.Certificate{Subject: pkix.Name{CommonName: "sha1.hooks.test"}, DNSNames: []string{"sha1.hooks.test"}, SignatureAlgorithm: x509.ECDSAWithSHA1}, ca, caKey},
		"wrongca": {&x509.Certificate{Subject: pkix.Name{CommonName: "wrongca.hooks.test"}, DNSNames: []string{"wrongca.hooks.test"}}, other, otherKey},
		"expired": {&x509.Certificate{Subject: pkix.Name{CommonName: "expired.hooks.test"}, DNSNames: []string{"expired.hooks.test"}, NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-time.Hour)}, ca, caKey},
	}
	addrs := map[string]string{} // host name -> listener address
	caBundle := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}))
	var names []string
	for n := range servers {
		names = append(names, n)
	}
	sort.Strings(names)
	var manifest strings.Builder
	manifest.WriteString("apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: remote\nwebhooks:\n")
	for _, n := range names {
		s := servers[n]
		leaf, key := issue(t, s.tmpl, s.signer, s.key)
		srv := httptest.NewUnstartedServer(http.NotFoundHandler())
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leaf.Raw}, PrivateKey: key}}}
		srv.StartTLS()
		t.Cleanup(srv.Close)
		host := n + ".hooks.test"
		addrs[host] = srv.Listener.Addr().String()
		_, port, _ := net.SplitHostPort(addrs[host])
		fmt.Fprintf(&manifest, "- name: %s\n  clientConfig:\n    url: https://%s:%s/validate\n    caBundle: %s\n", host, host, port, caBundle)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "cluster"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cluster", "hooks.yaml"), []byte(manifest.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	inv, err := scanner.Scan(context.Background(), scanner.Options{Snapshot: dir})
	if err != nil {
		t.Fatal(err)
	}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		return (&net.Dialer{}).DialContext(ctx, network, addrs[host])
	}
	for _, u := range URLs(inv) {
		inv.ServingCerts = append(inv.ServingCerts, certs.Probe(context.Background(), u, certs.ProbeOptions{Timeout: 5 * time.Second, Dial: dial}))
	}
	kb := knowledge.MustDefault()
	hops, err := kb.Hops(knowledge.V(18), knowledge.V(24))
	if err != nil {
		t.Fatal(err)
	}
	out := rules.RunAll([]*rules.Rule{Rule}, &rules.Plan{From: knowledge.V(18), To: knowledge.V(24), Hops: hops, Now: time.Now()}, kb, inv)
	type result struct{ Subject, Hop, Severity, Says string }
	var got []result
	for _, f := range out.Findings {
		says := ""
		switch {
		case strings.Contains(f.Message, "Common Name"):
			says = "cn"
		case strings.Contains(f.Message, "SHA1"):
			says = "sha1"
		case strings.Contains(f.Message, "does not verify"):
			says = "cabundle"
		case strings.Contains(f.Message, "expired"):
			says = "expired"
		}
		got = append(got, result{f.Subject, f.Hop, f.Severity.String(), says})
	}
	want := []result{
		{"cn.hooks.test", "1.18->1.19", "error", "cn"},
		{"wrongca.hooks.test", "1.18->1.19", "error", "cabundle"},
		{"expired.hooks.test", "1.18->1.19", "warning", "expired"},
		{"sha1.hooks.test", "1.23->1.24", "error", "sha1"},
	}
	sort.Slice(got, func(i, j int) bool { return got[i].Hop+got[i].Subject < got[j].Hop+got[j].Subject })
	sort.Slice(want, func(i, j int) bool { return want[i].Hop+want[i].Subject < want[j].Hop+want[j].Subject })
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
	if len(out.Unchecked) != 0 {
		t.Errorf("unchecked = %+v", out.Unchecked)
	}
}

// TestGODEBUGMovesTheError pins severities, which want comments do not: with
// x509ignoreCN=0 set on the kube-apiserver, 1.19 is a warning and 1.23 the error.
func TestGODEBUGMovesTheError(t *testing.T) {
	var got []string
	for _, f := range findingsOf(t, "testdata/godebug.txtar") {
		got = append(got, f.Hop+" "+f.Severity.String())
		if !strings.Contains(f.Fix, "policy.policy.svc") || !strings.Contains(f.Evidence, "nodes/master-0/etc/kubernetes/manifests/kube-apiserver.yaml") {
			t.Errorf("%s: fix %q / evidence %q should name the SAN and the GODEBUG setting", f.Hop, f.Fix, f.Evidence)
		}
	}
	if d := cmp.Diff([]string{"1.18->1.19 warning", "1.22->1.23 error"}, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

// TestDemoFixNamesSANsAndWorkaround checks the CN-only finding's texts and that no
// finding carries the Secret's private key.
func TestDemoFixNamesSANsAndWorkaround(t *testing.T) {
	fs := findingsOf(t, "testdata/demo.txtar")
	if len(fs) != 1 {
		t.Fatalf("findings = %+v", fs)
	}
	f := fs[0]
	for _, want := range []string{"policy-webhook.policy.svc", "GODEBUG=x509ignoreCN=0", "kube-apiserver.yaml", "until 1.23"} {
		if !strings.Contains(f.Fix, want) {
			t.Errorf("fix %q lacks %q", f.Fix, want)
		}
	}
	if f.Severity != findings.Error || f.Source.Path != "cluster/policy/webhook.yaml" || !strings.Contains(f.Evidence, "Secret policy/policy-webhook-tls mounted by Deployment policy/policy-webhook") {
		t.Errorf("finding = %+v", f)
	}
}

func TestNoKeyInFindings(t *testing.T) {
	for _, f := range findingsOf(t, "testdata/godebug.txtar") {
		if strings.Contains(fmt.Sprintf("%+v", f), "c2VjcmV0LWtleS1ub3QtcmVhZA") {
			t.Errorf("finding carries the private key: %+v", f)
		}
	}
}
