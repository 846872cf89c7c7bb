package envtest

import (
	"os"
	"strings"
	"testing"
)

// TestSetupBuildsEveryVersion: the versions tests start are the ones `make test-setup`
// builds; under CI=true a version nobody built fails the live tests.
func TestSetupBuildsEveryVersion(t *testing.T) {
	script, err := os.ReadFile("../../hack/test-setup.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{V1_15, V1_21, Newest} {
		if !strings.Contains(string(script), v) {
			t.Errorf("hack/test-setup.sh does not build kube-apiserver %s", v)
		}
	}
}

func TestTokenFile(t *testing.T) {
	cp := &ControlPlane{Dir: t.TempDir(), tokens: map[string]string{}}
	if err := cp.writeTokens([]User{{Name: Admin, Groups: []string{"system:masters"}}, {Name: "ops", Groups: []string{"a", "b"}}, {Name: "solo"}}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(cp.Dir + "/tokens.csv")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	want := []string{
		cp.tokens[Admin] + `,admin,admin-uid,"system:masters"`,
		cp.tokens["ops"] + `,ops,ops-uid,"a,b"`,
		cp.tokens["solo"] + `,solo,solo-uid`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("tokens.csv:\n%s\nwant:\n%s", raw, strings.Join(want, "\n"))
	}
	if cp.tokens["ops"] == cp.tokens["solo"] || len(cp.tokens["ops"]) != 32 {
		t.Errorf("tokens are not distinct 128-bit values: %v", cp.tokens)
	}
}

func TestMinor(t *testing.T) {
	for in, want := range map[string]int{"1.15.12": 15, "1.37.1": 37, "1": 0, "x.y": 0} {
		if got := minor(in); got != want {
			t.Errorf("minor(%q) = %d, want %d", in, got, want)
		}
	}
}
