package inventory

// ServingCert is the certificate chain a webhook or aggregated API backend serves, as one
// source shows it. Only certificate data is held: never a private key.
type ServingCert struct {
	// Via is where the chain came from: "secret" (a Secret's tls.crt), "file" (a PEM file
	// under DIR/certs), "probe" (a TLS handshake with the endpoint).
	Via string
	// Namespace and Service name the backing Service ("file" and port-forward probes).
	Namespace, Service string
	// Secret is the Secret's name for Via "secret" (in Namespace).
	Secret string
	// URL is the address probed for a url webhook (Via "probe").
	URL string
	// Chain is the DER certificates, leaf first.
	Chain [][]byte
	// Error says why no chain could be read (probe failed, PEM unparseable); Chain is then empty.
	Error  string
	Source Source
}

// ServingCertsFor returns the chains found for a Service (files and port-forward probes).
func (inv *Inventory) ServingCertsFor(namespace, service string) []*ServingCert {
	var out []*ServingCert
	for i := range inv.ServingCerts {
		c := &inv.ServingCerts[i]
		if c.Service != "" && c.Namespace == namespace && c.Service == service {
			out = append(out, c)
		}
	}
	return out
}

// SecretCert returns the chain read from Secret namespace/name, or nil.
func (inv *Inventory) SecretCert(namespace, name string) *ServingCert {
	for i := range inv.ServingCerts {
		c := &inv.ServingCerts[i]
		if c.Via == "secret" && c.Namespace == namespace && c.Secret == name {
			return c
		}
	}
	return nil
}

// ProbedCert returns the result of the TLS probe of url, or nil when it was not probed.
func (inv *Inventory) ProbedCert(url string) *ServingCert {
	for i := range inv.ServingCerts {
		c := &inv.ServingCerts[i]
		if c.Via == "probe" && c.URL == url {
			return c
		}
	}
	return nil
}
