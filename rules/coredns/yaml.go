package coredns

import "gopkg.in/yaml.v3"

const literalOrFolded = yaml.LiteralStyle | yaml.FoldedStyle

// mappingValue returns the value node of key in a mapping (or a document holding one).
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// sliceAt walks maps along path and returns the list found there.
func sliceAt(m map[string]any, path ...string) []map[string]any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	list, _ := cur.([]any)
	var out []map[string]any
	for _, e := range list {
		if mm, ok := e.(map[string]any); ok {
			out = append(out, mm)
		}
	}
	return out
}

// stringAt walks maps along path and returns the string found there.
func stringAt(m map[string]any, path ...string) (string, bool) {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		cur = mm[p]
	}
	s, ok := cur.(string)
	return s, ok
}
