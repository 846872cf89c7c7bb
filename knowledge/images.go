package knowledge

import "strings"

// Legacy and current default image repositories; kubeadm treats both as "the default".
const (
	LegacyDefaultRepository = "k8s.gcr.io"
	DefaultRepository       = "registry.k8s.io"
)

// Image is one image kubeadm pulls.
type Image struct {
	Name string `json:"name"` // kube-apiserver, etcd, coredns, pause, ...
	Ref  string `json:"ref"`  // full reference: repo/path:tag
	// Upstream is the same image under the minor's default repository: where to mirror from.
	Upstream string `json:"upstream"`
}

// IsDefaultRepository reports whether repo is one of kubeadm's default repositories.
func IsDefaultRepository(repo string) bool {
	repo = strings.TrimSuffix(repo, "/")
	return repo == "" || repo == LegacyDefaultRepository || repo == DefaultRepository
}

// Images lists what kubeadm of minor m pulls under imageRepository repo ("" for the
// minor's default), at the minor's latest patch.
func (kb *KB) Images(m Minor, repo string) []Image {
	set := kb.ImageSetAt(m)
	if set == nil {
		return nil
	}
	version := set.KubernetesVersion
	if r := kb.Release(m); r != nil && r.LatestPatch != "" {
		version = r.LatestPatch
	}
	return set.images(version, repo)
}

// ImagesForVersion is Images at an exact patch version (control-plane tags follow it).
func (kb *KB) ImagesForVersion(m Minor, version, repo string) []Image {
	set := kb.ImageSetAt(m)
	if set == nil {
		return nil
	}
	return set.images(version, repo)
}

func (s *ImageSet) images(version, repo string) []Image {
	repo = strings.TrimSuffix(repo, "/")
	if repo == "" {
		repo = s.Repository
	}
	def := s.Repository
	corednsPath := "coredns"
	upstreamCorednsPath := s.CoreDNSImagePath
	if upstreamCorednsPath == "" {
		upstreamCorednsPath = "coredns"
	}
	// kubeadm (1.21+) uses coredns/coredns only under its default repository.
	if IsDefaultRepository(repo) {
		corednsPath = upstreamCorednsPath
	}
	mk := func(name, path, tag, upstreamPath string) Image {
		return Image{Name: name, Ref: repo + "/" + path + ":" + tag, Upstream: def + "/" + upstreamPath + ":" + tag}
	}
	var out []Image
	for _, c := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"} {
		out = append(out, mk(c, c, version, c))
	}
	if s.Etcd != "" {
		out = append(out, mk("etcd", "etcd", s.Etcd, "etcd"))
	}
	if s.CoreDNS != "" {
		out = append(out, mk("coredns", corednsPath, s.CoreDNS, upstreamCorednsPath))
	}
	if s.Pause != "" {
		out = append(out, mk("pause", "pause", s.Pause, "pause"))
	}
	return out
}
