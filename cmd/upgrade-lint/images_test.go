package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/upgrade-lint/upgrade-lint/findings"
)

func runImages(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newImagesCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	return out.String(), err
}

func TestImagesTextListsEachImageOnceAtItsFirstHop(t *testing.T) {
	out, err := runImages(t, "--from", "1.14", "--to", "1.21", "--image-repository", "registry.corp.example/k8s")
	if err != nil {
		t.Fatal(err)
	}
	hop := map[string]string{} // image -> hop it is listed under
	current := ""
	for _, line := range strings.Split(out, "\n") {
		switch {
		case strings.HasPrefix(line, "1."):
			current, _, _ = strings.Cut(line, " ")
		case strings.HasPrefix(line, "  registry.corp.example/k8s/"):
			ref := strings.TrimSpace(line)
			if prev, ok := hop[ref]; ok {
				t.Errorf("%s listed at %s and again at %s", ref, prev, current)
			}
			hop[ref] = current
		}
	}
	for ref, want := range map[string]string{
		"registry.corp.example/k8s/pause:3.1":                        "1.14->1.15",
		"registry.corp.example/k8s/pause:3.2":                        "1.17->1.18",
		"registry.corp.example/k8s/pause:3.4.1":                      "1.20->1.21",
		"registry.corp.example/k8s/coredns:1.6.2":                    "1.15->1.16",
		"registry.corp.example/k8s/coredns:v1.8.0":                   "1.20->1.21",
		"registry.corp.example/k8s/etcd:3.4.13-0":                    "1.18->1.19",
		"registry.corp.example/k8s/kube-apiserver:v1.19.16":          "1.18->1.19",
		"registry.corp.example/k8s/kube-controller-manager:v1.21.14": "1.20->1.21",
	} {
		if hop[ref] != want {
			t.Errorf("%s listed at %q, want %q", ref, hop[ref], want)
		}
	}
	if len(hop) != 7*4+4+6+3 { // control plane per hop; 4 etcd, 6 CoreDNS and 3 pause tags
		t.Errorf("%d distinct images listed:\n%s", len(hop), out)
	}
}

// TestImagesScriptMirrors runs the generated script with a stand-in skopeo that records
// its arguments, and checks the copies: upstream of each minor to the private repository.
func TestImagesScriptMirrors(t *testing.T) {
	out, err := runImages(t, "--from", "1.20", "--to", "1.22", "--image-repository", "registry.corp.example/k8s", "-o", "script")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "copies")
	fake := "#!/bin/sh\necho \"$@\" >> " + log + "\n"
	if err := os.WriteFile(filepath.Join(dir, "skopeo"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "mirror.sh")
	if err := os.WriteFile(script, []byte(out), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", script)
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("script failed: %v\n%s\n%s", err, b, out)
	}
	b, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSpace(string(b)), "\n")
	want := []string{
		"copy --multi-arch all docker://k8s.gcr.io/kube-apiserver:v1.21.14 docker://registry.corp.example/k8s/kube-apiserver:v1.21.14",
		"copy --multi-arch all docker://k8s.gcr.io/kube-controller-manager:v1.21.14 docker://registry.corp.example/k8s/kube-controller-manager:v1.21.14",
		"copy --multi-arch all docker://k8s.gcr.io/kube-scheduler:v1.21.14 docker://registry.corp.example/k8s/kube-scheduler:v1.21.14",
		"copy --multi-arch all docker://k8s.gcr.io/kube-proxy:v1.21.14 docker://registry.corp.example/k8s/kube-proxy:v1.21.14",
		"copy --multi-arch all docker://k8s.gcr.io/etcd:3.4.13-0 docker://registry.corp.example/k8s/etcd:3.4.13-0",
		"copy --multi-arch all docker://k8s.gcr.io/coredns/coredns:v1.8.0 docker://registry.corp.example/k8s/coredns:v1.8.0",
		"copy --multi-arch all docker://k8s.gcr.io/pause:3.4.1 docker://registry.corp.example/k8s/pause:3.4.1",
		"copy --multi-arch all docker://registry.k8s.io/kube-apiserver:v1.22.17 docker://registry.corp.example/k8s/kube-apiserver:v1.22.17",
		"copy --multi-arch all docker://registry.k8s.io/kube-controller-manager:v1.22.17 docker://registry.corp.example/k8s/kube-controller-manager:v1.22.17",
		"copy --multi-arch all docker://registry.k8s.io/kube-scheduler:v1.22.17 docker://registry.corp.example/k8s/kube-scheduler:v1.22.17",
		"copy --multi-arch all docker://registry.k8s.io/kube-proxy:v1.22.17 docker://registry.corp.example/k8s/kube-proxy:v1.22.17",
		"copy --multi-arch all docker://registry.k8s.io/etcd:3.5.6-0 docker://registry.corp.example/k8s/etcd:3.5.6-0",
		"copy --multi-arch all docker://registry.k8s.io/coredns/coredns:v1.8.4 docker://registry.corp.example/k8s/coredns:v1.8.4",
		"copy --multi-arch all docker://registry.k8s.io/pause:3.5 docker://registry.corp.example/k8s/pause:3.5",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("copies (-want +got):\n%s", d)
	}
}

func TestImagesSnapshotJSON(t *testing.T) {
	out, err := runImages(t, "--from", "1.14", "--to", "1.21", "--snapshot", demo, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"hop": "1.14->1.15"`) {
		t.Errorf("hops are not written as 1.14->1.15 (HTML-escaped?):\n%.600s", out)
	}
	var plan imagePlan
	if err := json.Unmarshal([]byte(out), &plan); err != nil {
		t.Fatal(err)
	}
	if plan.Repository != "registry.corp.example/k8s" || plan.RepositorySource != "kubeadm-config imageRepository" || len(plan.Hops) != 7 {
		t.Fatalf("plan = %+v", plan)
	}
	if len(plan.Kubelets) != 2 {
		t.Fatalf("kubelets = %+v, want master-0 and worker-0", plan.Kubelets)
	}
	for _, k := range plan.Kubelets {
		if k.Image != "registry.corp.example/k8s/pause:3.1" || !k.Differs || k.Source == "" {
			t.Errorf("kubelet %+v: configured 3.1, the plan ends at 3.4.1", k)
		}
	}
}

func TestImagesUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--to", "1.21"},
		{"--from", "1.14", "--to", "1.21", "-o", "yaml"},
		{"--from", "1.21", "--to", "1.14"},
	} {
		_, err := runImages(t, args...)
		var ee *exitError
		if err == nil || !asExit(err, &ee) || ee.code != 2 {
			t.Errorf("%v: err = %v, want a usage error (exit 2)", args, err)
		}
	}
}

func asExit(err error, target **exitError) bool {
	e, ok := err.(*exitError)
	*target = e
	return ok
}

// TestRegistryCheckUnreachableIsAnInputError runs the lint with --registry-check against
// a registry that does not listen: the report has an input error, not a pass; without
// the flag the registry is listed as not asked.
func TestRegistryCheckUnreachableIsAnInputError(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "cluster", "kube-system"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kubeadm-config\n  namespace: kube-system\ndata:\n  ClusterConfiguration: |\n    apiVersion: kubeadm.k8s.io/v1beta2\n    kind: ClusterConfiguration\n    imageRepository: " + host + "/k8s\n"
	if err := os.WriteFile(filepath.Join(dir, "cluster", "kube-system", "kubeadm-config.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	result := func(extra ...string) findings.Result {
		r := runCLI(t, append([]string{"--from", "1.17", "--to", "1.18", "--snapshot", dir, "-o", "json", "--fail-on", "never"}, extra...)...)
		var res findings.Result
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatalf("%v\n%s%s", err, r.stdout, r.stderr)
		}
		return res
	}
	res := result("--registry-check")
	found := false
	for _, f := range res.Findings {
		if f.Rule == "input-error" && f.Subject == "registry "+host && f.Severity == findings.Error && strings.Contains(f.Message, host+"/k8s/pause:3.2") {
			found = true
		}
	}
	if !found {
		t.Errorf("no input-error for the unreachable registry: %+v", res.Findings)
	}
	notAsked := func(res findings.Result) bool {
		for _, u := range res.Unchecked {
			if strings.HasPrefix(u.Reason, "registry not asked") {
				return true
			}
		}
		return false
	}
	if notAsked(res) {
		t.Error("with --registry-check the registry is asked")
	}
	if !notAsked(result()) {
		t.Error("without --registry-check the report should say the registry was not asked")
	}
}

func TestImagesTextHeaderWithDefaultRepository(t *testing.T) {
	out, err := runImages(t, "--from", "1.20", "--to", "1.22")
	if err != nil {
		t.Fatal(err)
	}
	want := "Images for 1.20 -> 1.22 under kubeadm's default for each minor; each image is listed at the first hop that pulls it.\n"
	if !strings.HasPrefix(out, want) {
		t.Errorf("header:\n%s\nwant:\n%s", strings.SplitN(out, "\n", 2)[0], want)
	}
}
