package scanner

import (
	"bytes"
	"fmt"
	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
	"strings"

	"gopkg.in/yaml.v3"
)

// document is one YAML document of a file: its text and the file line its text starts at.
type document struct {
	Text []byte
	// Line is the 1-based file line of Text's first line.
	Line int
	// Index is the document's position among the file's non-empty documents.
	Index int
}

// splitDocuments cuts a YAML stream at its document markers without parsing it, so each
// document can be decoded (and fail) on its own. A line starting with "---" or "..."
// followed by a blank or the end of the line is a marker: YAML forbids such a line
// inside any scalar, so a textual cut is exact. Documents holding only blanks and
// comments are dropped.
func splitDocuments(data []byte) []document {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	var docs []document
	start, startLine, line := 0, 1, 1
	flush := func(end int) {
		if text := data[start:end]; hasContent(text) {
			docs = append(docs, document{Text: text, Line: startLine, Index: len(docs)})
		}
	}
	for pos := 0; pos < len(data); {
		eol := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if eol >= 0 {
			next = pos + eol + 1
		}
		switch marker(data[pos:next]) {
		case "---":
			// The marker line stays with the document: it may carry content ("--- {a: 1}").
			flush(pos)
			start, startLine = pos, line
		case "...":
			flush(pos)
			start, startLine = next, line+1
		}
		pos = next
		line++
	}
	flush(len(data))
	return docs
}

// marker returns "---" or "..." when line is a document marker.
func marker(line []byte) string {
	if len(line) < 3 {
		return ""
	}
	m := string(line[:3])
	if m != "---" && m != "..." {
		return ""
	}
	if len(line) == 3 {
		return m
	}
	switch line[3] {
	case ' ', '\t', '\r', '\n':
		return m
	}
	return ""
}

// hasContent reports whether text holds anything but blanks, comments and markers.
func hasContent(text []byte) bool {
	for len(text) > 0 {
		eol := bytes.IndexByte(text, '\n')
		var l []byte
		if eol < 0 {
			l, text = text, nil
		} else {
			l, text = text[:eol], text[eol+1:]
		}
		if marker(l) == "---" {
			l = l[3:]
		}
		l = bytes.TrimSpace(l)
		if len(l) > 0 && l[0] != '#' {
			return true
		}
	}
	return false
}

// parseDocument decodes one document into its node tree, with node lines made file lines.
// It returns nil for an empty document.
func parseDocument(doc document) (*yaml.Node, error) {
	var n yaml.Node
	if err := yaml.Unmarshal(doc.Text, &n); err != nil {
		return nil, shiftYAMLError(err, doc.Line-1)
	}
	if n.Kind == 0 {
		return nil, nil
	}
	if doc.Line > 1 {
		shiftLines(&n, doc.Line-1)
	}
	return &n, nil
}

// shiftLines adds offset to the line of every node. Each node is in exactly one Content
// list (an alias node points at its anchor, which is visited where it stands).
func shiftLines(n *yaml.Node, offset int) {
	n.Line += offset
	for _, c := range n.Content {
		shiftLines(c, offset)
	}
}

// yamlError is a decoding error at a file line.
type yamlError struct {
	Line int
	Msg  string
}

func (e *yamlError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// shiftYAMLError turns yaml.v3's "yaml: line N: msg" into a yamlError at the file line.
func shiftYAMLError(err error, offset int) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		n := 0
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			n = n*10 + int(rest[i]-'0')
			i++
		}
		if i > 0 && strings.HasPrefix(rest[i:], ": ") {
			line, msg = n, rest[i+2:]
			// yaml.v3 reports parser errors at the 0-based line of their context mark
			// (scanner errors are 1-based): "did not find expected ..." is one line early.
			if strings.HasPrefix(msg, "did not find expected") {
				line++
			}
		}
	}
	if line == 0 {
		line = 1
	}
	return &yamlError{Line: line + offset, Msg: msg}
}

// mapKey returns the key node of key in mapping node m, or nil.
func mapKey(m *yaml.Node, key string) *yaml.Node {
	m = inventory.ResolveNode(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i]
		}
	}
	return nil
}

// lineOf returns the line of key in mapping m (the line of its key), or fallback.
func lineOf(m *yaml.Node, fallback int, keys ...string) int {
	if len(keys) == 0 {
		return fallback
	}
	parent := inventory.NodeAt(m, keys[:len(keys)-1]...)
	if k := mapKey(parent, keys[len(keys)-1]); k != nil {
		return k.Line
	}
	return fallback
}

// toValue converts a node tree to the values yaml.v3 would decode into an interface{}
// (maps with string keys where every key is a string), without reflection for the
// common cases: it is most of the cost of a scan after parsing.
func toValue(n *yaml.Node) any {
	return toValueDepth(n, 0)
}

// maxDepth bounds recursion on hostile input (nested aliases).
const maxDepth = 200

func toValueDepth(n *yaml.Node, depth int) any {
	if n == nil || depth > maxDepth {
		return nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return toValueDepth(n.Content[0], depth+1)
	case yaml.AliasNode:
		return toValueDepth(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			out[i] = toValueDepth(c, depth+1)
		}
		return out
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		var odd map[any]any // non-string keys, as yaml.v3 would return
		var merges []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.ShortTag() == "!!merge" {
				merges = append(merges, v)
				continue
			}
			if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!str" {
				m[k.Value] = toValueDepth(v, depth+1)
				continue
			}
			key := toValueDepth(k, depth+1)
			if s, ok := key.(string); ok {
				m[s] = toValueDepth(v, depth+1)
				continue
			}
			if isHashable(key) {
				if odd == nil {
					odd = map[any]any{}
				}
				odd[key] = toValueDepth(v, depth+1)
			}
		}
		// Merged keys never override the mapping's own keys.
		for _, mn := range merges {
			mergeInto(m, mn, depth+1)
		}
		if odd != nil {
			for k, v := range m {
				odd[k] = v
			}
			return odd
		}
		return m
	case yaml.ScalarNode:
		if n.ShortTag() == "!!str" {
			return n.Value
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return n.Value
		}
		return v
	}
	return nil
}

func mergeInto(m map[string]any, src *yaml.Node, depth int) {
	src = inventory.ResolveNode(src)
	if src == nil || depth > maxDepth {
		return
	}
	switch src.Kind {
	case yaml.SequenceNode:
		for _, c := range src.Content {
			mergeInto(m, c, depth+1)
		}
	case yaml.MappingNode:
		if sub, ok := toValueDepth(src, depth+1).(map[string]any); ok {
			for k, v := range sub {
				if _, exists := m[k]; !exists {
					m[k] = v
				}
			}
		}
	}
}

func isHashable(v any) bool {
	switch v.(type) {
	case nil, []any, map[string]any, map[any]any:
		return v == nil
	}
	return true
}
