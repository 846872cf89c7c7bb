package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
	"github.com/upgrade-lint/upgrade-lint/scanner/live"
)

// liveOptions are the flags that reach a live cluster: kubectl's connection flags plus the
// usage evidence only a live scan can add.
type liveOptions struct {
	config   *genericclioptions.ConfigFlags
	auditLog string
}

// addLiveFlags registers --kubeconfig, --context, --namespace, --request-timeout and the
// rest of kubectl's connection flags, and --audit-log.
func addLiveFlags(fs *pflag.FlagSet) *liveOptions {
	o := &liveOptions{config: genericclioptions.NewConfigFlags(true)}
	o.config.AddFlags(fs)
	fs.StringVar(&o.auditLog, "audit-log", "", "API server audit log (JSON lines) to read API usage evidence from")
	return o
}

// scan reads the live cluster. progress receives progress output (nil when stderr is not
// a terminal).
func (o *liveOptions) scan(ctx context.Context, progress io.Writer) (*inventory.Inventory, error) {
	opts, err := o.options()
	if err != nil {
		return nil, err
	}
	opts.Progress = progress
	return live.Scan(ctx, opts)
}

// options resolves the connection flags (kubeconfig, context, in-cluster config).
func (o *liveOptions) options() (live.Options, error) {
	cfg, err := o.config.ToRESTConfig()
	if err != nil {
		return live.Options{}, fmt.Errorf("reading the kubeconfig: %w", err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 60 * time.Second
	}
	// Lists are paged and bounded in concurrency; client-go's default 5 QPS would make a
	// large cluster's read needlessly slow without easing the API server's load.
	cfg.QPS, cfg.Burst = 20, 40
	cfg.UserAgent = "upgrade-lint"
	opts := live.Options{Config: cfg, AuditLog: o.auditLog}
	if o.config.Namespace != nil && *o.config.Namespace != "" {
		opts.Namespaces = []string{*o.config.Namespace}
	}
	return opts, nil
}
