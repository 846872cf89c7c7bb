package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// newCollectCmd is `upgrade-lint collect --out DIR [--node-root /]`: it writes a snapshot of
// the live cluster (and of this node, with --node-root) that can be linted later elsewhere.
func newCollectCmd() *cobra.Command {
	var out, nodeRoot string
	cmd := &cobra.Command{
		Use:          "collect --out DIR [--node-root /]",
		Short:        "Write a snapshot of the live cluster (and this node) for linting later",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
	}
	lo := addLiveFlags(cmd.Flags())
	cmd.Flags().StringVar(&out, "out", "", "snapshot directory to write (required)")
	cmd.Flags().StringVar(&nodeRoot, "node-root", "", "also copy this node's component files from this root (usually /)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		_ = lo
		return errors.New("collect: not written yet")
	}
	return cmd
}
