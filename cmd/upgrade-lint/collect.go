package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/upgrade-lint/upgrade-lint/scanner/live"
)

// newCollectCmd is `upgrade-lint collect --out DIR [--node-root /]`: it writes a snapshot of
// the live cluster (and of this node, with --node-root) that can be linted later elsewhere
// with `upgrade-lint --snapshot DIR`.
func newCollectCmd() *cobra.Command {
	var out, nodeRoot, nodeName string
	cmd := &cobra.Command{
		Use:   "collect --out DIR [--node-root /]",
		Short: "Write a snapshot of the live cluster (and this node) to lint later",
		Long: `Reads the cluster in the kubeconfig (read-only, the access deploy/rbac.yaml grants) and writes
DIR/cluster/ (the objects the rules read, with their last-applied annotations and managedFields;
Secret values removed except Helm release records and webhook certificates) and DIR/snapshot.yaml
(server version, collection time). With --node-root, also copies the node's component files
(static pods, kubelet units, env and config files) to DIR/nodes/NAME/. Lint it with
  upgrade-lint --snapshot DIR --to 1.X`,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
	}
	lo := addLiveFlags(cmd.Flags())
	cmd.Flags().StringVar(&out, "out", "", "snapshot directory to write (required)")
	cmd.Flags().StringVar(&nodeRoot, "node-root", "", "also copy this node's component files, read from this root (usually /)")
	cmd.Flags().StringVar(&nodeName, "node-name", "", "the node's name under DIR/nodes/ (default: the host name)")
	_ = cmd.MarkFlagRequired("out")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		opts, err := lo.options()
		if err != nil {
			return err
		}
		if isTerminal(cmd.ErrOrStderr()) {
			opts.Progress = cmd.ErrOrStderr()
		}
		c, err := live.Read(cmd.Context(), opts)
		if err != nil {
			return err
		}
		if lo.auditLog != "" {
			// Kept in snapshot.yaml with the request metrics: the log itself stays behind.
			uses, err := live.ReadAuditLogFile(lo.auditLog)
			if err != nil {
				return err
			}
			c.APIUses = append(c.APIUses, uses...)
		}
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		if err := live.WriteSnapshot(c, out, time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "wrote %d objects of %s (%s) to %s\n", len(c.Bodies), c.Host, c.ServerVersion, out)
		for _, u := range c.Unchecked {
			fmt.Fprintf(cmd.ErrOrStderr(), "  not collected: %s: %s\n", u.What, u.Reason)
		}
		if nodeRoot != "" {
			if nodeName == "" {
				if nodeName, err = os.Hostname(); err != nil {
					return fmt.Errorf("--node-name not given and no host name: %w", err)
				}
			}
			files, err := live.CopyNodeRoot(nodeRoot, out, nodeName)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "copied %d files of node %s from %s\n", len(files), nodeName, nodeRoot)
		}
		return nil
	}
	return cmd
}
