package scanner

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// maxReleaseSize bounds a decompressed Helm release (a gzip bomb must not take the scan down).
const maxReleaseSize = 64 << 20

// IsHelmRelease reports whether o is a Helm 3 release record: a Secret of type
// helm.sh/release.v1 or a ConfigMap labelled owner=helm.
func IsHelmRelease(o *inventory.Object) bool {
	switch o.Kind {
	case "Secret":
		t, _ := o.Body["type"].(string)
		return t == "helm.sh/release.v1"
	case "ConfigMap":
		return helmLabel(o, "owner") == "helm" && dataString(o, "release") != ""
	}
	return false
}

func helmLabel(o *inventory.Object, key string) string {
	md, _ := o.Body["metadata"].(map[string]any)
	labels, _ := md["labels"].(map[string]any)
	v, _ := labels[key].(string)
	return v
}

func dataString(o *inventory.Object, key string) string {
	data, _ := o.Body["data"].(map[string]any)
	v, _ := data[key].(string)
	return v
}

// DeployedHelmReleases picks, among release records, the one revision per release that
// is live: the record with status deployed, else the highest revision. Superseded and
// failed revisions describe nothing that runs.
func DeployedHelmReleases(objs []*inventory.Object) []*inventory.Object {
	type key struct{ namespace, name string }
	best := map[key]*inventory.Object{}
	var order []key
	rank := func(o *inventory.Object) (bool, int) {
		rev, _ := strconv.Atoi(helmLabel(o, "version"))
		return strings.EqualFold(helmLabel(o, "status"), "deployed"), rev
	}
	for _, o := range objs {
		if !IsHelmRelease(o) {
			continue
		}
		name := helmLabel(o, "name")
		if name == "" {
			name = o.Name
		}
		k := key{o.Namespace, name}
		cur, ok := best[k]
		if !ok {
			best[k] = o
			order = append(order, k)
			continue
		}
		d1, r1 := rank(o)
		d0, r0 := rank(cur)
		if (d1 && !d0) || (d1 == d0 && r1 > r0) {
			best[k] = o
		}
	}
	out := make([]*inventory.Object, 0, len(order))
	for _, k := range order {
		out = append(out, best[k])
	}
	return out
}

// helmRelease is the part of Helm 3's release record upgrade-lint reads.
type helmRelease struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	Version   int    `json:"version"`
	Manifest  string `json:"manifest"`
	Info      struct {
		Status string `json:"status"`
	} `json:"info"`
	Chart struct {
		Metadata struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"metadata"`
	} `json:"chart"`
}

// HelmReleaseObjects decodes a Helm 3 release record (base64, gzip, JSON; a Secret's data
// is base64 once more) and returns the objects of its manifest, with Origin FromHelm, a
// Use of How "helm-release" each, and Source naming the release record.
func HelmReleaseObjects(o *inventory.Object) ([]*inventory.Object, error) {
	raw := dataString(o, "release")
	if raw == "" {
		return nil, errors.New("release record has no data.release")
	}
	payload := []byte(raw)
	if o.Kind == "Secret" {
		b, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return nil, fmt.Errorf("secret data: %v", err)
		}
		payload = b
	}
	rel, err := decodeHelmRelease(payload)
	if err != nil {
		return nil, err
	}
	chart := rel.Chart.Metadata.Name
	if rel.Chart.Metadata.Version != "" {
		chart += "-" + rel.Chart.Metadata.Version
	}
	detail := fmt.Sprintf("release=%s namespace=%s revision=%d chart=%s", rel.Name, rel.Namespace, rel.Version, chart)
	src := o.Source
	var out []*inventory.Object
	for _, doc := range splitDocuments([]byte(rel.Manifest)) {
		node, err := parseDocument(doc)
		if err != nil || node == nil {
			continue
		}
		body, ok := toValue(node).(map[string]any)
		if !ok {
			continue
		}
		template := helmTemplate(doc.Text)
		for _, obj := range objectsFromDocument(node, body, inventory.FromHelm, src.Path, src.Line) {
			if obj.Namespace == "" && rel.Namespace != "" && namespacedGuess(obj.Kind) {
				obj.Namespace = rel.Namespace
			}
			// The object lives in the release record: findings point there.
			obj.Source = src
			obj.Node = nil
			d := detail
			if template != "" {
				d += " template=" + template
			}
			obj.Uses = []inventory.APIUse{{APIVersion: obj.APIVersion, Kind: obj.Kind, How: "helm-release", Detail: d, Source: src}}
			RedactSecret(obj) // a chart's Secrets carry values like any other
			out = append(out, obj)
		}
	}
	return out, nil
}

func decodeHelmRelease(payload []byte) (*helmRelease, error) {
	b, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(payload)))
	if err != nil {
		return nil, fmt.Errorf("release: %v", err)
	}
	if len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("release: %v", err)
		}
		b, err = io.ReadAll(io.LimitReader(zr, maxReleaseSize+1))
		if err != nil {
			return nil, fmt.Errorf("release: %v", err)
		}
		if len(b) > maxReleaseSize {
			return nil, errors.New("release: decompressed record too large")
		}
	}
	var rel helmRelease
	if err := json.Unmarshal(b, &rel); err != nil {
		return nil, fmt.Errorf("release: %v", err)
	}
	return &rel, nil
}

var helmSourceComment = regexp.MustCompile(`(?m)^#\s*Source:\s*(\S+)`)

// helmTemplate returns the template a manifest document was rendered from ("# Source: ...").
func helmTemplate(doc []byte) string {
	if m := helmSourceComment.FindSubmatch(doc); m != nil {
		return string(m[1])
	}
	return ""
}

// clusterScoped are common kinds without a namespace; everything else rendered by a chart
// without one lands in the release's namespace.
var clusterScoped = map[string]bool{
	"Namespace": true, "Node": true, "PersistentVolume": true, "ClusterRole": true, "ClusterRoleBinding": true,
	"CustomResourceDefinition": true, "StorageClass": true, "PriorityClass": true, "APIService": true,
	"ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true, "PodSecurityPolicy": true,
	"CSIDriver": true, "CSINode": true, "RuntimeClass": true, "IngressClass": true, "VolumeAttachment": true,
	"FlowSchema": true, "PriorityLevelConfiguration": true, "ValidatingAdmissionPolicy": true,
	"ValidatingAdmissionPolicyBinding": true, "CertificateSigningRequest": true,
}

func namespacedGuess(kind string) bool { return !clusterScoped[kind] }

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
