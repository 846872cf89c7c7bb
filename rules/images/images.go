// Package images holds the missing-image and pause-image rules: the images each hop pulls,
// under the cluster's image repository, and whether the registry has them.
package images

import (
	"fmt"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/knowledge"
	"github.com/upgrade-lint/upgrade-lint/rules"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// Missing flags images a hop pulls that the registry does not have.
var Missing = &rules.Rule{
	Name:     "missing-image",
	Severity: findings.Error,
	Doc: `An image a hop pulls is not in the registry
kubeadm upgrade pulls, for each hop, kube-apiserver, kube-controller-manager, kube-scheduler and kube-proxy at
the hop's patch version, and the etcd, CoreDNS and pause images its minor pins (from the knowledge base),
under the cluster's imageRepository (kubeadm-config; kubeadm's default for the minor when unset; from 1.21
CoreDNS is coredns/coredns under the default repository and coredns under any other; dns and etcd
repository/tag overrides apply). The kubelets' --pod-infra-container-image is needed too. An air-gapped
mirror that lacks one of them stops the upgrade half-way, so with --registry-check every image is asked of
its registry (a manifest HEAD, with the credentials of ~/.docker/config.json): a missing image is an error at
the first hop that pulls it. A registry that cannot be asked (unreachable, credentials refused) is an
input-error, not a pass; without --registry-check nothing is asked and the report says so under "could not
check". upgrade-lint images -o script prints the skopeo commands that mirror the whole plan.`,
	Run: runMissing,
}

// PauseMismatch flags kubelets whose configured pause image differs from kubeadm's.
var PauseMismatch = &rules.Rule{
	Name:     "pause-image",
	Severity: findings.Warning,
	Doc: `A kubelet's pause image differs from the one kubeadm deploys at a hop
The kubelet's --pod-infra-container-image (kubeadm writes it to /var/lib/kubelet/kubeadm-flags.env at init
and join) names the sandbox image every pod starts with. When it differs from the pause image the hop's
kubeadm pins, two pause images are in play: both must be mirrored, and the configured one is what the
kubelet (and dockershim) keep pulling. Reported once per kubelet, at the first hop whose pause image
differs, with the file and line of the flag.`,
	Run: runPause,
}

func runMissing(p *rules.Pass) {
	if len(p.Inv.ImageChecks) == 0 {
		return // not asked: the report lists the registry under "could not check"
	}
	idx := hopIndex(p)
	for _, img := range HopImages(p.KB, p.Hop, p.Inv.Kubeadm) {
		chk := p.Inv.ImageCheckFor(img.Ref)
		if chk == nil || chk.Status != inventory.ImageMissing || neededEarlier(p, idx, img.Ref) {
			continue
		}
		later := laterHops(p, idx, img.Ref)
		msg := fmt.Sprintf("%s is not in the registry (%s); kubeadm %s pulls it, so the upgrade stops at this hop.", img.Ref, chk.Detail, p.Hop.To)
		if len(later) > 0 {
			msg = fmt.Sprintf("%s is not in the registry (%s); kubeadm %s pulls it (and %s after it), so the upgrade stops at this hop.", img.Ref, chk.Detail, p.Hop.To, strings.Join(later, ", "))
		}
		f := findings.Finding{
			Component: img.Name,
			Subject:   img.Ref,
			Message:   msg,
			Fix:       fmt.Sprintf("Mirror it before the hop: skopeo copy --multi-arch all docker://%s docker://%s (upgrade-lint images -o script prints every copy the plan needs).", img.Upstream, img.Ref),
			Evidence:  "registry HEAD " + img.Ref + ": " + string(chk.Status),
		}
		if p.Inv.Kubeadm != nil {
			f.Source = p.Inv.Kubeadm.Source
		}
		p.Report(f)
	}
	if !p.First() {
		return
	}
	for _, k := range KubeletPauseImages(p.Inv) {
		chk := p.Inv.ImageCheckFor(k.Image)
		if chk == nil || chk.Status != inventory.ImageMissing {
			continue
		}
		p.Report(findings.Finding{
			Component: "kubelet",
			Subject:   k.Image,
			Message:   fmt.Sprintf("The pause image kubelet on %s is configured with, %s, is not in the registry (%s): pods cannot start on a node that has not cached it.", nodeName(k.Node), k.Image, chk.Detail),
			Fix:       fmt.Sprintf("Mirror %s, or point --pod-infra-container-image at a pause image that is mirrored.", k.Image),
			Evidence:  "registry HEAD " + k.Image + ": " + string(chk.Status),
			Source:    k.Source,
		})
	}
}

func runPause(p *rules.Pass) {
	idx := hopIndex(p)
	if idx < 0 {
		return
	}
	pauseAt := func(h knowledge.Hop) (knowledge.Image, bool) {
		for _, img := range HopImages(p.KB, h, p.Inv.Kubeadm) {
			if img.Name == "pause" {
				return img, true
			}
		}
		return knowledge.Image{}, false
	}
	hopPause, ok := pauseAt(p.Hop)
	if !ok {
		return
	}
	// Without a kubeadm-config the cluster's repository is unknown and the plan falls back to
	// kubeadm's default; the kubelet's own repository is then the better guess, so only the
	// tag is judged (a kubelet on a private mirror is not flagged for not using k8s.gcr.io).
	repoKnown := p.Inv.Kubeadm != nil && p.Inv.Kubeadm.ImageRepository != ""
	expected := func(k KubeletPause, img knowledge.Image) string {
		if repoKnown || tagOf(k.Image) == "" {
			return img.Ref
		}
		return withTag(k.Image, tagOf(img.Ref))
	}
	for _, k := range KubeletPauseImages(p.Inv) {
		want := expected(k, hopPause)
		if k.Image == want {
			continue
		}
		earlier := false
		for _, h := range p.Plan.Hops[:idx] {
			if w, ok := pauseAt(h); ok && expected(k, w) != k.Image {
				earlier = true
				break
			}
		}
		if earlier {
			continue
		}
		msg := fmt.Sprintf("kubelet on %s runs every pod's sandbox from %s (--pod-infra-container-image); kubeadm %s deploys %s.", nodeName(k.Node), k.Image, p.Hop.To, want)
		if repoOf(k.Image) != repoOf(want) {
			msg += fmt.Sprintf(" The configured image is not under %s: an air-gapped node cannot pull it from there.", repoOf(want))
		}
		p.Report(findings.Finding{
			Component: "kubelet",
			Subject:   k.Image,
			Message:   msg,
			Fix:       fmt.Sprintf("Set --pod-infra-container-image=%s in %s (and the container runtime's sandbox image to match), then restart the kubelet; until then keep %s mirrored.", want, k.Source.Path, k.Image),
			Evidence:  fmt.Sprintf("%s on %s", k.Image, k.Source),
			Source:    k.Source,
		})
	}
}

func nodeName(n string) string {
	if n == "" {
		return "(no node)"
	}
	return n
}

func hopIndex(p *rules.Pass) int {
	for i, h := range p.Plan.Hops {
		if h == p.Hop {
			return i
		}
	}
	return -1
}

// neededEarlier reports whether an earlier hop of the plan already pulls ref (the finding
// belongs to the first hop that needs the image).
func neededEarlier(p *rules.Pass, idx int, ref string) bool {
	for _, h := range p.Plan.Hops[:max(idx, 0)] {
		for _, img := range HopImages(p.KB, h, p.Inv.Kubeadm) {
			if img.Ref == ref {
				return true
			}
		}
	}
	return false
}

func laterHops(p *rules.Pass, idx int, ref string) []string {
	var out []string
	for _, h := range p.Plan.Hops[idx+1:] {
		for _, img := range HopImages(p.KB, h, p.Inv.Kubeadm) {
			if img.Ref == ref {
				out = append(out, h.To.String())
			}
		}
	}
	return out
}
