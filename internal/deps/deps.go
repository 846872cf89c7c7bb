package deps

import (
	_ "github.com/coredns/corefile-migration/migration"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/google/go-containerregistry/pkg/registry"
	_ "github.com/google/go-containerregistry/pkg/v1/remote"
	_ "github.com/google/go-github/v57/github"
	_ "github.com/olekukonko/tablewriter"
	_ "github.com/prometheus/client_golang/api"
	_ "github.com/prometheus/prometheus/promql/parser"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/tools/txtar"
	_ "gopkg.in/yaml.v3"
	_ "k8s.io/apimachinery/pkg/apis/meta/v1"
	_ "k8s.io/cli-runtime/pkg/genericclioptions"
	_ "k8s.io/client-go/kubernetes"
	_ "k8s.io/client-go/metadata"
	_ "k8s.io/client-go/tools/portforward"
	_ "golang.org/x/mod/semver"
	_ "sigs.k8s.io/yaml"
)
