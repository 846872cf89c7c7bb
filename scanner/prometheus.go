package scanner

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// scanPrometheus reads Prometheus rule files, scrape configs and Grafana dashboards under
// paths (DIR/prometheus of a snapshot, --prometheus-rules paths: files or directories,
// recursive) into inv. A path that does not exist is skipped (a snapshot need not have
// prometheus/); a file that cannot be parsed is an InputError and the rest goes on.
// Source paths are the paths given joined with the file's path below them.
func scanPrometheus(inv *inventory.Inventory, paths []string) {
	scanPrometheusRooted(inv, "", paths)
}

// scanPrometheusRooted is scanPrometheus with source paths relative to base (a snapshot
// directory: "prometheus/rules.yaml", like the snapshot's other files) for files under it.
func scanPrometheusRooted(inv *inventory.Inventory, base string, paths []string) {
	rel := func(p string) string {
		if base == "" {
			return p
		}
		if r, err := filepath.Rel(base, p); err == nil && !strings.HasPrefix(r, "..") {
			return filepath.ToSlash(r)
		}
		return p
	}
	for _, root := range paths {
		var files []string
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			switch strings.ToLower(filepath.Ext(p)) {
			case ".yaml", ".yml", ".json", ".rules":
				files = append(files, p)
			}
			return nil
		})
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			inv.InputErrors = append(inv.InputErrors, inventory.InputError{Source: inventory.Source{Path: root}, Message: err.Error()})
			continue
		}
		sort.Strings(files)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				inv.InputErrors = append(inv.InputErrors, inventory.InputError{Source: inventory.Source{Path: rel(f)}, Message: err.Error()})
				continue
			}
			ScanPrometheusFile(inv, rel(f), data)
		}
	}
}

// ScanPrometheusFile reads one file's rule groups, scrape configs or dashboard panels.
// Grafana's JSON is read with the YAML parser (JSON is YAML) to keep line numbers.
func ScanPrometheusFile(inv *inventory.Inventory, path string, data []byte) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			return
		}
		if err != nil {
			inv.InputErrors = append(inv.InputErrors, inventory.InputError{
				Source: inventory.Source{Path: path}, Message: "prometheus input: " + err.Error()})
			return
		}
		root := &doc
		if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
			root = root.Content[0]
		}
		if root.Kind != yaml.MappingNode {
			continue
		}
		switch {
		case inventory.NodeValue(root, "groups") != nil:
			inv.PromQueries = append(inv.PromQueries, inventory.RuleGroupQueries(inventory.NodeValue(root, "groups"), inventory.Source{Path: path})...)
		case inventory.NodeValue(root, "scrape_configs") != nil:
			inv.ScrapeTargets = append(inv.ScrapeTargets, scrapeConfigTargets(inventory.NodeValue(root, "scrape_configs"), path)...)
		case inventory.NodeValue(root, "panels") != nil || inventory.NodeValue(root, "dashboard") != nil || inventory.NodeValue(root, "rows") != nil:
			inv.PromQueries = append(inv.PromQueries, dashboardQueries(root, "", path)...)
		}
	}
}

// dashboardQueries walks a Grafana dashboard (panels, rows, nested panels, the
// API's {"dashboard": ...} envelope) for targets[].expr.
func dashboardQueries(n *yaml.Node, title, path string) []inventory.PromQuery {
	var out []inventory.PromQuery
	switch n.Kind {
	case yaml.MappingNode:
		if t := inventory.NodeValue(n, "title"); t != nil && t.Kind == yaml.ScalarNode {
			title = t.Value
		}
		if targets := inventory.NodeValue(n, "targets"); targets != nil && targets.Kind == yaml.SequenceNode {
			for _, tg := range targets.Content {
				if e := inventory.NodeValue(tg, "expr"); e != nil && e.Kind == yaml.ScalarNode && strings.TrimSpace(e.Value) != "" {
					out = append(out, inventory.PromQuery{Expr: e.Value, Name: title, Kind: "dashboard",
						Source: inventory.Source{Path: path, Line: e.Line}})
				}
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "targets" {
				continue
			}
			out = append(out, dashboardQueries(n.Content[i+1], title, path)...)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			out = append(out, dashboardQueries(c, title, path)...)
		}
	}
	return out
}

// scrapeConfigTargets reads prometheus.yml scrape_configs: static targets, and addresses
// that relabelling writes into __address__ (host:port or $1:port).
func scrapeConfigTargets(configs *yaml.Node, path string) []inventory.ScrapeTarget {
	var out []inventory.ScrapeTarget
	if configs.Kind != yaml.SequenceNode {
		return nil
	}
	for _, c := range configs.Content {
		job, scheme := "", ""
		if n := inventory.NodeValue(c, "job_name"); n != nil {
			job = n.Value
		}
		if n := inventory.NodeValue(c, "scheme"); n != nil {
			scheme = n.Value
		}
		if sc := inventory.NodeValue(c, "static_configs"); sc != nil && sc.Kind == yaml.SequenceNode {
			for _, s := range sc.Content {
				labels := map[string]string{}
				if l := inventory.NodeValue(s, "labels"); l != nil && l.Kind == yaml.MappingNode {
					for i := 0; i+1 < len(l.Content); i += 2 {
						labels[l.Content[i].Value] = l.Content[i+1].Value
					}
				}
				targets := inventory.NodeValue(s, "targets")
				if targets == nil || targets.Kind != yaml.SequenceNode {
					continue
				}
				for _, t := range targets.Content {
					st := inventory.ScrapeTarget{Job: job, Address: t.Value, Port: addressPort(t.Value), Scheme: scheme,
						How: "scrape-config", Source: inventory.Source{Path: path, Line: t.Line}}
					if len(labels) > 0 {
						st.Labels = labels
					}
					out = append(out, st)
				}
			}
		}
		if rc := inventory.NodeValue(c, "relabel_configs"); rc != nil && rc.Kind == yaml.SequenceNode {
			for _, r := range rc.Content {
				tl, repl := inventory.NodeValue(r, "target_label"), inventory.NodeValue(r, "replacement")
				if tl == nil || tl.Value != "__address__" || repl == nil {
					continue
				}
				if port := addressPort(repl.Value); port > 0 {
					out = append(out, inventory.ScrapeTarget{Job: job, Address: repl.Value, Port: port, Scheme: scheme,
						How: "scrape-config", Source: inventory.Source{Path: path, Line: repl.Line}})
				}
			}
		}
	}
	return out
}

// addressPort is the port of host:port (or "[v6]:port"), 0 when there is none.
func addressPort(addr string) int {
	i := strings.LastIndex(addr, ":")
	if i < 0 || strings.HasSuffix(addr[:i], ":") {
		return 0
	}
	p, err := strconv.Atoi(addr[i+1:])
	if err != nil || p <= 0 || p > 65535 {
		return 0
	}
	return p
}
