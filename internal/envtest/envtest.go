// Package envtest starts a real etcd and kube-apiserver on loopback for tests, as
// controller-runtime's envtest does, from binaries built by hack/build-control-plane.sh
// (kube-apiserver, cached by version under $UPGRADE_LINT_ENVTEST) and Debian's etcd-server.
//
// Tests that need a control plane call Start; it skips the test when the binaries are
// missing, unless CI=true, where a missing binary is a failure: CI must test against the
// real thing.
package envtest

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Versions the project builds (hack/test-setup.sh builds them; keep the two in step).
const (
	// V1_15 serves extensions/v1beta1 Deployments, DaemonSets and ReplicaSets (removed in
	// 1.16) and predates apiserver_requested_deprecated_apis.
	V1_15 = "1.15.12"
	// V1_21 serves networking.k8s.io/v1beta1 Ingress and apiextensions.k8s.io/v1beta1, and
	// exports apiserver_requested_deprecated_apis.
	V1_21 = "1.21.14"
	// Newest is the newest release the project builds.
	Newest = "1.37.1"
)

// User is a static-token user of the test API server.
type User struct {
	Name   string
	Groups []string
}

// Admin is the user of ControlPlane.Admin: a member of system:masters.
const Admin = "admin"

// ControlPlane is a running etcd + kube-apiserver.
type ControlPlane struct {
	Version string
	// Host is the API server's URL (https://127.0.0.1:PORT).
	Host string
	Dir  string

	tokens    map[string]string
	apiserver *exec.Cmd
	etcd      *exec.Cmd
	apiExit   chan error
	etcdExit  chan error
}

// Root is where built binaries are cached: $UPGRADE_LINT_ENVTEST, or
// ~/.cache/upgrade-lint/envtest.
func Root() string {
	if d := os.Getenv("UPGRADE_LINT_ENVTEST"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "upgrade-lint", "envtest")
}

// Binaries returns the kube-apiserver of version and an etcd, or an error naming what is
// missing and how to get it.
func Binaries(version string) (apiserver, etcd string, err error) {
	apiserver = filepath.Join(Root(), version, "kube-apiserver")
	if _, err := os.Stat(apiserver); err != nil {
		return "", "", fmt.Errorf("no kube-apiserver %s at %s (run `make test-setup`)", version, apiserver)
	}
	for _, c := range []string{filepath.Join(Root(), "etcd"), "/usr/bin/etcd"} {
		if _, err := os.Stat(c); err == nil {
			return apiserver, c, nil
		}
	}
	if p, err := exec.LookPath("etcd"); err == nil {
		return apiserver, p, nil
	}
	return "", "", errors.New("no etcd (install Debian's etcd-server package)")
}

// Start starts etcd and kube-apiserver version for the test and stops them when it ends.
// users get static bearer tokens (Admin is always there). The test is skipped when the
// binaries are missing, unless CI=true.
func Start(t testing.TB, version string, users ...User) *ControlPlane {
	t.Helper()
	apiserver, etcd, err := Binaries(version)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("envtest: %v", err)
		}
		t.Skipf("envtest: %v", err)
	}
	cp, err := start(apiserver, etcd, version, t.TempDir(), users)
	if cp != nil {
		t.Cleanup(cp.Stop)
	}
	if err != nil {
		t.Fatalf("envtest: starting kube-apiserver %s: %v", version, err)
	}
	return cp
}

func start(apiserverBin, etcdBin, version, dir string, users []User) (*ControlPlane, error) {
	cp := &ControlPlane{Version: version, Dir: dir, tokens: map[string]string{}}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	peerURL := "http://127.0.0.1:" + strconv.Itoa(ports[1])
	cp.Host = "https://127.0.0.1:" + strconv.Itoa(ports[2])

	cp.etcd, cp.etcdExit, err = launch(dir, "etcd", etcdBin,
		"--name=test", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=test="+peerURL)
	if err != nil {
		return cp, err
	}

	if err := cp.writeTokens(append([]User{{Name: Admin, Groups: []string{"system:masters"}}}, users...)); err != nil {
		return cp, err
	}
	if err := writeServiceAccountKey(dir); err != nil {
		return cp, err
	}
	args := []string{
		"--advertise-address=127.0.0.1", "--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(ports[2]),
		"--cert-dir=" + filepath.Join(dir, "certs"),
		"--etcd-servers=" + etcdURL,
		"--service-cluster-ip-range=10.0.0.0/24",
		"--service-account-issuer=" + cp.Host,
		"--service-account-key-file=" + filepath.Join(dir, "sa.key"),
		"--service-account-signing-key-file=" + filepath.Join(dir, "sa.key"),
		"--token-auth-file=" + filepath.Join(dir, "tokens.csv"),
		"--authorization-mode=RBAC",
		"--disable-admission-plugins=ServiceAccount",
		"--allow-privileged=true",
		// No kubernetes Service endpoints: newer servers refuse a loopback advertise address for them.
		"--endpoint-reconciler-type=none",
	}
	if minor(version) < 20 {
		args = append(args, "--insecure-port=0") // the default 8080 would clash between tests
	}
	cp.apiserver, cp.apiExit, err = launch(dir, "kube-apiserver", apiserverBin, args...)
	if err != nil {
		return cp, err
	}
	return cp, cp.waitReady()
}

// launch starts a process logging to dir/NAME.log; its exit is reported on the channel.
func launch(dir, name, bin string, args ...string) (*exec.Cmd, chan error, error) {
	log, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive the test binary
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, nil, err
	}
	exit := make(chan error, 1)
	go func() { exit <- cmd.Wait(); log.Close() }()
	return cmd, exit, nil
}

// waitReady polls /readyz (/healthz before 1.16) until the API server answers 200,
// including its RBAC bootstrap, and its system namespaces exist, or gives up after a minute.
func (cp *ControlPlane) waitReady() error {
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	path := "/readyz"
	if minor(cp.Version) < 16 {
		path = "/healthz"
	}
	deadline := time.Now().Add(time.Minute)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last string
	for time.Now().Before(deadline) {
		select {
		case err := <-cp.apiExit:
			cp.apiExit <- err
			return fmt.Errorf("kube-apiserver exited (%v): %s", err, tail(filepath.Join(cp.Dir, "kube-apiserver.log")))
		case err := <-cp.etcdExit:
			cp.etcdExit <- err
			return fmt.Errorf("etcd exited (%v): %s", err, tail(filepath.Join(cp.Dir, "etcd.log")))
		case <-tick.C:
		}
		// Ready means serving and bootstrapped: the system namespaces, which a controller of
		// the API server creates shortly after /readyz, exist too (tests create objects in them).
		ok := true
		for _, p := range []string{path, "/api/v1/namespaces/default", "/api/v1/namespaces/kube-system"} {
			req, _ := http.NewRequest(http.MethodGet, cp.Host+p, nil)
			req.Header.Set("Authorization", "Bearer "+cp.tokens[Admin])
			resp, err := client.Do(req)
			if err != nil {
				last, ok = err.Error(), false
				break
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				last, ok = p+": "+resp.Status, false
				break
			}
		}
		if ok {
			return nil
		}
	}
	return fmt.Errorf("not ready after a minute (last: %s): %s", last, tail(filepath.Join(cp.Dir, "kube-apiserver.log")))
}

// Stop stops the API server, then etcd, and waits for both: an API server still draining
// would otherwise reconnect to another test's etcd.
func (cp *ControlPlane) Stop() {
	stop(cp.apiserver, cp.apiExit)
	stop(cp.etcd, cp.etcdExit)
	cp.apiserver, cp.etcd = nil, nil
}

func stop(cmd *exec.Cmd, exit chan error) {
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exit:
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		<-exit
	}
}

// Config returns a client config that authenticates as user (one given to Start, or Admin).
func (cp *ControlPlane) Config(user string) *rest.Config {
	return &rest.Config{
		Host:            cp.Host,
		BearerToken:     cp.tokens[user],
		TLSClientConfig: rest.TLSClientConfig{Insecure: true},
		QPS:             100,
		Burst:           200,
		// Tests write through deprecated versions on purpose.
		WarningHandler: rest.NoWarnings{},
	}
}

// Admin returns a client config for a member of system:masters.
func (cp *ControlPlane) Admin() *rest.Config { return cp.Config(Admin) }

// WriteKubeconfig writes a kubeconfig for user into the control plane's directory and
// returns its path, for commands that take --kubeconfig.
func (cp *ControlPlane) WriteKubeconfig(user string) (string, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["test"] = &clientcmdapi.Cluster{Server: cp.Host, InsecureSkipTLSVerify: true}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: cp.tokens[user]}
	cfg.Contexts["test"] = &clientcmdapi.Context{Cluster: "test", AuthInfo: user}
	cfg.CurrentContext = "test"
	path := filepath.Join(cp.Dir, "kubeconfig-"+user)
	return path, clientcmd.WriteToFile(*cfg, path)
}

func (cp *ControlPlane) writeTokens(users []User) error {
	var b strings.Builder
	for _, u := range users {
		raw := make([]byte, 16)
		if _, err := rand.Read(raw); err != nil {
			return err
		}
		tok := hex.EncodeToString(raw)
		cp.tokens[u.Name] = tok
		// token,user,uid,"group1,group2"
		fmt.Fprintf(&b, "%s,%s,%s-uid", tok, u.Name, u.Name)
		if len(u.Groups) > 0 {
			fmt.Fprintf(&b, ",%q", strings.Join(u.Groups, ","))
		}
		b.WriteString("\n")
	}
	return os.WriteFile(filepath.Join(cp.Dir, "tokens.csv"), []byte(b.String()), 0o600)
}

func writeServiceAccountKey(dir string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	block := &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}
	return os.WriteFile(filepath.Join(dir, "sa.key"), pem.EncodeToMemory(block), 0o600)
}

// freePorts asks the kernel for n free loopback ports.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// minor returns 21 for "1.21.14".
func minor(version string) int {
	parts := strings.Split(version, ".")
	if len(parts) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(parts[1])
	return n
}

// tail returns the last lines of a log, for error messages.
func tail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > 15 {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// Context returns a context for one test's calls, ended with the test.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}
