package scanner

import "github.com/upgrade-lint/upgrade-lint/scanner/inventory"

// scanPrometheus reads Prometheus rule files, scrape configs and Grafana dashboards under
// dirs (DIR/prometheus of a snapshot, --prometheus-rules paths) into inv.
// Called by Scan; owned by the CoreDNS/Prometheus topic.
func scanPrometheus(inv *inventory.Inventory, paths []string) {}
