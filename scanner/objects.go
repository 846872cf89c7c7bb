package scanner

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
	"k8s.io/apimachinery/pkg/version"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// ObjectFromMap builds an Object from a decoded API object. src names where it was read
// (its Object is filled in here). Uses gets the evidence of the versions clients wrote it
// in: the last-applied-configuration annotation and managedFields. It returns nil when
// body is not an API object (no apiVersion or kind).
func ObjectFromMap(body map[string]any, origin inventory.Origin, src inventory.Source) *inventory.Object {
	apiVersion, _ := body["apiVersion"].(string)
	kind, _ := body["kind"].(string)
	if apiVersion == "" || kind == "" {
		return nil
	}
	md, _ := body["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	namespace, _ := md["namespace"].(string)
	o := &inventory.Object{APIVersion: apiVersion, Kind: kind, Namespace: namespace, Name: name, Origin: origin, Body: body}
	src.Object = o.Ref()
	o.Source = src
	if origin != inventory.FromManifest {
		o.Uses = append(o.Uses, lastAppliedUses(md, kind, src)...)
		o.Uses = append(o.Uses, managedFieldsUses(md, kind, src)...)
	}
	return o
}

func lastAppliedUses(md map[string]any, kind string, src inventory.Source) []inventory.APIUse {
	ann, _ := md["annotations"].(map[string]any)
	raw, _ := ann[lastAppliedAnnotation].(string)
	if raw == "" {
		return nil
	}
	var applied struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal([]byte(raw), &applied); err != nil || applied.APIVersion == "" {
		return nil
	}
	if applied.Kind == "" {
		applied.Kind = kind
	}
	return []inventory.APIUse{{APIVersion: applied.APIVersion, Kind: applied.Kind, How: "last-applied-configuration", Source: src}}
}

type managedEntry struct {
	manager, operation, apiVersion, subresource string
	at                                          time.Time
}

func managedFieldsUses(md map[string]any, kind string, src inventory.Source) []inventory.APIUse {
	list, _ := md["managedFields"].([]any)
	var entries []managedEntry
	for _, item := range list {
		m, _ := item.(map[string]any)
		e := managedEntry{}
		e.manager, _ = m["manager"].(string)
		e.operation, _ = m["operation"].(string)
		e.apiVersion, _ = m["apiVersion"].(string)
		e.subresource, _ = m["subresource"].(string)
		switch t := m["time"].(type) {
		case string:
			e.at, _ = time.Parse(time.RFC3339, t)
		case time.Time:
			e.at = t
		}
		if e.apiVersion != "" {
			entries = append(entries, e)
		}
	}
	var uses []inventory.APIUse
	for i, e := range entries {
		detail := "manager=" + e.manager + " operation=" + e.operation
		if e.subresource != "" {
			detail += " subresource=" + e.subresource
		}
		if !e.at.IsZero() {
			detail += " time=" + e.at.UTC().Format(time.RFC3339)
		}
		uses = append(uses, inventory.APIUse{
			APIVersion: e.apiVersion, Kind: kind, How: "managedFields", Detail: detail,
			Stale: supersededLater(entries, i), Source: src,
		})
	}
	return uses
}

// supersededLater reports whether the same manager wrote the object later in a newer
// version: its earlier entry then no longer describes what that client sends.
func supersededLater(entries []managedEntry, i int) bool {
	e := entries[i]
	if e.at.IsZero() {
		return false
	}
	for j, l := range entries {
		if j == i || l.manager != e.manager || !l.at.After(e.at) || l.apiVersion == e.apiVersion {
			continue
		}
		if newerAPIVersion(l.apiVersion, e.apiVersion) {
			return true
		}
	}
	return false
}

// newerAPIVersion orders versions as Kubernetes does (v1 > v1beta2 > v1beta1 > v1alpha1);
// a version equal in rank but in another group (extensions → networking.k8s.io) also counts
// as newer, since the client moved away from the old group.
func newerAPIVersion(a, b string) bool {
	_, va := inventory.SplitAPIVersion(a)
	_, vb := inventory.SplitAPIVersion(b)
	return version.CompareKubeAwareVersionStrings(va, vb) >= 0
}

// RedactSecret drops a Secret's values (data, stringData and the last-applied copy of
// them) from o's body and node: no rule needs them and reports must never carry them.
// Keys stay, with empty values.
func RedactSecret(o *inventory.Object) {
	if o.Kind != "Secret" {
		return
	}
	for _, field := range []string{"data", "stringData"} {
		if m, ok := o.Body[field].(map[string]any); ok {
			for k := range m {
				m[k] = ""
			}
		}
		if n := inventory.NodeValue(inventory.ResolveNode(o.Node), field); n != nil && n.Kind == yaml.MappingNode {
			for i := 1; i < len(n.Content); i += 2 {
				n.Content[i] = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Line: n.Content[i].Line, Column: n.Content[i].Column}
			}
		}
	}
	if md, ok := o.Body["metadata"].(map[string]any); ok {
		if ann, ok := md["annotations"].(map[string]any); ok {
			if _, ok := ann[lastAppliedAnnotation]; ok {
				ann[lastAppliedAnnotation] = ""
			}
		}
	}
	if ann := inventory.NodeAt(o.Node, "metadata", "annotations"); ann != nil {
		if v := inventory.NodeValue(ann, lastAppliedAnnotation); v != nil {
			v.Value = ""
		}
	}
}

// objectsFromDocument turns one decoded document into objects: itself, or the items of a
// List kind. Items keep their own line and node.
func objectsFromDocument(node *yaml.Node, body map[string]any, origin inventory.Origin, file string, docLine int) []*inventory.Object {
	root := inventory.ResolveNode(node)
	kind, _ := body["kind"].(string)
	if items, ok := body["items"].([]any); ok && strings.HasSuffix(kind, "List") {
		itemNodes := inventory.NodeValue(root, "items")
		var out []*inventory.Object
		for i, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				continue
			}
			var itemNode *yaml.Node
			if itemNodes != nil && itemNodes.Kind == yaml.SequenceNode && i < len(itemNodes.Content) {
				itemNode = inventory.ResolveNode(itemNodes.Content[i])
			}
			if o := newObject(m, itemNode, origin, file, docLine); o != nil {
				out = append(out, o)
			}
		}
		return out
	}
	if o := newObject(body, node, origin, file, docLine); o != nil {
		return []*inventory.Object{o}
	}
	return nil
}

func newObject(body map[string]any, node *yaml.Node, origin inventory.Origin, file string, docLine int) *inventory.Object {
	src := inventory.Source{Path: file, Line: docLine}
	if root := inventory.ResolveNode(node); root != nil {
		src.Line = lineOf(root, root.Line, "apiVersion")
	}
	o := ObjectFromMap(body, origin, src)
	if o == nil {
		return nil
	}
	o.Node = node
	return o
}

func describeCount(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("1 %s", what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}
