package live_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/internal/envtest"
	"github.com/upgrade-lint/upgrade-lint/scanner"
	"github.com/upgrade-lint/upgrade-lint/scanner/live"
)

// TestCollectRoundTrip: linting the snapshot collect writes gives the findings linting the
// live cluster gives (where a finding points may differ: a file and line in the snapshot,
// the object alone live).
func TestCollectRoundTrip(t *testing.T) {
	cp := envtest.Start(t, envtest.V1_21, envtest.User{Name: scannerUser})
	ctx := envtest.Context(t)
	bindShippedRole(t, cp, scannerUser)
	populate(t, ctx, cp.Admin())
	opts := live.Options{Config: cp.Config(scannerUser)}

	c, err := live.Read(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	at := time.Date(2021, 7, 1, 12, 0, 0, 0, time.UTC)
	if err := live.WriteSnapshot(c, dir, at); err != nil {
		t.Fatal(err)
	}
	assertNoSecretValueInDir(t, dir)

	snap, err := scanner.Scan(ctx, scanner.Options{Snapshot: dir})
	if err != nil {
		t.Fatal(err)
	}
	if snap.ServerVersion != c.ServerVersion {
		t.Errorf("snapshot serverVersion = %q, live %q", snap.ServerVersion, c.ServerVersion)
	}
	if len(snap.InputErrors) > 0 {
		t.Errorf("the collected snapshot does not read back cleanly: %+v", snap.InputErrors)
	}
	liveInv := live.Inventory(c)
	if len(snap.APIUses) != len(liveInv.APIUses) {
		t.Errorf("the snapshot gives %d API uses (request metrics), the live read %d", len(snap.APIUses), len(liveInv.APIUses))
	}
	liveFindings := comparable(lint(t, liveInv, "1.21", "1.22"))
	snapFindings := comparable(lint(t, snap, "1.21", "1.22"))
	if len(liveFindings) == 0 {
		t.Fatal("no findings live: the scenario proves nothing")
	}
	if diff := cmp.Diff(liveFindings, snapFindings); diff != "" {
		t.Errorf("findings differ between the live cluster and its snapshot (-live +snapshot):\n%s", diff)
	}
}

// fileLine is a place in a snapshot file, as findings quote it ("cluster/core/pod.yaml:45 ").
var fileLine = regexp.MustCompile(`\S+\.(yaml|yml|json):\d+ `)

// comparable keeps what a finding says, not where in the input it points (a file and line
// exist only in the snapshot, also where a rule quotes them in its text).
func comparable(fs []findings.Finding) []string {
	var out []string
	for _, f := range fs {
		obj := ""
		if f.Source.Object != nil {
			obj = f.Source.Object.String()
		}
		text := strings.Join([]string{f.Hop, f.Severity.String(), f.Rule, f.Component, f.Subject, obj, f.Evidence, f.Message, f.Fix}, " | ")
		out = append(out, fileLine.ReplaceAllString(text, ""))
	}
	sort.Strings(out)
	return out
}

func assertNoSecretValueInDir(t *testing.T, dir string) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.Contains(string(data), secretValue) || strings.Contains(string(data), "aHVudGVyMi1kby1ub3QtcHJpbnQ=") {
			t.Errorf("%s holds a Secret value", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
