package live

import (
	"encoding/json"
	"sort"
)

// lastAppliedAnnotation is where kubectl apply keeps the configuration it last applied.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// certificateKeys are the only Secret values kept from a webhook's TLS secret: public
// certificate data, which the rules read for expiry and key type. Keys stay out.
var certificateKeys = map[string]bool{"tls.crt": true, "ca.crt": true}

// helmReleaseKey is the data key of a Helm 3 release record (gzip, base64: the chart's
// rendered manifest, the evidence of which API versions the release writes).
const helmReleaseKey = "release"

// RedactSecret removes a Secret's values in place, keeping only keep's keys of data and
// nothing of stringData, and rewrites the last-applied annotation (which kubectl fills with
// the applied values) to metadata only. It returns body for chaining.
func RedactSecret(body map[string]any, keep func(key string) bool) map[string]any {
	for _, field := range []string{"data", "stringData"} {
		values, ok := body[field].(map[string]any)
		if !ok {
			delete(body, field)
			continue
		}
		for k := range values {
			if field == "stringData" || keep == nil || !keep(k) {
				delete(values, k)
			}
		}
		if len(values) == 0 {
			delete(body, field)
		}
	}
	md, _ := body["metadata"].(map[string]any)
	ann, _ := md["annotations"].(map[string]any)
	if la, ok := ann[lastAppliedAnnotation].(string); ok {
		ann[lastAppliedAnnotation] = redactedLastApplied(la)
	}
	return body
}

// redactedLastApplied keeps of an applied Secret what evidence needs (apiVersion, kind,
// metadata) and the names, not the values, of its data keys.
func redactedLastApplied(s string) string {
	var applied map[string]any
	if err := json.Unmarshal([]byte(s), &applied); err != nil {
		return "" // unparseable: it may hold values, and it proves nothing
	}
	out := map[string]any{}
	for _, f := range []string{"apiVersion", "kind", "metadata", "type"} {
		if v, ok := applied[f]; ok {
			out[f] = v
		}
	}
	if md, ok := out["metadata"].(map[string]any); ok {
		if ann, ok := md["annotations"].(map[string]any); ok {
			delete(ann, lastAppliedAnnotation)
		}
	}
	for _, f := range []string{"data", "stringData"} {
		if values, ok := applied[f].(map[string]any); ok {
			keys := make([]string, 0, len(values))
			for k := range values {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			redacted := map[string]any{}
			for _, k := range keys {
				redacted[k] = ""
			}
			out[f] = redacted
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return ""
	}
	return string(b)
}

// keepNothing keeps no Secret value.
func keepNothing(string) bool { return false }

// keepCertificates keeps the public certificate data of a TLS secret.
func keepCertificates(k string) bool { return certificateKeys[k] }

// keepHelmRelease keeps a Helm release record (the rendered manifest; Helm stores no
// secret values apart from what charts render, which the scanner needs as evidence).
func keepHelmRelease(k string) bool { return k == helmReleaseKey }
