package inventory

import "gopkg.in/yaml.v3"

// Field walks the nested maps of a decoded object (Body) along keys; nil when a step is
// missing or not a map.
func Field(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// FieldString is Field for a string value ("" when absent or not a string).
func FieldString(v any, keys ...string) string {
	s, _ := Field(v, keys...).(string)
	return s
}

// FieldMaps is Field for a list of maps: the list's map elements.
func FieldMaps(v any, keys ...string) []map[string]any {
	list, _ := Field(v, keys...).([]any)
	var out []map[string]any
	for _, e := range list {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// ResolveNode looks through documents and aliases to the node they stand for.
func ResolveNode(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && i < 100; i++ {
		switch n.Kind {
		case yaml.DocumentNode:
			if len(n.Content) == 0 {
				return nil
			}
			n = n.Content[0]
		case yaml.AliasNode:
			n = n.Alias
		default:
			return n
		}
	}
	return n
}

// NodeValue returns the value node of key in mapping node m (or a document holding one),
// or nil.
func NodeValue(m *yaml.Node, key string) *yaml.Node {
	m = ResolveNode(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return ResolveNode(m.Content[i+1])
		}
	}
	return nil
}

// NodeAt follows keys (and decimal sequence indexes) from n; nil when a step is missing.
func NodeAt(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		n = ResolveNode(n)
		if n == nil {
			return nil
		}
		if n.Kind == yaml.SequenceNode {
			i := 0
			for _, c := range k {
				if c < '0' || c > '9' {
					return nil
				}
				i = i*10 + int(c-'0')
			}
			if i >= len(n.Content) {
				return nil
			}
			n = ResolveNode(n.Content[i])
			continue
		}
		n = NodeValue(n, k)
	}
	return ResolveNode(n)
}
