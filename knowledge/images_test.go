package knowledge

import (
	"slices"
	"testing"
)

func TestImageSetFacts(t *testing.T) {
	generatedData(t, "images.json")
	kb := MustDefault()
	tests := []struct {
		minor             Minor
		coredns, pause    string
		repository        string
		corednsPath       string
		acceptsKubeadmAPI string
		rejectsKubeadmAPI string
	}{
		{V(14), "1.3.1", "3.1", LegacyDefaultRepository, "coredns", "kubeadm.k8s.io/v1beta1", "kubeadm.k8s.io/v1alpha2"},
		{V(16), "1.6.2", "3.1", LegacyDefaultRepository, "coredns", "kubeadm.k8s.io/v1beta2", "kubeadm.k8s.io/v1alpha3"},
		{V(21), "v1.8.0", "3.4.1", LegacyDefaultRepository, "coredns/coredns", "kubeadm.k8s.io/v1beta2", "kubeadm.k8s.io/v1beta3"},
		{V(27), "v1.10.1", "3.9", DefaultRepository, "coredns/coredns", "kubeadm.k8s.io/v1beta3", "kubeadm.k8s.io/v1beta2"},
		// v1beta4 ships experimental in 1.28 (--allow-experimental-api) and is accepted from 1.31.
		{V(28), "v1.10.1", "3.9", DefaultRepository, "coredns/coredns", "kubeadm.k8s.io/v1beta3", "kubeadm.k8s.io/v1beta4"},
		{V(31), "v1.11.3", "3.10", DefaultRepository, "coredns/coredns", "kubeadm.k8s.io/v1beta4", "kubeadm.k8s.io/v1beta2"},
	}
	for _, tt := range tests {
		t.Run(tt.minor.String(), func(t *testing.T) {
			s := kb.ImageSetAt(tt.minor)
			if s == nil {
				t.Fatal("no image set")
			}
			if s.CoreDNS != tt.coredns || s.Pause != tt.pause || s.Repository != tt.repository || s.CoreDNSImagePath != tt.corednsPath {
				t.Errorf("got coredns %s pause %s repository %s path %s, want %s %s %s %s",
					s.CoreDNS, s.Pause, s.Repository, s.CoreDNSImagePath, tt.coredns, tt.pause, tt.repository, tt.corednsPath)
			}
			if !slices.Contains(s.KubeadmAPIVersions, tt.acceptsKubeadmAPI) {
				t.Errorf("kubeadm API versions %v lack %s", s.KubeadmAPIVersions, tt.acceptsKubeadmAPI)
			}
			if slices.Contains(s.KubeadmAPIVersions, tt.rejectsKubeadmAPI) {
				t.Errorf("kubeadm API versions %v include %s", s.KubeadmAPIVersions, tt.rejectsKubeadmAPI)
			}
		})
	}
}

// kubeadm 1.21 moved CoreDNS to coredns/coredns under its default repository only.
func TestImagesCoreDNSPathRule(t *testing.T) {
	generatedData(t, "images.json")
	kb := MustDefault()
	tests := []struct {
		minor Minor
		repo  string
		want  string
	}{
		{V(21), "registry.example/k8s", "registry.example/k8s/coredns:v1.8.0"},
		{V(21), "", "k8s.gcr.io/coredns/coredns:v1.8.0"},
		{V(21), "k8s.gcr.io", "k8s.gcr.io/coredns/coredns:v1.8.0"},
		{V(20), "", "k8s.gcr.io/coredns:1.7.0"},
		{V(16), "registry.example/k8s/", "registry.example/k8s/coredns:1.6.2"},
	}
	for _, tt := range tests {
		got := imageRef(kb.Images(tt.minor, tt.repo), "coredns")
		if got != tt.want {
			t.Errorf("Images(%s, %q) coredns = %q, want %q", tt.minor, tt.repo, got, tt.want)
		}
	}
	// Control-plane images follow the latest patch; the upstream ref is under the default repository.
	imgs := kb.Images(V(21), "registry.example/k8s")
	if got := imageRef(imgs, "kube-apiserver"); got != "registry.example/k8s/kube-apiserver:v1.21.14" {
		t.Errorf("kube-apiserver = %q", got)
	}
	for _, img := range imgs {
		if img.Name == "coredns" && img.Upstream != "k8s.gcr.io/coredns/coredns:v1.8.0" {
			t.Errorf("coredns upstream = %q", img.Upstream)
		}
		if img.Name == "pause" && img.Ref != "registry.example/k8s/pause:3.4.1" {
			t.Errorf("pause = %q", img.Ref)
		}
	}
}

// kubeadm's default repository moved from k8s.gcr.io to registry.k8s.io, backported to the
// last patches of 1.22.
func TestImagesDefaultRepositoryMove(t *testing.T) {
	generatedData(t, "images.json")
	kb := MustDefault()
	first := Minor{}
	for m := Oldest; !Newest.Less(m); m = m.Next() {
		if s := kb.ImageSetAt(m); s != nil && s.Repository == DefaultRepository && first.IsZero() {
			first = m
		} else if s != nil && !first.IsZero() && s.Repository != DefaultRepository {
			t.Errorf("%s uses %s after %s moved to %s", m, s.Repository, first, DefaultRepository)
		}
	}
	if first != V(22) {
		t.Errorf("first minor on %s is %s, want 1.22 (its latest patch)", DefaultRepository, first)
	}
}

func imageRef(imgs []Image, name string) string {
	for _, img := range imgs {
		if img.Name == name {
			return img.Ref
		}
	}
	return ""
}
