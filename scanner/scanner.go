// Package scanner reads a cluster's state from its inputs (snapshot directories, node
// roots, manifest files, a live cluster) into an inventory.Inventory. All of upgrade-lint's
// input I/O lives under this package.
package scanner

import (
	"context"
	"errors"
	"io"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// Options names the inputs of one scan. Paths in findings are relative to the input given.
type Options struct {
	// Snapshot is a snapshot directory: DIR/cluster, DIR/nodes/NAME, DIR/prometheus.
	Snapshot string
	// NodeRoots are node filesystem roots (DIR/etc/kubernetes/manifests/...).
	NodeRoots []string
	// Files are manifest files or directories (recursive); "-" reads Stdin.
	Files []string
	Stdin io.Reader
	// PrometheusRules are Prometheus rule files, dashboards or directories outside a snapshot.
	PrometheusRules []string
}

// Scan reads every input into one inventory. Inputs unreadable in part become
// InputErrors; the error return is for inputs that cannot be read at all (a missing
// --snapshot directory).
func Scan(ctx context.Context, opts Options) (*inventory.Inventory, error) {
	return nil, errors.New("scanner: not written yet")
}
