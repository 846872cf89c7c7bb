// Package live reads a running cluster through its API server into an inventory: read-only,
// paginated, metadata-only wherever the rules need no more, and never fatal on a resource
// it may not read (that becomes an Unchecked entry instead).
package live

import (
	"context"
	"fmt"
	"io"

	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// Options configures one scan of a live cluster.
type Options struct {
	// Config reaches the API server (from kubeconfig flags or in-cluster).
	Config *rest.Config
	// Namespaces limits namespaced resources to these namespaces; empty means all.
	Namespaces []string
	// AuditLog is an API server audit log (JSON lines) to read usage evidence from.
	AuditLog string
	// Progress receives progress lines; nil means quiet.
	Progress io.Writer
}

// Scan reads the cluster behind opts.Config into an inventory.
func Scan(ctx context.Context, opts Options) (*inventory.Inventory, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(opts.Config)
	if err != nil {
		return nil, fmt.Errorf("connecting to the API server: %w", err)
	}
	v, err := dc.ServerVersion()
	if err != nil {
		return nil, fmt.Errorf("reading the API server's version: %w", err)
	}
	inv := &inventory.Inventory{ServerVersion: v.GitVersion, Inputs: []string{"live cluster " + opts.Config.Host}}
	return inv, nil
}
