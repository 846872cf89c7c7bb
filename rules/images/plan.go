package images

import (
	"sort"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// legacyRepositoryMigratedIn is the first kubeadm whose upgrade rewrites a stored
// imageRepository of k8s.gcr.io to registry.k8s.io (CHANGELOG-1.25, #110343).
var legacyRepositoryMigratedIn = knowledge.V(25)

// HopImages lists the images kubeadm pulls for hop (at the hop's patch version) under the
// cluster's kubeadm configuration: its imageRepository (the minor's default when unset),
// dns.imageRepository/imageTag and etcd.local.imageRepository overrides.
func HopImages(kb *knowledge.KB, hop knowledge.Hop, kc *inventory.KubeadmConfig) []knowledge.Image {
	repo := ""
	if kc != nil {
		repo = strings.TrimSuffix(kc.ImageRepository, "/")
	}
	if repo == knowledge.LegacyDefaultRepository && hop.To.AtLeast(legacyRepositoryMigratedIn) {
		repo = ""
	}
	imgs := kb.ImagesForVersion(hop.To, hop.Version, repo)
	if kc == nil {
		return imgs
	}
	for i, img := range imgs {
		switch img.Name {
		case "coredns":
			if kc.DNSImageRepository != "" {
				for _, o := range kb.ImagesForVersion(hop.To, hop.Version, kc.DNSImageRepository) {
					if o.Name == "coredns" {
						img.Ref = o.Ref
					}
				}
			}
			if kc.DNSImageTag != "" {
				img.Ref = withTag(img.Ref, kc.DNSImageTag)
				img.Upstream = withTag(img.Upstream, kc.DNSImageTag)
			}
		case "etcd":
			if kc.EtcdImageRepository != "" {
				img.Ref = strings.TrimSuffix(kc.EtcdImageRepository, "/") + "/etcd:" + tagOf(img.Ref)
			}
		}
		imgs[i] = img
	}
	return imgs
}

// Repository is the image repository the plan uses and where that came from.
func Repository(kc *inventory.KubeadmConfig) (repo, source string) {
	if kc != nil && kc.ImageRepository != "" {
		return kc.ImageRepository, "kubeadm-config imageRepository"
	}
	return "", "kubeadm's default for each minor"
}

// KubeletPause is the sandbox (pause) image one kubelet is configured with.
type KubeletPause struct {
	Node   string
	Image  string
	Source findings.Source
}

// KubeletPauseImages lists the --pod-infra-container-image of every kubelet configuration
// in the inventory, by node.
func KubeletPauseImages(inv *inventory.Inventory) []KubeletPause {
	var out []KubeletPause
	for _, c := range inv.ComponentsNamed("kubelet") {
		for _, f := range c.Flags {
			if f.Name == "pod-infra-container-image" && f.Value != "" {
				out = append(out, KubeletPause{Node: c.Node, Image: f.Value, Source: f.Source})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Node < out[j].Node })
	return out
}

// RefsToCheck lists every image reference the plan needs, deduplicated and sorted: each
// hop's kubeadm images and each kubelet's configured pause image.
func RefsToCheck(kb *knowledge.KB, hops []knowledge.Hop, inv *inventory.Inventory) []string {
	seen := map[string]bool{}
	var out []string
	add := func(ref string) {
		if !seen[ref] {
			seen[ref] = true
			out = append(out, ref)
		}
	}
	for _, h := range hops {
		for _, img := range HopImages(kb, h, inv.Kubeadm) {
			add(img.Ref)
		}
	}
	for _, k := range KubeletPauseImages(inv) {
		add(k.Image)
	}
	sort.Strings(out)
	return out
}

// tagOf returns the tag of ref ("" without one; a digest is not a tag).
func tagOf(ref string) string {
	last := ref[strings.LastIndex(ref, "/")+1:]
	if i := strings.LastIndex(last, ":"); i >= 0 && !strings.Contains(last, "@") {
		return last[i+1:]
	}
	return ""
}

func withTag(ref, tag string) string {
	if t := tagOf(ref); t != "" {
		ref = ref[:len(ref)-len(t)-1]
	}
	return ref + ":" + tag
}

// repoOf returns ref without its last path element and tag: the repository it lives under.
func repoOf(ref string) string {
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		return ref[:i]
	}
	return ""
}
