package webhookcert

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// chain is one serving certificate chain found for a subject, and how it was found.
type chain struct {
	certs  []*x509.Certificate // leaf first
	how    string              // evidence: "Secret policy/policy-webhook-tls mounted by Deployment policy/policy-webhook"
	source findings.Source
}

// certManagerInjectAnnotation names the cert-manager Certificate whose CA cert-manager's
// cainjector writes into the caBundle; its spec.secretName holds the serving certificate.
const certManagerInjectAnnotation = "cert-manager.io/inject-ca-from"

// findChains looks for the serving certificate of s. why explains an empty result.
func findChains(inv *inventory.Inventory, s *Subject) (found []chain, why string) {
	if s.URL != "" {
		probe := inv.ProbedCert(s.URL)
		switch {
		case probe == nil:
			return nil, "the url webhook was not probed (--no-tls-probe, or no TLS probe ran)"
		case probe.Error != "":
			return nil, "TLS probe of " + s.URL + " failed: " + probe.Error
		}
		c, err := parseDER(probe.Chain)
		if err != nil {
			return nil, "TLS probe of " + s.URL + ": " + err.Error()
		}
		return []chain{{certs: c, how: "TLS handshake with " + s.URL, source: s.Source}}, ""
	}
	var problems []string
	add := func(sc *inventory.ServingCert, how string) {
		if sc == nil {
			return
		}
		if sc.Error != "" {
			problems = append(problems, how+": "+sc.Error)
			return
		}
		c, err := parseDER(sc.Chain)
		if err != nil {
			problems = append(problems, how+": "+err.Error())
			return
		}
		for _, f := range found {
			if string(f.certs[0].Raw) == string(c[0].Raw) {
				return
			}
		}
		found = append(found, chain{certs: c, how: how, source: sc.Source})
	}
	// A PEM file or a port-forward handshake names the Service directly.
	for _, sc := range inv.ServingCertsFor(s.Namespace, s.Service) {
		how := "file " + sc.Source.Path
		if sc.Via == "probe" {
			how = "TLS handshake with a pod of Service " + s.Namespace + "/" + s.Service
		}
		add(sc, how)
	}
	if len(found) > 0 {
		return found, ""
	}
	// cert-manager: the injected CA comes from a Certificate whose secretName holds the cert.
	if s.Object != nil {
		if ref := annotation(s.Object, certManagerInjectAnnotation); ref != "" {
			ns, name, _ := strings.Cut(ref, "/")
			if cert := certManagerCertificate(inv, ns, name); cert != nil {
				if secret := inventory.FieldString(cert.Body, "spec", "secretName"); secret != "" {
					add(secretCert(inv, ns, secret), fmt.Sprintf("Secret %s/%s of cert-manager Certificate %s", ns, secret, ref))
				}
			}
		}
	}
	// The Service's selector finds the workloads; their secret volumes hold the cert.
	if svc := inv.Object("Service", s.Namespace, s.Service); svc != nil {
		selector, _ := inventory.Field(svc.Body, "spec", "selector").(map[string]any)
		for _, w := range workloads(inv, s.Namespace, selector) {
			for _, secret := range secretVolumes(w.podSpec) {
				add(secretCert(inv, s.Namespace, secret), fmt.Sprintf("Secret %s/%s mounted by %s %s/%s", s.Namespace, secret, w.obj.Kind, s.Namespace, w.obj.Name))
			}
		}
	} else if len(found) == 0 {
		problems = append(problems, fmt.Sprintf("Service %s/%s is not in the inventory", s.Namespace, s.Service))
	}
	if len(found) == 0 {
		why = fmt.Sprintf("no serving certificate found for Service %s/%s (looked for certs/%s/%s.pem, the cert-manager Certificate, and TLS Secrets mounted by the Service's pods)", s.Namespace, s.Service, s.Namespace, s.Service)
		if len(problems) > 0 {
			why += ": " + strings.Join(problems, "; ")
		}
		return nil, why
	}
	return preferNamed(found, s.Host()), ""
}

// preferNamed keeps the chains whose leaf names host (pods mount other TLS secrets too:
// client certificates, CAs); all of them when none does.
func preferNamed(found []chain, host string) []chain {
	var named []chain
	for _, c := range found {
		leaf := c.certs[0]
		if leaf.VerifyHostname(host) == nil || strings.EqualFold(leaf.Subject.CommonName, host) {
			named = append(named, c)
		}
	}
	if len(named) > 0 {
		return named
	}
	return found
}

// secretCert returns the certificate of Secret ns/name: from the certificate scanner, or
// from the Secret object when the scanner kept its tls.crt (live scans keep it).
func secretCert(inv *inventory.Inventory, ns, name string) *inventory.ServingCert {
	if sc := inv.SecretCert(ns, name); sc != nil {
		return sc
	}
	o := inv.Object("Secret", ns, name)
	if o == nil {
		return nil
	}
	crt := inventory.FieldString(o.Body, "data", "tls.crt")
	if crt == "" {
		return nil
	}
	sc := &inventory.ServingCert{Via: "secret", Namespace: ns, Secret: name, Source: o.Source}
	sc.Source.Object = o.Ref()
	data, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(crt), ""))
	if err != nil {
		sc.Error = "tls.crt is not base64"
		return sc
	}
	der, err := pemCertificates(data)
	if err != nil {
		sc.Error = "tls.crt: " + err.Error()
		return sc
	}
	sc.Chain = der
	return sc
}

// pemCertificates returns the DER of each CERTIFICATE block; other blocks are skipped.
func pemCertificates(data []byte) ([][]byte, error) {
	var out [][]byte
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			out = append(out, b.Bytes)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no PEM CERTIFICATE block")
	}
	return out, nil
}

func parseDER(der [][]byte) ([]*x509.Certificate, error) {
	if len(der) == 0 {
		return nil, fmt.Errorf("no certificate")
	}
	var out []*x509.Certificate
	for _, d := range der {
		c, err := x509.ParseCertificate(d)
		if err != nil {
			return nil, fmt.Errorf("certificate: %v", err)
		}
		out = append(out, c)
	}
	return out, nil
}

func certManagerCertificate(inv *inventory.Inventory, ns, name string) *inventory.Object {
	for _, o := range inv.ObjectsOfKind("Certificate") {
		if strings.HasPrefix(o.Group(), "cert-manager.io") || strings.HasSuffix(o.Group(), "certmanager.k8s.io") {
			if o.Namespace == ns && o.Name == name {
				return o
			}
		}
	}
	return nil
}

type workload struct {
	obj     *inventory.Object
	podSpec map[string]any
}

// workloads returns the pods and pod controllers in ns whose pod labels match selector.
func workloads(inv *inventory.Inventory, ns string, selector map[string]any) []workload {
	if len(selector) == 0 {
		return nil // a Service without a selector has manually managed endpoints
	}
	var out []workload
	for _, o := range inv.Objects {
		if o.Namespace != ns {
			continue
		}
		var labels, spec map[string]any
		switch o.Kind {
		case "Pod":
			labels, _ = inventory.Field(o.Body, "metadata", "labels").(map[string]any)
			spec, _ = o.Body["spec"].(map[string]any)
		case "Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "ReplicationController", "Job":
			labels, _ = inventory.Field(o.Body, "spec", "template", "metadata", "labels").(map[string]any)
			spec, _ = inventory.Field(o.Body, "spec", "template", "spec").(map[string]any)
		default:
			continue
		}
		if matches(selector, labels) {
			out = append(out, workload{obj: o, podSpec: spec})
		}
	}
	return out
}

func matches(selector, labels map[string]any) bool {
	for k, v := range selector {
		if fmt.Sprint(labels[k]) != fmt.Sprint(v) {
			return false
		}
	}
	return true
}

// secretVolumes lists the Secrets a pod spec mounts (secret and projected volumes).
func secretVolumes(spec map[string]any) []string {
	var out []string
	vols, _ := spec["volumes"].([]any)
	for _, v := range vols {
		vm, _ := v.(map[string]any)
		if name := inventory.FieldString(vm, "secret", "secretName"); name != "" {
			out = append(out, name)
		}
		sources, _ := inventory.Field(vm, "projected", "sources").([]any)
		for _, s := range sources {
			sm, _ := s.(map[string]any)
			if name := inventory.FieldString(sm, "secret", "name"); name != "" {
				out = append(out, name)
			}
		}
	}
	return out
}

func annotation(o *inventory.Object, key string) string {
	return inventory.FieldString(o.Body, "metadata", "annotations", key)
}
