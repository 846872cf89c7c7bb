package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

// Where kubeadm keeps what it deploys; earlier homes are tried after the current one.
const (
	kubeadmConstantsDir = "cmd/kubeadm/app/constants"
	kubeadmDNSDir       = "cmd/kubeadm/app/phases/addons/dns" // CoreDNS version before 1.11
	kubeadmImagesDir    = "cmd/kubeadm/app/images"
	kubeadmAPIDir       = "cmd/kubeadm/app/apis/kubeadm"
	kubeadmConfigDir    = "cmd/kubeadm/app/util/config"
	kubeadmAPIImport    = "k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/"
	kubeadmAPIGroup     = "kubeadm.k8s.io/"
)

// genImages reads kubeadm's images per minor from the pinned k8s.io/kubernetes sources.
func genImages(g *generator) error {
	var sets []knowledge.ImageSet
	var inputs []string
	for _, m := range g.minors() {
		version := g.kubernetesVersion(m)
		dir, err := g.moduleDir("k8s.io/kubernetes", version)
		if err != nil {
			return err
		}
		set, err := readImageSet(m, "k8s.io/kubernetes@"+version, dir)
		if err != nil {
			return fmt.Errorf("%s: %w", version, err)
		}
		set.KubernetesVersion = version
		sets = append(sets, set)
		inputs = append(inputs, "k8s.io/kubernetes@"+version)
	}
	return g.writeData("images.json", inputs, sets)
}

// readImageSet reads kubeadm's defaults out of one extracted k8s.io/kubernetes module.
func readImageSet(m knowledge.Minor, module, root string) (knowledge.ImageSet, error) {
	set := knowledge.ImageSet{Minor: m}
	var sources []string
	cite := func(what, where string) { sources = append(sources, what+": "+where) }

	constants, err := parseGoDir(module, root, kubeadmConstantsDir)
	if err != nil {
		return set, err
	}
	// etcd: the version kubeadm pins for this Kubernetes minor, else its default.
	if byMinor, where, ok := constants.intStringMap("SupportedEtcdVersion"); ok && byMinor[m.Minor] != "" {
		set.Etcd = byMinor[m.Minor]
		cite("etcd", where[m.Minor])
	} else if v, where, ok := constants.stringConst("DefaultEtcdVersion"); ok {
		set.Etcd = v
		cite("etcd", where)
	} else {
		return set, fmt.Errorf("no etcd version in %s", kubeadmConstantsDir)
	}

	if v, where, ok := constants.stringConst("CoreDNSVersion"); ok {
		set.CoreDNS = v
		cite("coredns", where)
	} else {
		dns, err := parseGoDir(module, root, kubeadmDNSDir)
		if err != nil {
			return set, err
		}
		v, where, ok := dns.stringConst("coreDNSVersion")
		if !ok {
			return set, fmt.Errorf("no CoreDNS version in %s or %s", kubeadmConstantsDir, kubeadmDNSDir)
		}
		set.CoreDNS = v
		cite("coredns", where)
	}

	images, err := parseGoDir(module, root, kubeadmImagesDir)
	if err != nil {
		return set, err
	}
	if v, where, ok := constants.stringConst("PauseVersion"); ok {
		set.Pause = v
		cite("pause", where)
	} else if v, where, ok := images.callWithLiteralArgs("GetGenericImage", 1, "pause", 2); ok {
		set.Pause = v
		cite("pause", where)
	} // kubeadm 1.10 does not pull a pause image: the kubelet's own default applies.

	// kubeadm 1.21+ writes the DNS image as <default repository>/coredns/coredns, and only
	// under its default repository (GetDNSImage appends "/coredns" to it).
	set.CoreDNSImagePath = "coredns"
	if fn := images.funcDecl("GetDNSImage"); fn != nil {
		if where, ok := images.stringLitIn(fn, "%s/coredns"); ok {
			set.CoreDNSImagePath = "coredns/coredns"
			cite("coredns path", where)
		}
	}

	repo, where, err := defaultImageRepository(module, root)
	if err != nil {
		return set, err
	}
	set.Repository = repo
	cite("repository", where)

	versions, where, err := kubeadmAPIVersions(module, root)
	if err != nil {
		return set, err
	}
	set.KubeadmAPIVersions = versions
	cite("kubeadm API", where)

	set.Source = strings.Join(sources, "; ")
	return set, nil
}

// defaultImageRepository reads DefaultImageRepository from the newest kubeadm config API
// version that declares it.
func defaultImageRepository(module, root string) (string, string, error) {
	versions, err := kubeadmAPIDirs(root)
	if err != nil {
		return "", "", err
	}
	for i := len(versions) - 1; i >= 0; i-- {
		src, err := parseGoDir(module, root, kubeadmAPIDir+"/"+versions[i])
		if err != nil {
			return "", "", err
		}
		if v, where, ok := src.stringConst("DefaultImageRepository"); ok {
			return v, where, nil
		}
	}
	return "", "", fmt.Errorf("no DefaultImageRepository under %s", kubeadmAPIDir)
}

// kubeadmAPIDirs lists the version directories of kubeadm's config API, oldest first.
func kubeadmAPIDirs(root string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(root, kubeadmAPIDir))
	if err != nil {
		return nil, err
	}
	var versions []string
	for _, e := range entries {
		if e.IsDir() && knowledge.VersionPriority(e.Name()) > 0 {
			versions = append(versions, e.Name())
		}
	}
	sortByAPIPriority(versions)
	return versions, nil
}

// kubeadmAPIVersions lists the config API versions kubeadm registers in its scheme
// (scheme/ from 1.11, install/ before), less those its config loader rejects as too old
// (oldKnownAPIVersions) or experimental (experimentalAPIVersions).
func kubeadmAPIVersions(module, root string) ([]string, string, error) {
	registered := map[string]string{}
	for _, dir := range []string{kubeadmAPIDir + "/scheme", kubeadmAPIDir + "/install"} {
		src, err := parseGoDir(module, root, dir)
		if err != nil {
			return nil, "", err
		}
		for v, where := range src.importsUnder(kubeadmAPIImport) {
			if knowledge.VersionPriority(v) > 0 {
				registered[v] = where
			}
		}
	}
	if len(registered) == 0 {
		return nil, "", fmt.Errorf("no kubeadm API versions registered under %s", kubeadmAPIDir)
	}
	config, err := parseGoDir(module, root, kubeadmConfigDir)
	if err != nil {
		return nil, "", err
	}
	// Too old versions are refused; experimental ones only behind --allow-experimental-api.
	rejected, rejectedAt := config.stringMapKeys("oldKnownAPIVersions")
	experimental, experimentalAt := config.stringMapKeys("experimentalAPIVersions")
	for _, gv := range append(rejected, experimental...) {
		delete(registered, strings.TrimPrefix(gv, kubeadmAPIGroup))
	}
	var versions, sources []string
	for v := range registered {
		versions = append(versions, v)
	}
	sortByAPIPriority(versions)
	for _, v := range versions {
		sources = append(sources, registered[v])
	}
	for _, at := range []string{rejectedAt, experimentalAt} {
		if at != "" {
			sources = append(sources, "less "+at)
		}
	}
	out := make([]string, len(versions))
	for i, v := range versions {
		out[i] = kubeadmAPIGroup + v
	}
	return out, strings.Join(sources, ", "), nil
}

func sortByAPIPriority(versions []string) {
	sort.Slice(versions, func(i, j int) bool {
		return knowledge.VersionPriority(versions[i]) < knowledge.VersionPriority(versions[j])
	})
}
