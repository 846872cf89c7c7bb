package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/knowledge"
)

// pinsFile is pins.json as `gen pins` writes it: Pins plus the newest patch known to
// exist per minor, which can be newer than the pinned one when the proxy refuses it.
type pinsFile struct {
	Kubernetes map[string]string `json:"kubernetes"`
	// Latest maps a minor to its newest patch seen in any version list or probe.
	Latest map[string]string `json:"latest"`
	Notes  []string          `json:"notes,omitempty"`
}

// stagingModules are published with every patch as v0.MINOR.PATCH from 1.15 on: their
// version lists fill the gaps of k8s.io/kubernetes's own (which lists only a few).
var stagingModules = []string{
	"k8s.io/api", "k8s.io/apimachinery", "k8s.io/client-go", "k8s.io/component-base",
	"k8s.io/apiserver", "k8s.io/kubectl", "k8s.io/kubelet", "k8s.io/kube-proxy",
}

// probeSlack is how many refused patches past the newest known one the probe tries
// before it stops: the proxy refuses missing and withheld versions alike (403), so a
// refusal never proves a version absent, but a run of them above every listed version
// is where the probe has to stop.
const probeSlack = 4

// genPins probes the module proxy for the newest obtainable patch of k8s.io/kubernetes
// of every minor from knowledge.Oldest to knowledge.Newest and rewrites pins.json.
func genPins(g *generator) error {
	listed := map[knowledge.Minor]map[int]bool{}
	for _, mod := range append([]string{"k8s.io/kubernetes"}, stagingModules...) {
		versions, err := listVersions(mod)
		if err != nil {
			return err
		}
		for _, v := range versions {
			m, patch, ok := kubernetesPatch(mod, v)
			if !ok {
				continue
			}
			if listed[m] == nil {
				listed[m] = map[int]bool{}
			}
			listed[m][patch] = true
		}
	}
	out := pinsFile{Kubernetes: map[string]string{}, Latest: map[string]string{}}
	for m := knowledge.Oldest; !knowledge.Newest.Less(m); m = m.Next() {
		maxListed := -1
		for p := range listed[m] {
			maxListed = max(maxListed, p)
		}
		obtainable, err := probePatches(m, maxListed)
		if err != nil {
			return err
		}
		latest, pinned := maxListed, -1
		for p := range obtainable {
			latest = max(latest, p)
			pinned = max(pinned, p)
		}
		version := func(p int) string { return fmt.Sprintf("v%d.%d.%d", m.Major, m.Minor, p) }
		// The proxy may describe a version (.info) yet refuse its source zip: the pin is
		// the newest patch whose zip downloads.
		var zipRefused []string
		for ; pinned >= 0; pinned-- {
			if !obtainable[pinned] {
				continue
			}
			if _, err := downloadModule("k8s.io/kubernetes", version(pinned)); err == nil {
				break
			}
			zipRefused = append(zipRefused, version(pinned))
		}
		if pinned < 0 {
			return fmt.Errorf("pins: no patch of %s can be downloaded from the module proxy", m)
		}
		if len(zipRefused) > 0 {
			out.Notes = append(out.Notes, fmt.Sprintf("%s: the proxy describes k8s.io/kubernetes@%s but refuses its source zip",
				m, strings.Join(zipRefused, ", ")))
		}
		out.Kubernetes[m.String()] = version(pinned)
		out.Latest[m.String()] = version(latest)
		if pinned != latest {
			out.Notes = append(out.Notes, fmt.Sprintf("%s: latest patch %s (known from the proxy's version lists or probes) cannot be downloaded; read %s instead",
				m, version(latest), version(pinned)))
		}
		fmt.Fprintf(os.Stderr, "gen: pins: %s latest %s, read %s\n", m, version(latest), version(pinned))
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(g.pinsPath, append(b, '\n'), 0o644); err != nil {
		return err
	}
	g.pins = Pins{Kubernetes: out.Kubernetes, Notes: out.Notes}
	return nil
}

// readLatest returns the newest known patch per minor recorded by `gen pins` (falling
// back to the pinned version for minors it does not record).
func (g *generator) readLatest() (map[string]string, error) {
	latest := map[string]string{}
	for k, v := range g.pins.Kubernetes {
		latest[k] = v
	}
	b, err := os.ReadFile(g.pinsPath)
	if err != nil {
		return nil, err
	}
	var f pinsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", g.pinsPath, err)
	}
	for k, v := range f.Latest {
		latest[k] = v
	}
	return latest, nil
}

// kubernetesPatch maps a module version to the Kubernetes minor and patch it was cut
// from: v1.X.Y for k8s.io/kubernetes, v0.X.Y for staging modules. Pre-releases are skipped.
func kubernetesPatch(module, version string) (knowledge.Minor, int, bool) {
	if strings.ContainsAny(version, "-+") {
		return knowledge.Minor{}, 0, false
	}
	v := version
	if module != "k8s.io/kubernetes" {
		if !strings.HasPrefix(v, "v0.") {
			return knowledge.Minor{}, 0, false
		}
		v = "v1." + strings.TrimPrefix(v, "v0.")
	}
	m, patch, err := knowledge.ParseVersion(v)
	if err != nil || patch < 0 || m.Major != 1 {
		return knowledge.Minor{}, 0, false
	}
	return m, patch, true
}

// listVersions is the proxy's (incomplete) version list of a module.
func listVersions(module string) ([]string, error) {
	out, err := goCommand("list", "-m", "-versions", "-json", module)
	if err != nil {
		return nil, err
	}
	var res struct{ Versions []string }
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("go list -m -versions %s: %w", module, err)
	}
	return res.Versions, nil
}

// probePatches asks the proxy for k8s.io/kubernetes v1.M.0, v1.M.1, … in batches, going on
// until probeSlack consecutive refusals lie beyond maxListed, and returns the patches it
// could obtain.
func probePatches(m knowledge.Minor, maxListed int) (map[int]bool, error) {
	obtainable := map[int]bool{}
	next, lastGood := 0, -1
	for {
		top := max(maxListed, lastGood) + probeSlack
		if next > top {
			return obtainable, nil
		}
		args := []string{"list", "-m", "-e", "-json"}
		for p := next; p <= top; p++ {
			args = append(args, fmt.Sprintf("k8s.io/kubernetes@v%d.%d.%d", m.Major, m.Minor, p))
		}
		out, err := goCommand(args...)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(out))
		for {
			var mod struct {
				Version string
				Error   *struct{ Err string }
			}
			if err := dec.Decode(&mod); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				return nil, fmt.Errorf("go list -m -e -json: %w", err)
			}
			if mod.Error != nil {
				continue
			}
			if _, patch, err := knowledge.ParseVersion(mod.Version); err == nil {
				obtainable[patch] = true
				lastGood = max(lastGood, patch)
			}
		}
		next = top + 1
	}
}

// downloadModule fetches module@version's source zip into the module cache and returns
// its directory, or the proxy's refusal.
func downloadModule(module, version string) (string, error) {
	out, err := goCommand("mod", "download", "-json", module+"@"+version)
	var res struct{ Dir, Error string }
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		if err != nil {
			return "", err
		}
		return "", fmt.Errorf("go mod download %s@%s: %w", module, version, jerr)
	}
	if res.Error != "" {
		return "", errors.New(res.Error)
	}
	return res.Dir, nil
}

// goCommand runs the go tool outside any module, as moduleDir does. The checksum
// database does not know every Kubernetes patch the proxy serves, so k8s.io modules are
// not checked against it.
func goCommand(args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GONOSUMDB=k8s.io")
	cmd.Dir = os.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("go %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}
