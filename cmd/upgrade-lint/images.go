package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules/images"
	"github.com/upgrade-lint/upgrade-lint/scanner"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

type imagesOptions struct {
	from, to        string
	snapshot        string
	imageRepository string
	output          string
}

// imagePlan is the images command's document (-o json).
type imagePlan struct {
	From string `json:"from"`
	To   string `json:"to"`
	// Repository is where the images are pulled from ("" for kubeadm's default of each
	// minor) and RepositorySource why.
	Repository       string         `json:"repository"`
	RepositorySource string         `json:"repositorySource"`
	Hops             []imageHop     `json:"hops"`
	Kubelets         []kubeletPause `json:"kubelets,omitempty"`
}

type imageHop struct {
	Hop     string         `json:"hop"`
	Version string         `json:"version"`
	Images  []plannedImage `json:"images"`
}

type plannedImage struct {
	Name     string `json:"name"`
	Ref      string `json:"ref"`
	Upstream string `json:"upstream"`
	// New is false when an earlier hop of the plan already pulls the same reference.
	New bool `json:"new"`
}

type kubeletPause struct {
	Node   string `json:"node"`
	Image  string `json:"image"`
	Source string `json:"source"`
	// Differs is true when the image is not the pause image of the plan's last hop.
	Differs bool `json:"differs"`
}

func newImagesCmd() *cobra.Command {
	o := &imagesOptions{}
	cmd := &cobra.Command{
		Use:   "images --from 1.14 --to 1.21 [--snapshot DIR | --image-repository REPO] [-o text|json|script]",
		Short: "List the images each hop pulls, or print a script that mirrors them",
		Long: `images lists, hop by hop, the images kubeadm pulls (control plane at the hop's patch, etcd, CoreDNS and
pause as the minor pins them) under the cluster's imageRepository: from --image-repository, from the
kubeadm-config of --snapshot, or kubeadm's default of each minor. With --snapshot the kubelets' configured
pause images are listed too. Nothing is asked over the network.

-o script prints one 'skopeo copy --multi-arch all' per image, from the upstream repository of the hop's
minor to the cluster's repository: run it on a host that reaches both.`,
		Example: `  upgrade-lint images --from 1.14 --to 1.21 --image-repository registry.corp.example/k8s
  upgrade-lint images --from 1.14 --to 1.21 --snapshot testdata/demo -o script > mirror.sh`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return o.run(cmd.Context(), cmd.OutOrStdout())
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.from, "from", "", "current Kubernetes version (required)")
	fs.StringVar(&o.to, "to", "", "target Kubernetes version (required)")
	fs.StringVar(&o.snapshot, "snapshot", "", "cluster snapshot: its kubeadm-config imageRepository and kubelet pause images")
	fs.StringVar(&o.imageRepository, "image-repository", "", "the cluster's imageRepository (overrides the snapshot's)")
	fs.StringVarP(&o.output, "output", "o", "text", "output format: text|json|script")
	return cmd
}

func (o *imagesOptions) run(ctx context.Context, w io.Writer) error {
	if o.from == "" || o.to == "" {
		return usagef("--from and --to are required")
	}
	switch o.output {
	case "text", "json", "script":
	default:
		return usagef("unknown output format %q (want text, json or script)", o.output)
	}
	from, err := knowledge.ParseMinor(o.from)
	if err != nil {
		return usagef("--from: %v", err)
	}
	to, err := knowledge.ParseMinor(o.to)
	if err != nil {
		return usagef("--to: %v", err)
	}
	kb, err := loadKB()
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	hops, err := planHops(kb, from, to, o.to)
	if err != nil {
		return usagef("%v", err)
	}
	inv := &inventory.Inventory{}
	if o.snapshot != "" {
		if inv, err = scanner.Scan(ctx, scanner.Options{Snapshot: o.snapshot}); err != nil {
			return &exitError{code: 2, err: err}
		}
	}
	if o.imageRepository != "" {
		kc := inventory.KubeadmConfig{}
		if inv.Kubeadm != nil {
			kc = *inv.Kubeadm
		}
		kc.ImageRepository = o.imageRepository
		inv.Kubeadm = &kc
	}
	plan := buildImagePlan(kb, hops, inv)
	if o.imageRepository != "" {
		plan.RepositorySource = "--image-repository"
	}
	switch o.output {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false) // "1.20->1.21", not "1.20-\u003e1.21"
		return enc.Encode(plan)
	case "script":
		return writeMirrorScript(w, plan)
	}
	return writeImagePlan(w, plan)
}

func buildImagePlan(kb *knowledge.KB, hops []knowledge.Hop, inv *inventory.Inventory) *imagePlan {
	repo, source := images.Repository(inv.Kubeadm)
	plan := &imagePlan{From: hops[0].From.String(), To: hops[len(hops)-1].To.String(), Repository: repo, RepositorySource: source, Hops: []imageHop{}}
	seen := map[string]bool{}
	lastPause := ""
	for _, h := range hops {
		ih := imageHop{Hop: h.String(), Version: h.Version, Images: []plannedImage{}}
		for _, img := range images.HopImages(kb, h, inv.Kubeadm) {
			ih.Images = append(ih.Images, plannedImage{Name: img.Name, Ref: img.Ref, Upstream: img.Upstream, New: !seen[img.Ref]})
			seen[img.Ref] = true
			if img.Name == "pause" {
				lastPause = img.Ref
			}
		}
		plan.Hops = append(plan.Hops, ih)
	}
	for _, k := range images.KubeletPauseImages(inv) {
		plan.Kubelets = append(plan.Kubelets, kubeletPause{Node: k.Node, Image: k.Image, Source: k.Source.String(), Differs: lastPause != "" && k.Image != lastPause})
	}
	return plan
}

// writeImagePlan prints each hop's images, each image once: at the first hop that pulls it.
func writeImagePlan(w io.Writer, plan *imagePlan) error {
	under := fmt.Sprintf("%s (%s)", plan.Repository, plan.RepositorySource)
	if plan.Repository == "" {
		under = plan.RepositorySource
	}
	fmt.Fprintf(w, "Images for %s -> %s under %s; each image is listed at the first hop that pulls it.\n", plan.From, plan.To, under)
	for _, h := range plan.Hops {
		fmt.Fprintf(w, "\n%s (%s)\n", h.Hop, h.Version)
		n := 0
		for _, img := range h.Images {
			if img.New {
				fmt.Fprintf(w, "  %s\n", img.Ref)
				n++
			}
		}
		if n == 0 {
			fmt.Fprintln(w, "  (nothing new)")
		}
	}
	if len(plan.Kubelets) > 0 {
		fmt.Fprintln(w, "\nKubelet pause images (--pod-infra-container-image)")
		for _, k := range plan.Kubelets {
			note := ""
			if k.Differs {
				note = "  differs from the plan's last pause image"
			}
			fmt.Fprintf(w, "  %s  %s  (%s)%s\n", k.Node, k.Image, k.Source, note)
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}

// writeMirrorScript prints a POSIX shell script with one skopeo copy per image that is not
// already pulled from its upstream repository.
func writeMirrorScript(w io.Writer, plan *imagePlan) error {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	fmt.Fprintf(&b, "# Mirror the images of the upgrade %s -> %s (generated by upgrade-lint images).\nset -eu\n", plan.From, plan.To)
	copies := 0
	for _, h := range plan.Hops {
		var lines []string
		for _, img := range h.Images {
			if img.New && img.Ref != img.Upstream {
				lines = append(lines, fmt.Sprintf("skopeo copy --multi-arch all %s %s\n", shellQuote("docker://"+img.Upstream), shellQuote("docker://"+img.Ref)))
			}
		}
		if len(lines) > 0 {
			fmt.Fprintf(&b, "\n# %s (%s)\n%s", h.Hop, h.Version, strings.Join(lines, ""))
			copies += len(lines)
		}
	}
	if copies == 0 {
		b.WriteString("\n# Every image is pulled from kubeadm's default repository: nothing to mirror.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// shellQuote leaves plain image references as they are and single-quotes anything else.
func shellQuote(s string) string {
	plain := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/:._-@+", r)) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}
