package main

import (
	"fmt"
	"runtime/debug"

	"github.com/olekukonko/tablewriter"
	"github.com/spf13/cobra"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/knowledge/update"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/rules/all"
)

// loadKB is the embedded knowledge base with the release list refreshed by
// `upgrade-lint knowledge update` laid over it, when the user has one cached.
func loadKB() (*knowledge.KB, error) {
	kb, err := knowledge.Default()
	if err != nil {
		return nil, err
	}
	path, err := update.DefaultCachePath()
	if err != nil {
		return kb, nil // no cache directory: the embedded list it is
	}
	return update.Load(kb, path)
}

func newRulesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "rules",
		Short: "List the rules with their one-line docs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t := tablewriter.NewTable(cmd.OutOrStdout())
			t.Header("Rule", "Severity", "Checks")
			for _, r := range all.Rules() {
				if err := t.Append(r.Name, r.Severity.String(), r.Title()); err != nil {
					return err
				}
			}
			return t.Render()
		},
	}
}

func newExplainCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "explain RULE",
		Short: "Print a rule's full documentation",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r := rules.Lookup(all.Rules(), args[0])
			if r == nil {
				return usagef("unknown rule %q (see upgrade-lint rules)", args[0])
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s (default severity: %s)\n\n%s\n", r.Name, r.Severity, r.Doc)
			return nil
		},
	}
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print upgrade-lint's version and what its knowledge base covers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := version
			if bi, ok := debug.ReadBuildInfo(); ok && v == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				v = bi.Main.Version
			}
			fmt.Fprintf(cmd.OutOrStdout(), "upgrade-lint %s\nknowledge: Kubernetes %s to %s\n", v, knowledge.Oldest, knowledge.Newest)
			return nil
		},
	}
}
