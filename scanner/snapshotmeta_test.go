package scanner

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// collect writes the live read's request metrics and gaps into snapshot.yaml; linting the
// snapshot must see them as the live lint did.
func TestSnapshotMetaEvidenceAndGaps(t *testing.T) {
	dir := t.TempDir()
	meta := `serverVersion: v1.21.14
collectedAt: "2026-11-20T09:12:44Z"
apiUses:
- apiVersion: batch/v1beta1
  resource: cronjobs
  how: apiserver_requested_deprecated_apis
  detail: removed_release=1.25
- how: incomplete entry without a version
unchecked:
- what: secrets
  reason: forbidden
`
	if err := os.WriteFile(filepath.Join(dir, "snapshot.yaml"), []byte(meta), 0o644); err != nil {
		t.Fatal(err)
	}
	inv, err := Scan(context.Background(), Options{Snapshot: dir})
	if err != nil {
		t.Fatal(err)
	}
	if inv.ServerVersion != "v1.21.14" {
		t.Errorf("server version %q", inv.ServerVersion)
	}
	if len(inv.APIUses) != 1 || inv.APIUses[0].Resource != "cronjobs" || inv.APIUses[0].How != "apiserver_requested_deprecated_apis" || inv.APIUses[0].Source.Path != "snapshot.yaml" {
		t.Errorf("API uses: %+v", inv.APIUses)
	}
	found := false
	for _, u := range inv.Unchecked {
		if u.What == "secrets" {
			found = true
		}
	}
	if !found {
		t.Errorf("the collection's gap is not carried over: %+v", inv.Unchecked)
	}
}
