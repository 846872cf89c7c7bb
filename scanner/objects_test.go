package scanner

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

func TestObjectFromMapUses(t *testing.T) {
	body := map[string]any{
		"apiVersion": "apps/v1",
		"kind":       "Deployment",
		"metadata": map[string]any{
			"name": "web", "namespace": "prod",
			"annotations": map[string]any{
				lastAppliedAnnotation: `{"apiVersion":"extensions/v1beta1","kind":"Deployment","metadata":{"name":"web"}}`,
			},
			"managedFields": []any{
				map[string]any{"manager": "kubectl", "operation": "Update", "apiVersion": "extensions/v1beta1", "time": "2019-01-01T00:00:00Z"},
				map[string]any{"manager": "kubectl", "operation": "Update", "apiVersion": "apps/v1", "time": "2020-01-01T00:00:00Z"},
				map[string]any{"manager": "helm", "operation": "Update", "apiVersion": "apps/v1beta2", "time": "2019-06-01T00:00:00Z"},
				map[string]any{"manager": "old", "operation": "Update", "apiVersion": "apps/v1", "time": "2018-01-01T00:00:00Z"},
				map[string]any{"manager": "old", "operation": "Update", "apiVersion": "apps/v1beta1", "time": "2019-01-01T00:00:00Z"},
			},
		},
	}
	o := ObjectFromMap(body, inventory.FromCluster, inventory.Source{Path: "cluster/web.yaml", Line: 3})
	if o.Name != "web" || o.Namespace != "prod" || o.Source.Object == nil || o.Source.Object.Name != "web" {
		t.Fatalf("object = %+v", o)
	}
	type use struct {
		APIVersion, How string
		Stale           bool
	}
	var got []use
	for _, u := range o.Uses {
		got = append(got, use{u.APIVersion, u.How, u.Stale})
		if u.Kind != "Deployment" || u.Source.Path != "cluster/web.yaml" {
			t.Errorf("use %+v", u)
		}
	}
	want := []use{
		{"extensions/v1beta1", "last-applied-configuration", false},
		{"extensions/v1beta1", "managedFields", true}, // kubectl wrote apps/v1 later
		{"apps/v1", "managedFields", false},
		{"apps/v1beta2", "managedFields", false},
		{"apps/v1", "managedFields", false},
		{"apps/v1beta1", "managedFields", false}, // a later write in an older version supersedes nothing
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("uses (-want +got):\n%s", diff)
	}
	if d := o.Uses[1].Detail; d != "manager=kubectl operation=Update time=2019-01-01T00:00:00Z" {
		t.Errorf("detail = %q", d)
	}
	// A manifest's own apiVersion is its evidence: no derived uses.
	if m := ObjectFromMap(body, inventory.FromManifest, inventory.Source{}); len(m.Uses) != 0 {
		t.Errorf("manifest uses = %+v", m.Uses)
	}
	if ObjectFromMap(map[string]any{"kind": "X"}, inventory.FromCluster, inventory.Source{}) != nil {
		t.Error("object without apiVersion accepted")
	}
}

// helmRecord encodes a release as Helm 3 stores it: JSON, gzip, base64.
func helmRecord(t *testing.T, name string, revision int, status, manifest string) string {
	t.Helper()
	rel := map[string]any{
		"name": name, "namespace": "apps", "version": revision, "manifest": manifest,
		"info":  map[string]any{"status": status},
		"chart": map[string]any{"metadata": map[string]any{"name": "web", "version": "1.2.3"}},
	}
	js, err := json.Marshal(rel)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(js)
	zw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func TestHelmReleases(t *testing.T) {
	manifest := "---\n# Source: web/templates/ing.yaml\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: web\n" +
		"---\n# Source: web/templates/crb.yaml\napiVersion: rbac.authorization.k8s.io/v1beta1\nkind: ClusterRoleBinding\nmetadata:\n  name: web\n"
	secret := func(revision int, status, manifest string) string {
		record := helmRecord(t, "web", revision, status, manifest)
		return "apiVersion: v1\nkind: Secret\ntype: helm.sh/release.v1\nmetadata:\n  name: sh.helm.release.v1.web.v" + itoa(revision) +
			"\n  namespace: apps\n  labels:\n    owner: helm\n    name: web\n    status: " + status + "\n    version: \"" + itoa(revision) + "\"\n" +
			"data:\n  release: " + base64.StdEncoding.EncodeToString([]byte(record)) + "\n"
	}
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "cluster"), 0o755)
	docs := []string{
		secret(1, "superseded", "apiVersion: apps/v1beta1\nkind: Deployment\nmetadata:\n  name: old\n"),
		secret(2, "deployed", manifest),
		secret(3, "failed", "apiVersion: apps/v1beta2\nkind: Deployment\nmetadata:\n  name: failed\n"),
		// A ConfigMap-stored release: base64 only once.
		"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other.v1\n  namespace: apps\n  labels: {owner: helm, name: other, status: deployed, version: \"1\"}\n" +
			"data:\n  release: " + helmRecord(t, "other", 1, "deployed", "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: job\n") + "\n",
	}
	os.WriteFile(filepath.Join(dir, "cluster", "secrets.yaml"), []byte(strings.Join(docs, "---\n")), 0o644)
	inv, err := Scan(context.Background(), Options{Snapshot: dir})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range inv.Objects {
		if o.Origin != inventory.FromHelm {
			continue
		}
		if len(o.Uses) != 1 || o.Uses[0].How != "helm-release" {
			t.Fatalf("uses = %+v", o.Uses)
		}
		got = append(got, o.APIVersion+" "+o.Kind+" "+o.Namespace+"/"+o.Name+" @"+o.Source.String()+" | "+o.Uses[0].Detail)
	}
	want := []string{
		"extensions/v1beta1 Ingress apps/web @cluster/secrets.yaml:15 Secret apps/sh.helm.release.v1.web.v2 | release=web namespace=apps revision=2 chart=web-1.2.3 template=web/templates/ing.yaml",
		"rbac.authorization.k8s.io/v1beta1 ClusterRoleBinding /web @cluster/secrets.yaml:15 Secret apps/sh.helm.release.v1.web.v2 | release=web namespace=apps revision=2 chart=web-1.2.3 template=web/templates/crb.yaml",
		"batch/v1beta1 CronJob apps/job @cluster/secrets.yaml:43 ConfigMap apps/other.v1 | release=other namespace=apps revision=1 chart=web-1.2.3",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("helm objects (-want +got):\n%s", diff)
	}
	// The release payloads are not kept.
	for _, o := range inv.Objects {
		if o.Origin == inventory.FromCluster && dataString(o, "release") != "" {
			t.Errorf("%s keeps its release payload", o.Source)
		}
	}
}

func TestSecretsAreRedacted(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "cluster"), 0o755)
	os.WriteFile(filepath.Join(dir, "cluster", "s.yaml"), []byte(`apiVersion: v1
kind: Secret
metadata:
  name: creds
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"apiVersion":"v1","kind":"Secret","data":{"password":"aHVudGVyMg=="}}'
data:
  password: aHVudGVyMg==
stringData:
  token: hunter2
`), 0o644)
	inv, err := Scan(context.Background(), Options{Snapshot: dir})
	if err != nil {
		t.Fatal(err)
	}
	o := inv.Object("Secret", "", "creds")
	var dump strings.Builder
	json.NewEncoder(&dump).Encode(o.Body)
	if strings.Contains(dump.String(), "aHVudGVyMg") || strings.Contains(dump.String(), "hunter2") {
		t.Errorf("secret value kept in body: %s", dump.String())
	}
	var nodeValues []string
	var walk func(n *yamlNode)
	walk = func(n *yamlNode) {
		nodeValues = append(nodeValues, n.Value)
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(o.Node)
	if s := strings.Join(nodeValues, " "); strings.Contains(s, "aHVudGVyMg") || strings.Contains(s, "hunter2") {
		t.Errorf("secret value kept in node: %s", s)
	}
	if len(o.Uses) != 1 || o.Uses[0].How != "last-applied-configuration" {
		t.Errorf("uses = %+v", o.Uses)
	}
	if _, ok := o.Body["data"].(map[string]any)["password"]; !ok {
		t.Error("secret keys should stay")
	}
}

func TestManifestFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, text string) {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(text), 0o644)
	}
	write("m/a.yaml", `# leading comment
---
apiVersion: v1
kind: List
items:
- apiVersion: extensions/v1beta1
  kind: Ingress
  metadata: {name: i1, namespace: ns}
- {apiVersion: v1, kind: Service, metadata: {name: s1}}
--- # a marker with a comment
base: &base
  kind: ConfigMap
apiVersion: v1
<<: *base
metadata:
  name: merged
...
`)
	write("m/sub/b.json", "{\n\t\"apiVersion\": \"apps/v1beta2\",\n\t\"kind\": \"Deployment\",\n\t\"metadata\": {\"name\": \"d\"}\n}\n")
	write("m/.git/c.yaml", "apiVersion: v1\nkind: Secret\nmetadata: {name: hidden}\n")
	write("m/notes.txt", "apiVersion: v1\nkind: Secret\nmetadata: {name: txt}\n")
	write("m/values.yaml", "replicas: 3\nimage: x\n")
	write("m/bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [oops\n")
	t.Chdir(dir)
	inv, err := Scan(context.Background(), Options{
		Files: []string{"m", "-"},
		Stdin: strings.NewReader("apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: c\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range inv.Objects {
		if o.Origin != inventory.FromManifest {
			t.Errorf("%s origin %s", o.Source, o.Origin)
		}
		got = append(got, o.APIVersion+" "+o.Kind+" "+o.Name+" @"+o.Source.Path+":"+itoa(o.Source.Line))
	}
	want := []string{
		"extensions/v1beta1 Ingress i1 @m/a.yaml:6",
		"v1 Service s1 @m/a.yaml:9",
		"v1 ConfigMap merged @m/a.yaml:13",
		"apps/v1beta2 Deployment d @m/sub/b.json:2",
		"batch/v1beta1 CronJob c @<stdin>:1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("objects (-want +got):\n%s", diff)
	}
	if len(inv.InputErrors) != 1 || inv.InputErrors[0].Source.Path != "m/bad.yaml" || inv.InputErrors[0].Source.Line != 4 {
		t.Errorf("input errors = %+v", inv.InputErrors)
	}
}

type yamlNode = yaml.Node

// A Secret a chart renders keeps no value in the inventory, like a cluster Secret.
func TestHelmRenderedSecretRedacted(t *testing.T) {
	manifest := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: c2VjcmV0\nstringData:\n  token: plain\n"
	o := &inventory.Object{Kind: "Secret", Namespace: "apps", Name: "sh.helm.release.v1.db.v1", Origin: inventory.FromCluster,
		Body: map[string]any{"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1",
			"data": map[string]any{"release": base64.StdEncoding.EncodeToString([]byte(helmRecord(t, "db", 1, "deployed", manifest)))}}}
	objs, err := HelmReleaseObjects(o)
	if err != nil || len(objs) != 1 {
		t.Fatalf("objects %v, err %v", objs, err)
	}
	for _, field := range []string{"data", "stringData"} {
		m, _ := objs[0].Body[field].(map[string]any)
		for k, v := range m {
			if v != "" {
				t.Errorf("%s.%s = %q: a rendered Secret's value is kept", field, k, v)
			}
		}
	}
}

// A node root given as "/" or "." (upgrade-lint run on the node) is named after the host,
// not after the path.
func TestNodeName(t *testing.T) {
	host, _ := os.Hostname()
	for root, want := range map[string]string{"/": host, "testdata/nodes/worker-0": "worker-0", "/srv/nodes/master-0/": "master-0"} {
		if got := nodeName(root); got != want {
			t.Errorf("nodeName(%q) = %q, want %q", root, got, want)
		}
	}
	wd, _ := os.Getwd()
	if got := nodeName("."); got != filepath.Base(wd) {
		t.Errorf("nodeName(.) = %q, want the directory's own name %q", got, filepath.Base(wd))
	}
}
