// Package scanner reads a cluster's state from its inputs (snapshot directories, node
// roots, manifest files, a live cluster) into an inventory.Inventory. All of upgrade-lint's
// input I/O lives under this package.
package scanner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/scanner/certs"
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
//
// A snapshot is read at DIR/snapshot.yaml (serverVersion, collectedAt), DIR/cluster (API
// objects, Origin FromCluster), DIR/nodes/NAME (node roots) and DIR/prometheus; DIR/certs
// is left to the certificate scanner. Paths in the inventory are relative to the input
// given: "nodes/master-0/etc/kubernetes/kubelet.env" for a snapshot, the -f path joined
// with the path inside it, a node root's own relative paths.
func Scan(ctx context.Context, opts Options) (*inventory.Inventory, error) {
	inv := &inventory.Inventory{}
	if err := checkInputs(opts); err != nil {
		return nil, err
	}
	var promPaths []string
	if opts.Snapshot != "" {
		if err := scanSnapshot(ctx, inv, opts.Snapshot, &promPaths); err != nil {
			return nil, err
		}
	}
	for _, root := range opts.NodeRoots {
		scanNodeRoot(inv, root, "", nodeName(root))
		inv.Inputs = append(inv.Inputs, "node root "+root)
	}
	if len(opts.Files) > 0 {
		objs, err := scanFiles(ctx, inv, opts)
		if err != nil {
			return nil, err
		}
		inv.Objects = append(inv.Objects, objs...)
		DeriveFromObjects(inv, objs)
	}
	if len(promPaths) > 0 {
		// Snapshot files are named relative to the snapshot, like its other files.
		scanPrometheusRooted(inv, opts.Snapshot, promPaths)
	}
	if len(opts.PrometheusRules) > 0 {
		scanPrometheus(inv, opts.PrometheusRules)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(inv.InputErrors, func(i, j int) bool {
		a, b := inv.InputErrors[i].Source, inv.InputErrors[j].Source
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Line < b.Line
	})
	return inv, nil
}

// StdinName is how findings name the manifests read from standard input (-f -).
const StdinName = "<stdin>"

// nodeName names a node by its root directory; "/" and "." (run on the node itself) by the
// machine's host name.
func nodeName(root string) string {
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	if name := filepath.Base(root); name != "/" && name != "." {
		return name
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "localhost"
}

// checkInputs fails on inputs that do not exist or cannot be read at all: a typo or a
// permission must not look like a clean cluster. (What is unreadable inside a directory
// becomes an input-error finding instead.)
func checkInputs(opts Options) error {
	var errs []error
	check := func(flag, p string) {
		f, err := os.Open(p)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %s: %w", flag, p, unwrapPathError(err)))
			return
		}
		f.Close()
	}
	if opts.Snapshot != "" {
		if fi, err := os.Stat(opts.Snapshot); err != nil {
			check("--snapshot", opts.Snapshot)
		} else if !fi.IsDir() {
			errs = append(errs, fmt.Errorf("--snapshot %s: not a directory", opts.Snapshot))
		}
	}
	for _, r := range opts.NodeRoots {
		if fi, err := os.Stat(r); err != nil {
			check("--node-root", r)
		} else if !fi.IsDir() {
			errs = append(errs, fmt.Errorf("--node-root %s: not a directory", r))
		}
	}
	for _, f := range opts.Files {
		if f == "-" {
			if opts.Stdin == nil {
				errs = append(errs, errors.New("-f -: no standard input"))
			}
			continue
		}
		check("-f", f)
	}
	for _, p := range opts.PrometheusRules {
		check("--prometheus-rules", p)
	}
	return errors.Join(errs...)
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func scanSnapshot(ctx context.Context, inv *inventory.Inventory, dir string, promPaths *[]string) error {
	inv.Inputs = append(inv.Inputs, "snapshot "+dir)
	readSnapshotMeta(inv, dir)
	clusterDir := filepath.Join(dir, "cluster")
	if fi, err := os.Stat(clusterDir); err == nil && fi.IsDir() {
		jobs, err := manifestJobs(clusterDir, "cluster")
		if err != nil {
			return fmt.Errorf("--snapshot %s: %w", dir, err)
		}
		var objs []*inventory.Object
		for _, r := range readManifests(ctx, jobs, inventory.FromCluster) {
			objs = append(objs, r.objects...)
			inv.InputErrors = append(inv.InputErrors, r.errors...)
		}
		inv.Objects = append(inv.Objects, objs...)
		DeriveFromObjects(inv, objs)
	} else {
		inv.Unchecked = append(inv.Unchecked, unchecked("API objects", "the snapshot has no cluster/ directory"))
	}
	nodesDir := filepath.Join(dir, "nodes")
	if entries, err := os.ReadDir(nodesDir); err == nil {
		for _, e := range entries {
			if e.IsDir() {
				scanNodeRoot(inv, filepath.Join(nodesDir, e.Name()), "nodes/"+e.Name(), e.Name())
			}
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "prometheus")); err == nil && fi.IsDir() {
		*promPaths = append(*promPaths, filepath.Join(dir, "prometheus"))
	}
	// Webhook serving certificates: PEM files under DIR/certs and the certificate data of
	// the snapshot's TLS Secrets (read apart from the objects, whose Secret values are
	// blanked; private keys are never decoded).
	sc, errs := certs.ReadSnapshot(dir)
	inv.ServingCerts = append(inv.ServingCerts, sc...)
	inv.InputErrors = append(inv.InputErrors, errs...)
	return nil
}

// readSnapshotMeta reads DIR/snapshot.yaml: serverVersion as a string ("v1.14.10") or as
// the /version document ({gitVersion: ...}), and collectedAt.
func readSnapshotMeta(inv *inventory.Inventory, dir string) {
	data, err := os.ReadFile(filepath.Join(dir, "snapshot.yaml"))
	if err != nil {
		return
	}
	docs := splitDocuments(data)
	if len(docs) == 0 {
		return
	}
	node, err := parseDocument(docs[0])
	if err != nil {
		inv.InputErrors = append(inv.InputErrors, inventory.InputError{Source: inventory.Source{Path: "snapshot.yaml", Line: lineOfError(err)}, Message: errorMessage(err)})
		return
	}
	body, _ := toValue(node).(map[string]any)
	switch v := body["serverVersion"].(type) {
	case string:
		inv.ServerVersion = v
	case map[string]any:
		inv.ServerVersion, _ = v["gitVersion"].(string)
	}
	switch v := body["collectedAt"].(type) {
	case string:
		inv.CollectedAt = v
	case time.Time: // an unquoted timestamp
		inv.CollectedAt = v.UTC().Format(time.RFC3339)
	}
	// The live read's evidence and gaps that belong to no object (collect writes them).
	uses, _ := body["apiUses"].([]any)
	for _, u := range uses {
		m, _ := u.(map[string]any)
		str := func(k string) string { s, _ := m[k].(string); return s }
		if m == nil || str("apiVersion") == "" || str("how") == "" {
			continue
		}
		inv.APIUses = append(inv.APIUses, inventory.APIUse{
			APIVersion: str("apiVersion"), Kind: str("kind"), Resource: str("resource"),
			How: str("how"), Detail: str("detail"), Source: inventory.Source{Path: "snapshot.yaml"},
		})
	}
	gaps, _ := body["unchecked"].([]any)
	for _, g := range gaps {
		m, _ := g.(map[string]any)
		what, _ := m["what"].(string)
		reason, _ := m["reason"].(string)
		if what != "" {
			inv.Unchecked = append(inv.Unchecked, unchecked(what, reason+" (when the snapshot was collected)"))
		}
	}
}

func unchecked(what, reason string) findings.Unchecked {
	return findings.Unchecked{What: what, Reason: reason}
}

func scanFiles(ctx context.Context, inv *inventory.Inventory, opts Options) ([]*inventory.Object, error) {
	var jobs []fileJob
	for _, f := range opts.Files {
		if f == "-" {
			data, err := io.ReadAll(io.LimitReader(opts.Stdin, maxFileSize+1))
			if err != nil {
				return nil, fmt.Errorf("-f -: %w", err)
			}
			jobs = append(jobs, fileJob{display: StdinName, data: data})
			continue
		}
		js, err := manifestJobs(f, f)
		if err != nil {
			return nil, fmt.Errorf("-f %s: %w", f, err)
		}
		jobs = append(jobs, js...)
	}
	inv.Inputs = append(inv.Inputs, describeCount(len(jobs), "manifest file"))
	var objs []*inventory.Object
	for _, r := range readManifests(ctx, jobs, inventory.FromManifest) {
		objs = append(objs, r.objects...)
		inv.InputErrors = append(inv.InputErrors, r.errors...)
	}
	return objs, nil
}
