// Package certs collects webhook serving certificates for the webhook-cert rule: PEM files
// under a snapshot's certs/ directory, the tls.crt of TLS Secrets in its cluster/ files, and
// TLS handshakes with url webhooks. Only certificate data is kept: private keys are never
// decoded, and a Secret's other values are never stored.
package certs

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// pemCertificateHeader starts every certificate block; blocks of any other type (keys)
// are skipped without being decoded.
const pemCertificateHeader = "-----BEGIN CERTIFICATE-----"

// ParsePEMCertificates returns the DER bytes of every CERTIFICATE block in data, in order.
// Other blocks (private keys in a combined file) are not decoded.
func ParsePEMCertificates(data []byte) ([][]byte, error) {
	var chain [][]byte
	rest := data
	for {
		i := bytes.Index(rest, []byte(pemCertificateHeader))
		if i < 0 {
			break
		}
		block, after := pem.Decode(rest[i:])
		if block == nil {
			return chain, errors.New("a CERTIFICATE block is not valid PEM")
		}
		chain = append(chain, block.Bytes)
		rest = after
	}
	if len(chain) == 0 {
		return nil, errors.New("no PEM CERTIFICATE block")
	}
	return chain, nil
}

// ReadSnapshot reads dir/certs/<namespace>/<service>.pem (or .crt) files and the tls.crt
// of Secrets in dir/cluster. A missing directory is not an error; unreadable files
// become input errors and the rest is still read.
func ReadSnapshot(dir string) ([]inventory.ServingCert, []inventory.InputError) {
	files, errs := readCertFiles(dir)
	secrets, serrs := readSecretFiles(dir)
	return append(files, secrets...), append(errs, serrs...)
}

// readCertFiles reads the PEM files of dir/certs: the file convention is
// certs/<namespace>/<service>.pem, the chain the Service's backend serves, leaf first.
func readCertFiles(dir string) ([]inventory.ServingCert, []inventory.InputError) {
	var out []inventory.ServingCert
	var errs []inventory.InputError
	root := filepath.Join(dir, "certs")
	paths, err := walk(root, ".pem", ".crt")
	if err != nil {
		return nil, []inventory.InputError{{Source: findings.Source{Path: "certs"}, Message: err.Error()}}
	}
	for _, p := range paths {
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		parts := strings.Split(strings.TrimPrefix(rel, "certs/"), "/")
		if len(parts) != 2 {
			errs = append(errs, inventory.InputError{Source: findings.Source{Path: rel}, Message: "certificate files go in certs/<namespace>/<service>.pem"})
			continue
		}
		service := strings.TrimSuffix(strings.TrimSuffix(parts[1], ".pem"), ".crt")
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, inventory.InputError{Source: findings.Source{Path: rel}, Message: err.Error()})
			continue
		}
		chain, err := ParsePEMCertificates(data)
		if err != nil {
			errs = append(errs, inventory.InputError{Source: findings.Source{Path: rel}, Message: err.Error()})
			continue
		}
		out = append(out, inventory.ServingCert{Via: "file", Namespace: parts[0], Service: service, Chain: chain, Source: findings.Source{Path: rel, Line: 1}})
	}
	return out, errs
}

// secretDocument is the part of a Secret the certificate reader decodes: the private key
// field is absent from the type, so its value is never stored.
type secretDocument struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	} `yaml:"metadata"`
	Data struct {
		TLSCrt string `yaml:"tls.crt"`
	} `yaml:"data"`
	Items []secretDocument `yaml:"items"`
}

// readSecretFiles reads the tls.crt of every Secret in dir/cluster (YAML or JSON, one or
// many documents, List kinds included).
func readSecretFiles(dir string) ([]inventory.ServingCert, []inventory.InputError) {
	paths, err := walk(filepath.Join(dir, "cluster"), ".yaml", ".yml", ".json")
	if err != nil {
		return nil, []inventory.InputError{{Source: findings.Source{Path: "cluster"}, Message: err.Error()}}
	}
	var out []inventory.ServingCert
	var errs []inventory.InputError
	for _, p := range paths {
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(data, []byte("tls.crt")) {
			continue // the object scanner reports unreadable files
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var node yaml.Node
			if err := dec.Decode(&node); err != nil {
				if !errors.Is(err, io.EOF) {
					errs = append(errs, inventory.InputError{Source: findings.Source{Path: rel}, Message: "reading Secrets for certificates: " + err.Error()})
				}
				break
			}
			var doc secretDocument
			if node.Decode(&doc) != nil {
				continue
			}
			for _, s := range append([]secretDocument{doc}, doc.Items...) {
				c, err := secretCert(s, rel, node.Line)
				if err != nil {
					errs = append(errs, inventory.InputError{Source: c.Source, Message: err.Error()})
					continue
				}
				if c.Chain != nil {
					out = append(out, c)
				}
			}
		}
	}
	return out, errs
}

func secretCert(s secretDocument, path string, line int) (inventory.ServingCert, error) {
	c := inventory.ServingCert{Via: "secret", Namespace: s.Metadata.Namespace, Secret: s.Metadata.Name,
		Source: findings.Source{Path: path, Line: line, Object: &findings.ObjectRef{APIVersion: s.APIVersion, Kind: "Secret", Namespace: s.Metadata.Namespace, Name: s.Metadata.Name}}}
	if s.Kind != "Secret" || s.Data.TLSCrt == "" {
		return c, nil
	}
	pemData, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s.Data.TLSCrt))
	if err != nil {
		return c, fmt.Errorf("secret %s/%s tls.crt: not base64: %v", s.Metadata.Namespace, s.Metadata.Name, err)
	}
	chain, err := ParsePEMCertificates(pemData)
	if err != nil {
		return c, fmt.Errorf("secret %s/%s tls.crt: %v", s.Metadata.Namespace, s.Metadata.Name, err)
	}
	c.Chain = chain
	return c, nil
}

// walk lists the files under root with one of exts, sorted; a missing root is empty.
func walk(root string, exts ...string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return fs.SkipAll
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		for _, e := range exts {
			if strings.EqualFold(filepath.Ext(p), e) {
				out = append(out, p)
				break
			}
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// ProbeOptions tune a TLS probe.
type ProbeOptions struct {
	// Timeout bounds the connection and handshake (default 5s).
	Timeout time.Duration
	// Dial replaces the network dial (a port-forward); nil dials addr directly.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Probe completes a TLS handshake with the endpoint of a url webhook and returns the chain
// it serves. Nothing is sent after the handshake. The chain is not verified here: the
// rule judges it against the webhook's caBundle.
func Probe(ctx context.Context, rawURL string, opts ProbeOptions) inventory.ServingCert {
	c := inventory.ServingCert{Via: "probe", URL: rawURL}
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" {
		c.Error = fmt.Sprintf("not a URL: %q", rawURL)
		return c
	}
	port := u.Port()
	if port == "" {
		port = "443"
	}
	chain, err := Handshake(ctx, net.JoinHostPort(u.Hostname(), port), u.Hostname(), opts)
	if err != nil {
		c.Error = err.Error()
		return c
	}
	c.Chain = chain
	return c
}

// Handshake dials addr, completes a TLS handshake presenting serverName and returns the
// peer's chain (DER, leaf first).
func Handshake(ctx context.Context, addr, serverName string, opts ProbeOptions) ([][]byte, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dial := opts.Dial
	if dial == nil {
		d := &net.Dialer{}
		dial = d.DialContext
	}
	raw, err := dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	// Verification is the rule's job (against the caBundle, at each hop's Go version):
	// here the chain is only read.
	conn := tls.Client(raw, &tls.Config{ServerName: serverName, InsecureSkipVerify: true}) //nolint:gosec // read-only probe
	if err := conn.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("TLS handshake with %s: %w", addr, err)
	}
	var chain [][]byte
	for _, cert := range conn.ConnectionState().PeerCertificates {
		chain = append(chain, cert.Raw)
	}
	return chain, nil
}
