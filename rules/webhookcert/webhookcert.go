// Package webhookcert holds the webhook-cert rule: the serving certificates of admission
// webhooks, aggregated APIs and CRD conversion webhooks, judged by the Go toolchain each
// hop's kube-apiserver is built with.
package webhookcert

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// Rule checks webhook serving certificates hop by hop.
var Rule = &rules.Rule{
	Name:     "webhook-cert",
	Severity: findings.Error,
	Doc: `A webhook's serving certificate will be rejected by the kube-apiserver of a hop
kube-apiserver verifies the certificate of every admission webhook (Validating/MutatingWebhookConfiguration,
v1 and v1beta1), aggregated APIService with a service, and CRD conversion webhook with Go's crypto/x509, so
the rules change with the Go toolchain each minor is built with (taken from the knowledge base: the Go of the
minor's x.y.0, which its patches keep for these checks):
- no subjectAltName matching the name the API server dials (<service>.<namespace>.svc, or the url's host)
  while the Common Name does: rejected from the first minor built with Go >= 1.15 (1.19). GODEBUG=x509ignoreCN=0
  on kube-apiserver restores the old behaviour until the first minor built with Go >= 1.17 (1.23); when the
  kube-apiserver static pod already sets it, the first hop is a warning and the error moves to that later hop;
- a SHA-1 signature in the chain (roots excepted): rejected from the first minor built with Go >= 1.18 (1.24);
  GODEBUG=x509sha1=1 moves the error as above, up to the first minor built with Go >= 1.24;
- the caBundle does not verify the served chain: calls fail now (error at the first hop);
- the certificate (or an intermediate) expires before or during the upgrade: a warning at the hop where it
  expires. The horizon is 30 days per hop from the time of the run (the report's generatedAt).
A certificate with proper SANs produces nothing. With failurePolicy Fail a rejected webhook blocks every
request it intercepts.

Where the serving certificate is found:
- url webhooks: a TLS handshake with the url (nothing is sent after it; --no-tls-probe turns it off);
- service webhooks: a PEM file certs/<namespace>/<service>.pem in the snapshot (the chain, leaf first); a
  TLS handshake through a port-forward to a backing pod (--probe-webhooks, live clusters); cert-manager's
  cert-manager.io/inject-ca-from annotation -> Certificate -> spec.secretName -> Secret tls.crt; the
  Service's selector -> Deployments, DaemonSets, StatefulSets and Pods it matches -> their secret volumes
  -> Secret tls.crt.
Only certificate data is read; private keys are never kept or printed. When no certificate is found the
subject is listed under "could not check".`,
	Run: run,
}

// Go toolchain versions at which crypto/x509 changed what kube-apiserver accepts.
var (
	goIgnoresCN      = goVersion{1, 15} // CN no longer a host name without SANs (GODEBUG x509ignoreCN=0 restores it)
	goDropsIgnoreCN  = goVersion{1, 17} // GODEBUG x509ignoreCN=0 no longer honoured
	goRejectsSHA1    = goVersion{1, 18} // SHA-1 signatures rejected (GODEBUG x509sha1=1 restores them)
	goDropsSHA1Debug = goVersion{1, 24} // GODEBUG x509sha1=1 no longer honoured
)

// hopHorizon is how long each hop is assumed to take when judging expiry.
const hopHorizon = 30 * 24 * time.Hour

var (
	refCN        = "https://github.com/kubernetes/kubernetes/blob/master/CHANGELOG/CHANGELOG-1.19.md (#93264: CommonName no longer a host name)"
	refCNRemoved = "https://github.com/kubernetes/kubernetes/blob/master/CHANGELOG/CHANGELOG-1.23.md#urgent-upgrade-notes (go1.17 removes GODEBUG=x509ignoreCN=0)"
	refSHA1      = "https://github.com/kubernetes/kubernetes/pull/109024 (1.24 built with go1.18: SHA-1 signatures rejected)"
)

func run(p *rules.Pass) {
	for _, s := range Subjects(p.Inv) {
		check(p, &s)
	}
}

func check(p *rules.Pass, s *Subject) {
	if s.InsecureSkipTLSVerify {
		return // kube-apiserver does not verify this APIService's certificate
	}
	if s.URL == "" && (s.Service == "" || s.Namespace == "") {
		p.CouldNotCheck(s.Label(), "its clientConfig names neither a url nor a service")
		return
	}
	chains, why := findChains(p.Inv, s)
	if len(chains) == 0 {
		p.CouldNotCheck(s.Label(), why)
		return
	}
	for _, c := range chains {
		checkChain(p, s, c)
	}
}

func checkChain(p *rules.Pass, s *Subject, c chain) {
	leaf := c.certs[0]
	host := s.Host()
	base := findings.Finding{Subject: s.Name, Source: s.Source, Component: "kube-apiserver"}
	evidence := fmt.Sprintf("%s: subject CN=%q, DNS SANs %v, issuer %q, signature %s, valid until %s",
		c.how, leaf.Subject.CommonName, leaf.DNSNames, leaf.Issuer.CommonName, leaf.SignatureAlgorithm, leaf.NotAfter.UTC().Format("2006-01-02"))
	base.Evidence = evidence

	// The caBundle must verify the chain now: nothing else matters if it does not.
	if p.First() {
		if s.CABundleError != "" {
			f := base
			f.Message = fmt.Sprintf("The caBundle of %s cannot be read (%s): calls fail now.", s.Label(), s.CABundleError)
			f.Fix = "Set caBundle to the base64 of the PEM CA certificate that signed the serving certificate."
			p.Report(f)
		} else if len(s.CABundle) > 0 {
			if err := verifiesChain(s.CABundle, c.certs); err != nil {
				f := base
				f.Message = fmt.Sprintf("The caBundle of %s does not verify its serving certificate (%v): kube-apiserver's calls fail now.", s.Label(), err)
				f.Fix = fmt.Sprintf("Put the CA that issued the serving certificate (issuer %q) into caBundle, or reissue the serving certificate from the CA in caBundle.", leaf.Issuer.CommonName)
				p.Report(f)
			}
		}
	}

	godebug, godebugSrc := apiserverGODEBUG(p.Inv)
	if leaf.VerifyHostname(host) != nil {
		if hasSANExtension(leaf) || !cnMatches(leaf.Subject.CommonName, host) {
			if p.First() {
				f := base
				f.Severity = findings.Warning
				f.Message = fmt.Sprintf("The certificate found for %s names neither %s in its SANs nor in its Common Name: if it is the one served, calls already fail; if not, the serving certificate was not found.", s.Label(), host)
				f.Fix = reissueFix(s, host)
				p.Report(f)
			}
		} else {
			checkLegacyCN(p, s, base, host, godebug["x509ignoreCN"] == "0", godebugSrc)
		}
	}

	if weak := sha1Signed(c.certs); weak != nil {
		checkSHA1(p, s, base, weak, godebug["x509sha1"] == "1", godebugSrc)
	}

	checkExpiry(p, s, base, c.certs)
}

func checkLegacyCN(p *rules.Pass, s *Subject, base findings.Finding, host string, workaround bool, godebugSrc findings.Source) {
	breaks, _ := firstMinorWithGo(p, goIgnoresCN)
	ends, _ := firstMinorWithGo(p, goDropsIgnoreCN)
	switch {
	case !workaround && crosses(p, goIgnoresCN):
		f := base
		f.Message = fmt.Sprintf("The serving certificate of %s has no subjectAltName and names %s only in its Common Name; kube-apiserver %s (built with Go %s) no longer accepts a Common Name as the host name, so every call fails with \"x509: certificate relies on legacy Common Name field\".",
			s.Label(), host, breaks, goOf(p.KB, breaks))
		f.Fix = reissueFix(s, host) + fmt.Sprintf(" Until then, GODEBUG=x509ignoreCN=0 in the env of the kube-apiserver container (/etc/kubernetes/manifests/kube-apiserver.yaml on every control-plane node; kubeadm upgrade rewrites that file, so add it again after each kubeadm upgrade apply) buys time only until %s.", ends)
		f.References = []string{refCN, refCNRemoved}
		p.Report(f)
	case workaround && crosses(p, goDropsIgnoreCN):
		f := base
		f.Message = fmt.Sprintf("The serving certificate of %s names %s only in its Common Name; kube-apiserver %s is built with Go %s, which ignores GODEBUG=x509ignoreCN=0, so every call fails.", s.Label(), host, ends, goOf(p.KB, ends))
		f.Fix = reissueFix(s, host) + " This must be done before this hop: no workaround remains."
		f.Evidence += "; GODEBUG set at " + godebugSrc.String()
		f.References = []string{refCNRemoved}
		p.Report(f)
	case workaround && crosses(p, goIgnoresCN):
		f := base
		f.Severity = findings.Warning
		f.Message = fmt.Sprintf("The serving certificate of %s names %s only in its Common Name; from %s kube-apiserver accepts it only because GODEBUG=x509ignoreCN=0 is set, which ends at %s.", s.Label(), host, breaks, ends)
		f.Fix = reissueFix(s, host) + " Keep GODEBUG=x509ignoreCN=0 in the kube-apiserver static pod across this hop: kubeadm upgrade rewrites the manifest, so check that it is still there after kubeadm upgrade apply."
		f.Evidence += "; GODEBUG set at " + godebugSrc.String()
		f.References = []string{refCN}
		p.Report(f)
	}
}

func checkSHA1(p *rules.Pass, s *Subject, base findings.Finding, weak *x509.Certificate, workaround bool, godebugSrc findings.Source) {
	breaks, _ := firstMinorWithGo(p, goRejectsSHA1)
	ends, endsKnown := firstMinorWithGo(p, goDropsSHA1Debug)
	what := fmt.Sprintf("certificate %q in the serving chain of %s is signed with %s", weak.Subject.CommonName, s.Label(), weak.SignatureAlgorithm)
	fix := fmt.Sprintf("Reissue it with a SHA-256 (or stronger) signature: e.g. openssl req/x509 with -sha256, or a cert-manager Certificate (cert-manager signs with SHA-256); keep the SANs (%s).", strings.Join(wantedSANs(s), ", "))
	switch {
	case !workaround && crosses(p, goRejectsSHA1):
		f := base
		f.Message = fmt.Sprintf("The %s; kube-apiserver %s is built with Go %s, which rejects SHA-1 signatures, so every call fails with \"x509: certificate signed by unknown authority\".", what, breaks, goOf(p.KB, breaks))
		f.Fix = fix + " Until then, GODEBUG=x509sha1=1 in the env of the kube-apiserver container buys time"
		if endsKnown {
			f.Fix += " until " + ends.String()
		}
		f.Fix += "."
		f.References = []string{refSHA1}
		p.Report(f)
	case workaround && crosses(p, goDropsSHA1Debug):
		f := base
		f.Message = fmt.Sprintf("The %s; kube-apiserver %s is built with Go %s, which ignores GODEBUG=x509sha1=1, so every call fails.", what, ends, goOf(p.KB, ends))
		f.Fix = fix
		f.Evidence += "; GODEBUG set at " + godebugSrc.String()
		f.References = []string{refSHA1}
		p.Report(f)
	case workaround && crosses(p, goRejectsSHA1):
		f := base
		f.Severity = findings.Warning
		f.Message = fmt.Sprintf("The %s; from %s kube-apiserver accepts it only because GODEBUG=x509sha1=1 is set.", what, breaks)
		f.Fix = fix
		f.Evidence += "; GODEBUG set at " + godebugSrc.String()
		f.References = []string{refSHA1}
		p.Report(f)
	}
}

// checkExpiry warns at the hop during which the chain's first expiry falls (30 days per
// hop from Plan.Now), or at the first hop when it has already expired.
func checkExpiry(p *rules.Pass, s *Subject, base findings.Finding, certs []*x509.Certificate) {
	now := p.Plan.Now
	if now.IsZero() {
		return
	}
	var first *x509.Certificate
	for _, c := range certs {
		if isSelfSigned(c) && c != certs[0] {
			continue // a root sent along: the caBundle decides
		}
		if first == nil || c.NotAfter.Before(first.NotAfter) {
			first = c
		}
	}
	idx := -1
	if first.NotAfter.Before(now) {
		idx = 0
	} else if d := first.NotAfter.Sub(now); d < hopHorizon*time.Duration(len(p.Plan.Hops)) {
		idx = int(d / hopHorizon)
	}
	if idx < 0 || idx >= len(p.Plan.Hops) || p.Plan.Hops[idx] != p.Hop {
		return
	}
	f := base
	f.Severity = findings.Warning
	if first.NotAfter.Before(now) {
		f.Message = fmt.Sprintf("Certificate %q serving %s expired on %s: calls fail now.", first.Subject.CommonName, s.Label(), first.NotAfter.UTC().Format(time.RFC3339))
	} else {
		f.Message = fmt.Sprintf("Certificate %q serving %s expires on %s, during the planned upgrade (horizon: 30 days per hop from %s).", first.Subject.CommonName, s.Label(), first.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format("2006-01-02"))
	}
	f.Fix = fmt.Sprintf("Renew the certificate before the upgrade starts, with SANs %s.", strings.Join(wantedSANs(s), ", "))
	p.Report(f)
}

func reissueFix(s *Subject, host string) string {
	return fmt.Sprintf("Reissue the serving certificate with subjectAltName DNS names %s (e.g. openssl -addext \"subjectAltName=DNS:%s\", or a cert-manager Certificate with spec.dnsNames), and roll the pods that serve it.",
		strings.Join(wantedSANs(s), ", "), host)
}

// wantedSANs are the names a serving certificate should carry for the API server to reach s.
func wantedSANs(s *Subject) []string {
	if s.URL != "" {
		return []string{s.Host()}
	}
	return []string{s.Service + "." + s.Namespace + ".svc", s.Service + "." + s.Namespace + ".svc.cluster.local"}
}

// verifiesChain checks that a certificate in bundle signs the chain. Time and key usage
// are left out (expiry is judged separately); SHA-1 links are checked by signature since
// today's Go refuses them in Verify.
func verifiesChain(bundle []byte, certs []*x509.Certificate) error {
	der, err := pemCertificates(bundle)
	if err != nil {
		return fmt.Errorf("caBundle: %v", err)
	}
	roots, err := parseDER(der)
	if err != nil {
		return fmt.Errorf("caBundle: %v", err)
	}
	pool := x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r)
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	leaf := certs[0]
	at := leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)
	_, err = leaf.Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err == nil {
		return nil
	}
	var insecure x509.InsecureAlgorithmError
	var invalid x509.CertificateInvalidError
	if errors.As(err, &insecure) || (errors.As(err, &invalid) && invalid.Reason == x509.Expired) || strings.Contains(err.Error(), "insecure algorithm") {
		if signedBy(leaf, certs[1:], roots, 0) {
			return nil
		}
	}
	return err
}

// signedBy walks issuers by signature alone: through intermediates to a bundle certificate.
func signedBy(c *x509.Certificate, inter, roots []*x509.Certificate, depth int) bool {
	if depth > 8 {
		return false
	}
	for _, r := range roots {
		if c.CheckSignatureFrom(r) == nil || r.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil {
			return true
		}
	}
	for _, i := range inter {
		if i != c && i.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil && signedBy(i, inter, roots, depth+1) {
			return true
		}
	}
	return false
}

// sha1Signed returns the first certificate of the chain signed with SHA-1, roots excepted
// (Go ignores the signature on a trust anchor).
func sha1Signed(certs []*x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		if c != certs[0] && isSelfSigned(c) {
			continue
		}
		switch c.SignatureAlgorithm {
		case x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
			return c
		}
	}
	return nil
}

func isSelfSigned(c *x509.Certificate) bool {
	return string(c.RawIssuer) == string(c.RawSubject)
}

// hasSANExtension reports whether the certificate has a subjectAltName extension: Go before
// 1.15 fell back to the Common Name only without one.
func hasSANExtension(c *x509.Certificate) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal([]int{2, 5, 29, 17}) {
			return true
		}
	}
	return len(c.DNSNames)+len(c.IPAddresses)+len(c.URIs)+len(c.EmailAddresses) > 0
}

// cnMatches matches a Common Name against host as a host name, wildcards included.
func cnMatches(cn, host string) bool {
	cn, host = strings.ToLower(strings.TrimSuffix(cn, ".")), strings.ToLower(strings.TrimSuffix(host, "."))
	if cn == host {
		return true
	}
	if strings.HasPrefix(cn, "*.") {
		_, rest, ok := strings.Cut(host, ".")
		return ok && rest == cn[2:]
	}
	return false
}

// apiserverGODEBUG returns the GODEBUG settings of the kube-apiserver (static pod env), and
// where they are set.
func apiserverGODEBUG(inv *inventory.Inventory) (map[string]string, findings.Source) {
	out := map[string]string{}
	var src findings.Source
	for _, c := range inv.ComponentsNamed("kube-apiserver") {
		for _, e := range c.Env {
			if e.Name != "GODEBUG" {
				continue
			}
			src = e.Source
			for _, kv := range strings.Split(e.Value, ",") {
				k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
				out[k] = v
			}
		}
	}
	return out, src
}

// goVersion is a Go toolchain release, major.minor.
type goVersion struct{ major, minor int }

func parseGo(s string) (goVersion, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "go")
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return goVersion{}, false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	return goVersion{ma, mi}, err1 == nil && err2 == nil
}

func (g goVersion) atLeast(o goVersion) bool {
	return g.major > o.major || (g.major == o.major && g.minor >= o.minor)
}

func (g goVersion) String() string { return fmt.Sprintf("%d.%d", g.major, g.minor) }

// goOf is the Go that decides crypto/x509 behaviour for minor m: that of its x.y.0.
// Patches moved to newer Go keep x.y.0's behaviour (1.23 patches built with go1.19 set
// x509sha1=1 "to match go1.17", CHANGELOG-1.23 #113983).
func goOf(kb *knowledge.KB, m knowledge.Minor) string {
	r := kb.Release(m)
	if r == nil {
		return ""
	}
	if r.GoVersionAtRelease != "" {
		return r.GoVersionAtRelease
	}
	return r.GoVersion
}

func builtWith(kb *knowledge.KB, m knowledge.Minor, min goVersion) bool {
	g, ok := parseGo(goOf(kb, m))
	return ok && g.atLeast(min)
}

// crosses reports whether this hop is where kube-apiserver first runs Go >= min: its
// target is built with it and its source is not, or, on the first hop, the cluster is
// already past it (then it breaks now).
func crosses(p *rules.Pass, min goVersion) bool {
	to := builtWith(p.KB, p.Hop.To, min)
	from := builtWith(p.KB, p.Hop.From, min)
	return (to && !from) || (p.First() && from)
}

// firstMinorWithGo is the first minor of the knowledge base built with Go >= min.
func firstMinorWithGo(p *rules.Pass, min goVersion) (knowledge.Minor, bool) {
	for m := knowledge.Oldest; !knowledge.Newest.Less(m); m = m.Next() {
		if builtWith(p.KB, m, min) {
			return m, true
		}
	}
	return knowledge.Minor{}, false
}
