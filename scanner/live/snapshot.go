package live

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// SnapshotMeta is DIR/snapshot.yaml: where and when the snapshot was taken, and the
// evidence and gaps of the live read that belong to no object.
type SnapshotMeta struct {
	ServerVersion string    `json:"serverVersion"`
	CollectedAt   time.Time `json:"collectedAt"`
	CollectedFrom string    `json:"collectedFrom,omitempty"`
	// APIUses are the apiserver_requested_deprecated_apis series read at collection time.
	APIUses []SnapshotAPIUse `json:"apiUses,omitempty"`
	// Unchecked are the resources the collecting credentials could not read.
	Unchecked []findings.Unchecked `json:"unchecked,omitempty"`
}

// SnapshotAPIUse is an inventory.APIUse as snapshot.yaml stores it.
type SnapshotAPIUse struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind,omitempty"`
	Resource   string `json:"resource,omitempty"`
	How        string `json:"how"`
	Detail     string `json:"detail,omitempty"`
}

// WriteSnapshot writes what Read found in the snapshot layout: DIR/cluster/GROUP/KIND.yaml
// (multi-document, "core" for the core group) and DIR/snapshot.yaml. Secrets were redacted
// by Read. dir must not hold a cluster/ directory already: a snapshot is never merged into
// an older one.
func WriteSnapshot(c *Cluster, dir string, at time.Time) error {
	clusterDir := filepath.Join(dir, "cluster")
	if _, err := os.Stat(clusterDir); err == nil {
		return fmt.Errorf("%s already exists: collect into a new directory", clusterDir)
	}
	files := map[string]*bytes.Buffer{}
	var names []string
	for _, b := range c.Bodies {
		group, _ := inventory.SplitAPIVersion(apiVersionOf(b))
		if group == "" {
			group = "core"
		}
		name := filepath.Join(group, strings.ToLower(kindOf(b))+".yaml")
		buf := files[name]
		if buf == nil {
			buf = &bytes.Buffer{}
			files[name] = buf
			names = append(names, name)
		}
		out, err := yaml.Marshal(b)
		if err != nil {
			return fmt.Errorf("encoding %s: %w", kindOf(b), err)
		}
		buf.WriteString("---\n")
		buf.Write(out)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(clusterDir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, files[name].Bytes(), 0o644); err != nil {
			return err
		}
	}
	meta := SnapshotMeta{ServerVersion: c.ServerVersion, CollectedAt: at.UTC().Truncate(time.Second), CollectedFrom: c.Host, Unchecked: c.Unchecked}
	for _, u := range c.APIUses {
		meta.APIUses = append(meta.APIUses, SnapshotAPIUse{APIVersion: u.APIVersion, Kind: u.Kind, Resource: u.Resource, How: u.How, Detail: u.Detail})
	}
	out, err := yaml.Marshal(meta)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "snapshot.yaml"), out, 0o644)
}

// nodeFiles are the files of a node root the scanner reads (see scanner/node.go), relative
// to the root; globs allowed. Kubeconfigs and keys under /etc/kubernetes are not among them.
var nodeFiles = []string{
	"etc/kubernetes/manifests/*.yaml",
	"etc/kubernetes/manifests/*.yml",
	"etc/kubernetes/manifests/*.json",
	"etc/kubernetes/kubelet.env",
	"etc/default/kubelet",
	"etc/sysconfig/kubelet",
	"var/lib/kubelet/kubeadm-flags.env",
	"var/lib/kubelet/config.yaml",
	"etc/systemd/system/kubelet.service",
	"etc/systemd/system/kubelet.service.d/*.conf",
	"usr/lib/systemd/system/kubelet.service",
	"usr/lib/systemd/system/kubelet.service.d/*.conf",
	"lib/systemd/system/kubelet.service",
	"lib/systemd/system/kubelet.service.d/*.conf",
}

// configFlag finds the kubelet's --config file in unit and env files.
var configFlag = regexp.MustCompile(`--config[= ]"?([^"\s]+)`)

// CopyNodeRoot copies the files the scanner reads from a node's root (usually /) into
// DIR/nodes/NAME, rooted as on the node, and returns the relative paths copied. The
// kubelet's --config file is copied too when a unit or env file names one.
func CopyNodeRoot(root, dir, name string) ([]string, error) {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return nil, fmt.Errorf("invalid node name %q", name)
	}
	dest := filepath.Join(dir, "nodes", name)
	var copied []string
	seen := map[string]bool{}
	var copyRel func(rel string) error
	copyRel = func(rel string) error {
		rel = filepath.Clean(strings.TrimPrefix(rel, "/"))
		if seen[rel] || strings.HasPrefix(rel, "..") {
			return nil
		}
		seen[rel] = true
		data, err := os.ReadFile(filepath.Join(root, rel))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", filepath.Join(root, rel), err)
		}
		p := filepath.Join(dest, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
		copied = append(copied, rel)
		if strings.Contains(rel, "kubelet") && !strings.HasSuffix(rel, "config.yaml") {
			for _, m := range configFlag.FindAllSubmatch(data, -1) {
				if err := copyRel(string(m[1])); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, pattern := range nodeFiles {
		matches, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			return nil, err
		}
		sort.Strings(matches)
		for _, m := range matches {
			rel, err := filepath.Rel(root, m)
			if err != nil {
				return nil, err
			}
			if err := copyRel(rel); err != nil {
				return nil, err
			}
		}
	}
	return copied, nil
}

// ReadSnapshotMeta reads DIR/snapshot.yaml as WriteSnapshot wrote it.
func ReadSnapshotMeta(r io.Reader) (*SnapshotMeta, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var m SnapshotMeta
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	return &m, nil
}
