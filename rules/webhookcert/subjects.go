package webhookcert

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/upgrade-lint/upgrade-lint/findings"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// Subject is one endpoint the API server calls over TLS: an admission webhook, an
// aggregated APIService, or a CRD conversion webhook.
type Subject struct {
	Object *inventory.Object
	// Name is the webhook's name, or the APIService's or CRD's name.
	Name string
	// What describes the caller: "admission webhook", "APIService", "conversion webhook".
	What string
	// URL is set for url webhooks; Namespace and Service for service-backed ones.
	URL                string
	Namespace, Service string
	// Port is the Service port the API server dials (443 when unset).
	Port int32
	// CABundle is the decoded caBundle (PEM); CABundleError says why it could not be decoded.
	CABundle      []byte
	CABundleError string
	// InsecureSkipTLSVerify: an APIService that skips verification (no check applies).
	InsecureSkipTLSVerify bool
	Source                findings.Source
}

// Host is the name the API server verifies the serving certificate against.
func (s *Subject) Host() string {
	if s.URL != "" {
		return urlHost(s.URL)
	}
	return s.Service + "." + s.Namespace + ".svc"
}

// Label names the subject in messages.
func (s *Subject) Label() string {
	if s.Object != nil && s.Object.Kind != "APIService" && s.Object.Kind != "CustomResourceDefinition" {
		return fmt.Sprintf("%s %q of %s %s", s.What, s.Name, s.Object.Kind, s.Object.Name)
	}
	return fmt.Sprintf("%s %s", s.What, s.Name)
}

// Subjects lists every TLS endpoint the API server calls, in inventory order: the
// webhooks of Validating/MutatingWebhookConfigurations (v1 and v1beta1), APIServices with
// a service, and CRD conversion webhooks (v1 spec.conversion.webhook.clientConfig and
// v1beta1 spec.conversion.webhookClientConfig).
func Subjects(inv *inventory.Inventory) []Subject {
	var out []Subject
	for _, o := range inv.Objects {
		switch {
		case (o.Kind == "ValidatingWebhookConfiguration" || o.Kind == "MutatingWebhookConfiguration") && o.Group() == "admissionregistration.k8s.io":
			hooks, _ := o.Body["webhooks"].([]any)
			for i, h := range hooks {
				hm, _ := h.(map[string]any)
				name, _ := hm["name"].(string)
				cc, _ := hm["clientConfig"].(map[string]any)
				s := fromClientConfig(o, name, "admission webhook", cc)
				s.Source = sourceAt(o, "webhooks", i)
				out = append(out, s)
			}
		case o.Kind == "APIService" && o.Group() == "apiregistration.k8s.io":
			spec, _ := o.Body["spec"].(map[string]any)
			svc, _ := spec["service"].(map[string]any)
			if svc == nil {
				continue // served by kube-apiserver itself
			}
			s := Subject{Object: o, Name: o.Name, What: "APIService"}
			s.Namespace, _ = svc["namespace"].(string)
			s.Service, _ = svc["name"].(string)
			s.Port = port(svc["port"])
			s.InsecureSkipTLSVerify, _ = spec["insecureSkipTLSVerify"].(bool)
			s.CABundle, s.CABundleError = decodeBundle(spec["caBundle"])
			s.Source = sourceAt(o, "spec", "service")
			out = append(out, s)
		case o.Kind == "CustomResourceDefinition" && o.Group() == "apiextensions.k8s.io":
			spec, _ := o.Body["spec"].(map[string]any)
			conv, _ := spec["conversion"].(map[string]any)
			if strategy, _ := conv["strategy"].(string); strategy != "Webhook" {
				continue
			}
			cc, _ := conv["webhookClientConfig"].(map[string]any) // v1beta1
			if wh, ok := conv["webhook"].(map[string]any); ok {   // v1
				cc, _ = wh["clientConfig"].(map[string]any)
			}
			if cc == nil {
				continue
			}
			s := fromClientConfig(o, o.Name, "conversion webhook", cc)
			s.Source = sourceAt(o, "spec", "conversion")
			out = append(out, s)
		}
	}
	return out
}

func fromClientConfig(o *inventory.Object, name, what string, cc map[string]any) Subject {
	s := Subject{Object: o, Name: name, What: what}
	s.URL, _ = cc["url"].(string)
	if svc, ok := cc["service"].(map[string]any); ok {
		s.Namespace, _ = svc["namespace"].(string)
		s.Service, _ = svc["name"].(string)
		s.Port = port(svc["port"])
	}
	s.CABundle, s.CABundleError = decodeBundle(cc["caBundle"])
	return s
}

// port reads a port number as YAML or JSON decoding left it; 443 when absent.
func port(v any) int32 {
	switch n := v.(type) {
	case int:
		return int32(n)
	case int64:
		return int32(n)
	case float64:
		return int32(n)
	}
	return 443
}

func decodeBundle(v any) ([]byte, string) {
	str, _ := v.(string)
	if str == "" {
		return nil, ""
	}
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(str), ""))
	if err != nil {
		return nil, "caBundle is not base64: " + err.Error()
	}
	return b, ""
}

// sourceAt is the object's source with the line of a nested field: a key path, where an
// int selects a sequence item.
func sourceAt(o *inventory.Object, path ...any) findings.Source {
	src := o.Source
	src.Object = o.Ref()
	n := o.Node
	if n != nil && n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, step := range path {
		if n == nil {
			return src
		}
		switch k := step.(type) {
		case string:
			var next *yaml.Node
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						next, line = n.Content[i+1], n.Content[i].Line
						break
					}
				}
			}
			n = next
		case int:
			if n.Kind != yaml.SequenceNode || k >= len(n.Content) {
				return src
			}
			n = n.Content[k]
			line = n.Line
		}
	}
	if n != nil && line > 0 {
		src.Line = line
	}
	return src
}

func urlHost(raw string) string {
	s := raw
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		s = s[i+1:]
	}
	if strings.HasPrefix(s, "[") {
		if i := strings.Index(s, "]"); i > 0 {
			return s[1:i]
		}
	}
	if i := strings.LastIndex(s, ":"); i >= 0 {
		s = s[:i]
	}
	return s
}

// URLs lists the distinct url webhooks of the inventory, sorted: what the TLS probe dials.
func URLs(inv *inventory.Inventory) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range Subjects(inv) {
		if s.URL != "" && !seen[s.URL] {
			seen[s.URL] = true
			out = append(out, s.URL)
		}
	}
	sort.Strings(out)
	return out
}
