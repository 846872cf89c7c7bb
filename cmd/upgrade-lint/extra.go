package main

import (
	"context"

	"github.com/spf13/pflag"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// addExtraFlags registers the flags of the optional network checks (Prometheus API,
// registry, webhook probes).
func (o *lintOptions) addExtraFlags(fs *pflag.FlagSet) {}

// extraChecks runs the optional network checks that add to the inventory before the rules run.
func (o *lintOptions) extraChecks(ctx context.Context, kb *knowledge.KB, hops []knowledge.Hop, inv *inventory.Inventory) error {
	return nil
}
