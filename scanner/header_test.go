package scanner

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// headerOf is what the fast path promises about a document, from either path.
type headerOf struct {
	Object                                 bool
	APIVersion, Kind, Name, Namespace, Src string
}

func (h headerOf) String() string {
	if !h.Object {
		return "no object"
	}
	return fmt.Sprintf("%s %s %s/%s at %s", h.APIVersion, h.Kind, h.Namespace, h.Name, h.Src)
}

func headerOfObject(o *inventory.Object) headerOf {
	if o == nil {
		return headerOf{}
	}
	return headerOf{true, o.APIVersion, o.Kind, o.Name, o.Namespace, fmt.Sprintf("%s:%d", o.Source.Path, o.Source.Line)}
}

// compareHeader runs both paths on doc. It returns "" when the fast path declines or
// agrees with the full parse, and the disagreement otherwise.
func compareHeader(doc document) (declined bool, disagreement string) {
	h, ok := scanHeader(doc)
	if !ok {
		return true, ""
	}
	fast := headerOfObject(h.object(inventory.FromManifest, "f"))
	objs, err := decodeDocument(doc, "f", inventory.FromManifest)
	if err != nil {
		return false, fmt.Sprintf("fast path read %s; yaml.v3 fails: %s", fast, err.Message)
	}
	if len(objs) > 1 {
		return false, fmt.Sprintf("fast path read %s; yaml.v3 reads %d objects", fast, len(objs))
	}
	var full headerOf
	if len(objs) == 1 {
		full = headerOfObject(objs[0])
	}
	if fast != full {
		return false, fmt.Sprintf("fast path read %s; yaml.v3 reads %s", fast, full)
	}
	return false, ""
}

// On every document of the real corpus, the fast path either declines or reads exactly
// what the full parse reads. Most documents whose kind allows it take the fast path.
func TestHeaderMatchesFullParseOnCorpus(t *testing.T) {
	real := needCorpus(t)
	var docs, fast, bodyKind int
	declinedKinds := map[string]int{}
	err := filepath.WalkDir(real, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !isManifestName(d.Name()) {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, doc := range splitDocuments(data) {
			docs++
			declined, bad := compareHeader(doc)
			if bad != "" {
				t.Errorf("%s:%d: %s", p, doc.Line, bad)
				continue
			}
			if !declined {
				fast++
				continue
			}
			objs, _ := decodeDocument(doc, "f", inventory.FromManifest)
			for _, o := range objs {
				if needsBody(&header{kind: o.Kind, namespace: o.Namespace}, doc.Text) {
					bodyKind++
				} else {
					declinedKinds[o.Kind]++
					if h, _ := scanHeader(doc); testing.Verbose() {
						lines := strings.Split(string(doc.Text), "\n")
						if i := h.line - doc.Line; i >= 0 && i < len(lines) {
							t.Logf("declined %s at %d: %q", o.Kind, h.line, lines[i])
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for k, n := range declinedKinds {
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(kinds)
	t.Logf("%d documents: %d read by the fast path, %d objects of kinds needing their body; declined others: %s",
		docs, fast, bodyKind, strings.Join(kinds, " "))
	// The corpus is plain block YAML: the fast path must take nearly every document it may.
	if eligible := docs - bodyKind; fast < eligible*9/10 {
		t.Errorf("fast path read %d of %d eligible documents", fast, eligible)
	}
}

func TestScanHeader(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // headerOf.String(), or "decline"
	}{
		{"plain", "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  rules: []\n",
			"extensions/v1beta1 Ingress prod/web at f:1"},
		{"marker, comments, quotes", "--- # first\n# c\nkind: 'Ingress' # k\nmetadata:\n  labels:\n    a: b\n  name: \"w\\\"x\"\napiVersion: \"networking.k8s.io/v1\"\n",
			"networking.k8s.io/v1 Ingress /w\"x at f:8"},
		{"sequences at the key's indent", "apiVersion: v1\nkind: X\nitems:\n- a: 1\n  b:\n  - c\n  d: |\n    text: not a key\n\n    more\nmetadata:\n  name: n\n",
			"v1 X /n at f:1"},
		{"CRLF", "apiVersion: v1\r\nkind: X\r\nmetadata:\r\n  name: n\r\n", "v1 X /n at f:1"},
		{"no apiVersion", "kind: X\nmetadata:\n  name: n\n", "no object"},
		{"not a string", "apiVersion: 1\nkind: X\n", "decline"},
		{"body kind", "apiVersion: v1\nkind: Node\nmetadata:\n  name: n\n", "decline"},
		{"Pod without secret volumes", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - env:\n    - valueFrom:\n        secretKeyRef: {name: s}\n", "v1 Pod /p at f:1"},
		{"ConfigMap no rule reads", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: app\ndata:\n  a: b\n", "v1 ConfigMap app/c at f:1"},
		{"kube-system ConfigMap", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: kube-system\n", "decline"},
		{"Helm release ConfigMap", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    owner: helm\n", "decline"},
		{"TLS Secret", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  tls.crt: eA==\n", "decline"},
		{"Deployment without secrets", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  replicas: 1\n", "apps/v1 Deployment /d at f:1"},
		{"Deployment mounting a secret", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\nspec:\n  template:\n    spec:\n      volumes:\n      - secret:\n          secretName: x\n", "decline"},
		{"CRD with a conversion webhook", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: c\nspec:\n  conversion:\n    strategy: Webhook\n", "decline"},
		{"list", "apiVersion: v1\nkind: List\nitems: []\n", "decline"},
		{"flow", "{apiVersion: v1, kind: X}\n", "decline"},
		{"anchor", "apiVersion: v1\nkind: X\nspec: &a\n  b: 1\n", "decline"},
		{"merge key", "apiVersion: v1\nkind: X\n<<: {metadata: {name: n}}\n", "decline"},
		{"tab", "apiVersion: v1\nkind: X\nspec:\n\tb: 1\n", "decline"},
		{"plain continued", "apiVersion: v1\nkind: X\nmetadata:\n  name: a\n    b\n", "decline"},
		{"duplicate kind", "apiVersion: v1\nkind: X\nkind: Y\n", "decline"},
		{"bad indentation", "apiVersion: v1\nkind: X\nspec:\n    a: 1\n  b: 2\n", "decline"},
		{"sequence document", "- a\n- b\n", "decline"},
		{"non-ASCII", "apiVersion: v1\nkind: X\nmetadata:\n  name: é\n  namespace: \"ü\" # ö\n", "v1 X ü/é at f:1"},
		{"line separator", "apiVersion: v1\nkind: X\nspec: a\u2028b\n", "decline"},
		{"multi-line scalars", "apiVersion: v1\nkind: X\nspec:\n  a: 'x\n    y'' z'\n  b: x\n    - {y\n\n    z\n  c:\n    \"x\n    \\ty\" # c\n  d:\n    {e: f}\n", "v1 X / at f:1"},
		{"comment ends a plain scalar", "apiVersion: v1\nkind: X\nspec: a\n  # c\n  b\n", "decline"},
		{"unterminated quote", "apiVersion: v1\nkind: X\nspec: 'a\n", "decline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := "decline"
			if h, ok := scanHeader(document{Text: []byte(tt.in), Line: 1}); ok {
				got = headerOfObject(h.object(inventory.FromManifest, "f")).String()
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if _, bad := compareHeader(document{Text: []byte(tt.in), Line: 1}); bad != "" {
				t.Error(bad)
			}
		})
	}
}

// The fast path may decline any document, but never read one differently from yaml.v3,
// nor accept one yaml.v3 rejects.
func FuzzHeaderAgreesWithParse(f *testing.F) {
	for _, s := range []string{
		"apiVersion: v1\nkind: X\nmetadata:\n  name: n\n  namespace: ns\n",
		"---\napiVersion: apps/v1\nkind: Foo\nmetadata:\n  name: 'a''b'\nspec:\n  - a: 1\n    b: |\n      x\n  - c\n",
		"apiVersion: v1\nkind: X\nmetadata:\n  name: n\n---\nkind: Y\n",
		"apiVersion: v1 # c\nkind: \"X\\n\"\nmetadata: # m\n  labels: {a: b}\n",
		"  apiVersion: v1\n  kind: X\nkey:\n- a\n-\n  - b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, doc := range splitDocuments(data) {
			if _, bad := compareHeader(doc); bad != "" {
				t.Fatalf("%q: %s", doc.Text, bad)
			}
		}
	})
}

func TestHasKey(t *testing.T) {
	for _, tt := range []struct {
		text string
		want bool
	}{
		{"secret:\n", true},
		{"  - secret:\n", true},
		{"a:\n  secret :\n", true},
		{"{secret: {secretName: x}}", true},
		{"\"secret\": x", true},
		{"'secret' : x", true},
		{"secretName: x\n", false},
		{"mysecret: x\n", false},
		{"secretKeyRef:\n  name: secret\n", false},
		{"a: secret\n", false},
	} {
		if got := hasKey([]byte(tt.text), "secret"); got != tt.want {
			t.Errorf("hasKey(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestPrintable(t *testing.T) {
	base := []byte("apiVersion: networking.k8s.io/v1beta1 é")
	if !printable(base) {
		t.Fatalf("%q: not printable", base)
	}
	for _, bad := range []byte{0, '\t', '\r', 0x1f, 0x7f} {
		for i := range base[:len(base)-2] {
			line := append([]byte(nil), base...)
			line[i] = bad
			if printable(line) {
				t.Errorf("%q: printable", line)
			}
		}
	}
	for _, bad := range []string{"\u0085", "\u2028", "\ufeff", "\xff", "\xc3"} {
		if line := append(append([]byte(nil), base[:20]...), bad...); printable(line) {
			t.Errorf("%q: printable", line)
		}
	}
}
