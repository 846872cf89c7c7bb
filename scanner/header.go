package scanner

import (
	"bytes"
	"encoding/binary"
	"strings"
	"unicode/utf8"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// The -f fast path. Most manifests a user lints with -f are only ever looked at for
// their apiVersion, kind, name and namespace (the removed-API rule), yet decoding them
// fully with yaml.v3 is most of a scan's cost. scanHeader reads those four fields, and
// the line of apiVersion, with a line scanner that accepts a strict subset of block
// YAML and declines everything else; declined documents take the full parse. The
// subset is checked over the whole document, not only its header, so that a document
// yaml.v3 would reject is never accepted here (FuzzHeaderAgreesWithParse holds that).

// bodyKinds are the kinds whose body something reads beyond the header: the rules
// (ObjectsOfKind, Object, Kind comparisons on Body or Node) and DeriveFromObjects.
// A nil condition means every document of the kind is decoded in full; otherwise only
// those for which it holds, given the header and the document's text (which the fast
// path has checked holds no escapes, anchors or tags that could hide a key's name).
// TestBodyKindsCoverReaders fails when a rule or the scanner starts reading another kind.
var bodyKinds = map[string]func(h *header, text []byte) bool{
	// DeriveFromObjects: kubeadm, kube-proxy and kubelet configs and the kube-proxy
	// DaemonSet (kube-system), Helm releases (type helm.sh/release.v1, label owner),
	// nodes; static pods. rules/coredns: kube-system's Corefile and CoreDNS Deployment.
	// rules/webhookcert: tls.crt of Secrets, secret volumes of workloads.
	"ConfigMap": func(h *header, text []byte) bool {
		return h.namespace == "kube-system" || hasKey(text, "owner")
	},
	"Secret": func(h *header, text []byte) bool {
		return bytes.Contains(text, []byte("helm.sh/release.v1")) || hasKey(text, "tls.crt")
	},
	"Deployment":            kubeSystemOrSecrets,
	"DaemonSet":             kubeSystemOrSecrets,
	"StatefulSet":           mountsSecrets,
	"ReplicaSet":            mountsSecrets,
	"ReplicationController": mountsSecrets,
	"Job":                   mountsSecrets,
	"Pod":                   mountsSecrets, // static pods are decoded in full by the node scan

	"Node":                 nil,
	"KubeletConfiguration": nil, "KubeProxyConfiguration": nil, "ClusterConfiguration": nil,
	// rules/webhookcert: webhooks and their Services, conversion webhooks of CRDs,
	// cert-manager Certificates.
	"ValidatingWebhookConfiguration": nil, "MutatingWebhookConfiguration": nil, "APIService": nil,
	"CustomResourceDefinition": func(_ *header, text []byte) bool {
		return hasKey(text, "conversion")
	},
	"Service":     nil,
	"Certificate": nil,
	// rules/kubesystem: limits and quotas.
	"LimitRange": nil, "ResourceQuota": nil,
	// rules/prometheus: rule groups and scrape endpoints.
	"PrometheusRule": nil, "ServiceMonitor": nil, "PodMonitor": nil,
}

// mountsSecrets: a workload's body matters only for the secret volumes it mounts
// (volumes[].secret, projected sources[].secret).
func mountsSecrets(_ *header, text []byte) bool {
	return hasKey(text, "secret")
}

// hasKey reports whether text, a document the fast path accepted, may hold a mapping
// key named key. There, a key is written plain or quoted without escapes that could
// spell it differently, on one line, followed by ':' after blanks: so a key named key
// shows as key, an optional closing quote, blanks and ':', not preceded by a letter
// or digit. Other matches only cost a full parse.
func hasKey(text []byte, key string) bool {
	for i := 0; i < len(text); {
		j := bytes.Index(text[i:], []byte(key))
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(key)
		i = start + 1
		if start > 0 && isAlnum(text[start-1]) {
			continue
		}
		if end < len(text) && (text[end] == '"' || text[end] == '\'') {
			end++
		}
		for end < len(text) && text[end] == ' ' {
			end++
		}
		if end < len(text) && text[end] == ':' {
			return true
		}
	}
	return false
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func kubeSystemOrSecrets(h *header, text []byte) bool {
	return h.namespace == "kube-system" || mountsSecrets(h, text)
}

// alwaysNeedsBody reports whether every document of kind must be decoded in full: a
// kind in bodyKinds without a condition, or a List whose items are the objects.
func alwaysNeedsBody(kind string) bool {
	cond, ok := bodyKinds[kind]
	return ok && cond == nil || strings.HasSuffix(kind, "List")
}

// needsBody reports whether the document h was read from must be decoded in full.
func needsBody(h *header, text []byte) bool {
	if alwaysNeedsBody(h.kind) {
		return true
	}
	cond := bodyKinds[h.kind]
	return cond != nil && cond(h, text)
}

// header is what the fast path reads of a document.
type header struct {
	apiVersion, kind, name, namespace  string
	hasMetadata, hasName, hasNamespace bool
	// line is the file line of the apiVersion key.
	line int
}

// object returns the document's object, or nil when it is not one (as ObjectFromMap
// decides). Body holds only the header fields; Node is nil.
func (h *header) object(origin inventory.Origin, file string) *inventory.Object {
	body := map[string]any{"apiVersion": h.apiVersion, "kind": h.kind}
	if h.hasMetadata {
		md := map[string]any{}
		if h.hasName {
			md["name"] = h.name
		}
		if h.hasNamespace {
			md["namespace"] = h.namespace
		}
		body["metadata"] = md
	}
	return ObjectFromMap(body, origin, inventory.Source{Path: file, Line: h.line})
}

// role is what a block collection is to the header: the document's root mapping, its
// metadata mapping, or anything else.
type role uint8

const (
	roleOther role = iota
	roleRoot
	roleMetadata
)

type frame struct {
	indent int
	seq    bool
	role   role
}

// Which header keys were seen, to decline on duplicates (yaml.v3 keeps the last one).
const (
	seenAPIVersion = 1 << iota
	seenKind
	seenMetadata
	seenName
	seenNamespace
)

// headerScan is the state of scanHeader between lines.
type headerScan struct {
	h     header
	seen  int
	stack []frame
	// pending: the last entry had no value on its line; the next content line may open
	// its value: a collection indented more than pendIndent, or (for a mapping value) a
	// sequence at pendIndent.
	pending     bool
	pendIndent  int
	pendSameSeq bool
	pendRole    role
	// maxIndent >= 0 after a scalar value: a deeper next line would continue it, which
	// only a plain scalar that no header field holds may do (plainCont).
	maxIndent int
	plainCont bool
	// quote is the quote of a quoted scalar continued on the next lines, which must be
	// indented more than quoteParent.
	quote       byte
	quoteParent int
	// block >= 0 inside a block scalar (| or >) whose parent is at indent block.
	block, blockIndent, blockLeadingBlank int
}

// scanHeader reads doc's header. ok is false when the document is outside the subset
// the fast path understands or its kind needs the full parse (h.line is then the line
// it stopped at); h.apiVersion or h.kind is "" when the document is no object.
func scanHeader(doc document) (h header, ok bool) {
	s := headerScan{maxIndent: -1, block: -1}
	text := doc.Text
	lineNo := doc.Line - 1
	for first := true; len(text) > 0; first = false {
		var line []byte
		if eol := bytes.IndexByte(text, '\n'); eol >= 0 {
			line, text = text[:eol], text[eol+1:]
		} else {
			line, text = text, nil
		}
		lineNo++
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		h.line = lineNo
		if !printable(line) {
			return h, false
		}
		if first && marker(line) == "---" {
			if rest := trimLeftSpaces(line[3:]); len(rest) > 0 && rest[0] != '#' {
				return h, false // content on the marker line
			}
			continue
		}
		if !s.line(line, lineNo) {
			return h, false
		}
	}
	if len(s.stack) == 0 || s.stack[0].role != roleRoot || s.quote != 0 {
		return h, false // empty, not a mapping, or an unterminated quote
	}
	if needsBody(&s.h, doc.Text) {
		return h, false
	}
	return s.h, true
}

// printable reports whether line holds only characters YAML allows in content that
// this scanner reads as yaml.v3 does: no tabs or control characters, no characters
// YAML counts as line breaks (NEL, LS, PS), no byte order mark, valid UTF-8.
func printable(line []byte) bool {
	// Eight bytes at a time while all are printable ASCII, the common case.
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(line); i += 8 {
		x := binary.LittleEndian.Uint64(line[i:])
		below := (x - ones*0x20) &^ x & highs         // some byte < 0x20
		above := ((x + ones*(0x7f-0x7e)) | x) & highs // some byte > 0x7e
		if below|above != 0 {
			break
		}
	}
	for i < len(line) {
		c := line[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if c < 0x80 {
			return false
		}
		r, size := utf8.DecodeRune(line[i:])
		switch {
		case r == utf8.RuneError, r < 0xa0, r == 0x2028, r == 0x2029, r == 0xfeff,
			r >= 0xd800 && r < 0xe000, r == 0xfffe, r == 0xffff:
			return false
		}
		i += size
	}
	return true
}

func trimLeftSpaces(b []byte) []byte {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	return b
}

// line consumes one line; false declines the document.
func (s *headerScan) line(line []byte, lineNo int) bool {
	indent := 0
	for indent < len(line) && line[indent] == ' ' {
		indent++
	}
	blank := indent == len(line)
	if s.block >= 0 {
		switch {
		case blank:
			if s.blockIndent < 0 {
				s.blockLeadingBlank = max(s.blockLeadingBlank, indent)
			}
			return true
		case indent > s.block:
			if s.blockIndent < 0 {
				s.blockIndent = indent
				// YAML forbids leading blank lines longer than the content's indentation.
				return s.blockLeadingBlank <= indent
			}
			return indent >= s.blockIndent
		}
		s.block = -1
	}
	if s.quote != 0 {
		return s.quotedContinuation(line, indent, blank)
	}
	if blank {
		return true
	}
	if line[indent] == '#' {
		s.plainCont = false // a comment ends a plain scalar
		return true
	}
	if s.maxIndent >= 0 {
		if indent > s.maxIndent {
			// A plain scalar continued on this line, or an error.
			return s.plainCont && plainContinuation(line[indent:])
		}
		s.maxIndent, s.plainCont = -1, false
	}
	rest := line[indent:]
	dash := rest[0] == '-' && (len(rest) == 1 || rest[1] == ' ')
	if s.pending {
		s.pending = false
		if indent > s.pendIndent && !dash && s.pendRole == roleOther {
			if _, _, status := scanKey(line, indent, false); status == notKey {
				// The value is a scalar or flow collection on its own line.
				return s.afterValue(scanValue(line, indent, false), s.pendIndent, false)
			}
		}
		switch {
		case indent > s.pendIndent, indent == s.pendIndent && s.pendSameSeq && dash:
			r := s.pendRole
			if dash {
				r = roleOther // metadata as a sequence holds no name
			}
			s.stack = append(s.stack, frame{indent: indent, seq: dash, role: r})
		}
	}
	if len(s.stack) == 0 {
		if dash {
			return false // a sequence document is no object; yaml.v3 decides
		}
		s.stack = append(s.stack, frame{indent: indent, role: roleRoot})
	}
	for len(s.stack) > 0 && s.stack[len(s.stack)-1].indent > indent {
		s.stack = s.stack[:len(s.stack)-1]
	}
	if len(s.stack) == 0 || s.stack[len(s.stack)-1].indent != indent {
		return false
	}
	if top := s.stack[len(s.stack)-1]; top.seq && !dash {
		// A sequence at its parent key's indent ends at the parent's next key.
		s.stack = s.stack[:len(s.stack)-1]
		if len(s.stack) == 0 || s.stack[len(s.stack)-1].indent != indent || s.stack[len(s.stack)-1].seq {
			return false
		}
	}
	top := s.stack[len(s.stack)-1]
	if !top.seq {
		if dash {
			return false
		}
		return s.entry(line, indent, top.role, lineNo)
	}
	// A sequence entry: "-", "- scalar" or "- key: value" (a mapping at the key's column).
	p := indent + 1
	for p < len(line) && line[p] == ' ' {
		p++
	}
	if p == len(line) || line[p] == '#' {
		s.pending, s.pendIndent, s.pendSameSeq, s.pendRole = true, indent, false, roleOther
		return true
	}
	if line[p] == '-' && (p+1 == len(line) || line[p+1] == ' ') {
		return false // "- - x"
	}
	_, _, status := scanKey(line, p, false)
	switch status {
	case keyFound:
		s.stack = append(s.stack, frame{indent: p, role: roleOther})
		return s.entry(line, p, roleOther, lineNo)
	case notKey:
		return s.afterValue(scanValue(line, p, false), indent, false)
	}
	return false
}

// afterValue sets what the lines after a value may be; parent is the indent of the
// collection holding it. header tells whether a header field holds it: such a value
// must end on its line.
func (s *headerScan) afterValue(v value, parent int, header bool) bool {
	switch v.kind {
	case valueScalar:
		s.maxIndent, s.plainCont = parent, v.plain && !header
		return true
	case valueBlock:
		if header {
			return false
		}
		s.block, s.blockIndent, s.blockLeadingBlank = parent, -1, 0
		return true
	case valueQuoteOpen:
		if header {
			return false
		}
		s.quote, s.quoteParent = v.quote, parent
		return true
	}
	return false
}

// quotedContinuation consumes a line of a quoted scalar begun on an earlier line.
func (s *headerScan) quotedContinuation(line []byte, indent int, blank bool) bool {
	if blank {
		return true
	}
	if indent <= s.quoteParent {
		return false
	}
	end, closed, ok := closingQuote(line, indent, s.quote)
	if !ok {
		return false
	}
	if closed {
		s.quote = 0
		s.maxIndent, s.plainCont = s.quoteParent, false
		return endsLine(line, end)
	}
	return true
}

// plainContinuation reports whether rest, a line more indented than the plain scalar
// before it, continues that scalar within the subset this scanner accepts. Any first
// character but '#' (a comment line, handled before) continues it, indicators included.
func plainContinuation(rest []byte) bool {
	for q := 0; q < len(rest); q++ {
		switch rest[q] {
		case '#':
			if q > 0 && rest[q-1] == ' ' {
				return false
			}
		case ':':
			if q+1 == len(rest) || rest[q+1] == ' ' {
				return false
			}
		}
	}
	return true
}

// endsLine reports whether only blanks and a comment follow line[p:].
func endsLine(line []byte, p int) bool {
	q := skipSpaces(line, p)
	return q == len(line) || line[q] == '#' && q > p
}

// entry consumes a mapping entry "key: value" whose key starts at column col.
func (s *headerScan) entry(line []byte, col int, r role, lineNo int) bool {
	// Only the keys of the root and metadata mappings are decoded: allocating every
	// key's text would be much of the fast path's cost.
	key, end, status := scanKey(line, col, r != roleOther)
	if status != keyFound || key.merge {
		return false
	}
	// A key that does not decode to a string turns its mapping into map[any]any, which
	// is no object (root) or no metadata (metadata): left to yaml.v3.
	if r != roleOther && !key.quoted && !plainIsString(key.text) {
		return false
	}
	field := 0
	switch {
	case r == roleRoot && key.text == "apiVersion":
		field = seenAPIVersion
	case r == roleRoot && key.text == "kind":
		field = seenKind
	case r == roleRoot && key.text == "metadata":
		field = seenMetadata
	case r == roleMetadata && key.text == "name":
		field = seenName
	case r == roleMetadata && key.text == "namespace":
		field = seenNamespace
	}
	if field != 0 {
		if s.seen&field != 0 {
			return false // duplicate: yaml.v3 keeps the last, this scanner does not try
		}
		s.seen |= field
	}
	v := scanValue(line, end, field != 0)
	switch v.kind {
	case valueNone:
		if field != 0 && field != seenMetadata {
			return false // null or a collection where a string belongs
		}
		s.pending, s.pendIndent, s.pendSameSeq, s.pendRole = true, col, true, roleOther
		if field == seenMetadata {
			s.pendRole = roleMetadata
			s.h.hasMetadata = true
		}
		return true
	case valueBlock, valueQuoteOpen:
		return s.afterValue(v, col, field != 0)
	case valueScalar:
		s.afterValue(v, col, field != 0)
		if field == 0 {
			return true
		}
		if !v.isString {
			return false
		}
		switch field {
		case seenAPIVersion:
			s.h.apiVersion, s.h.line = v.text, lineNo
		case seenKind:
			if alwaysNeedsBody(v.text) {
				return false // no need to read further
			}
			s.h.kind = v.text
		case seenMetadata:
			return false // metadata as a scalar: rare, left to yaml.v3
		case seenName:
			s.h.name, s.h.hasName = v.text, true
		case seenNamespace:
			s.h.namespace, s.h.hasNamespace = v.text, true
		}
		return true
	}
	return false
}

type keyStatus uint8

const (
	notKey keyStatus = iota
	keyFound
	keyDecline
)

// scalarText is a key read from one line: its text (when decoded), whether it was
// quoted, and whether it is the merge key "<<".
type scalarText struct {
	text          string
	quoted, merge bool
}

// maxKeyLength bounds an implicit key, from its start to its ':': YAML limits them to
// 1024 characters and yaml.v3 rejects longer ones; this scanner counts bytes, and
// leaves some margin.
const maxKeyLength = 1000

// scanKey reads an implicit key at line[p:]: a plain or single-line quoted scalar
// followed by ':' and a blank or the end of the line. end is just past the ':'.
// notKey means the line holds no key (it may be a scalar); keyDecline, something this
// scanner does not read.
func scanKey(line []byte, p int, decode bool) (key scalarText, end int, status keyStatus) {
	if c := line[p]; c == '"' || c == '\'' {
		q, closed, ok := closingQuote(line, p+1, c)
		if !ok {
			return key, 0, keyDecline
		}
		if !closed {
			return key, 0, notKey // a quoted scalar going on on the next line
		}
		for q < len(line) && line[q] == ' ' {
			q++
		}
		if q == len(line) || line[q] == '#' {
			return key, 0, notKey // a quoted scalar alone; scanValue decides
		}
		if line[q] != ':' || (q+1 < len(line) && line[q+1] != ' ') || q-p > maxKeyLength {
			return key, 0, keyDecline
		}
		key.quoted = true
		if decode {
			key.text, _, _ = scanQuoted(line, p)
		}
		return key, q + 1, keyFound
	}
	if c := line[p]; c == '[' || c == '{' || c == '|' || c == '>' {
		return key, 0, notKey // a flow collection or block scalar; as a key, declined by the caller
	}
	if isIndicator(line, p) {
		return key, 0, keyDecline
	}
	for q := p; q < len(line); q++ {
		switch line[q] {
		case ':':
			if q+1 == len(line) || line[q+1] == ' ' {
				k := line[p:q]
				for len(k) > 0 && k[len(k)-1] == ' ' {
					k = k[:len(k)-1]
				}
				if q-p > maxKeyLength {
					return key, 0, keyDecline
				}
				key.merge = len(k) == 2 && k[0] == '<' && k[1] == '<'
				if decode {
					key.text = string(k)
				}
				return key, q + 1, keyFound
			}
		case '#':
			if line[q-1] == ' ' {
				return key, 0, notKey // a comment ends the scalar before any ':'
			}
		}
	}
	return key, 0, notKey
}

// isIndicator reports whether line[p] starts something other than a plain scalar.
func isIndicator(line []byte, p int) bool {
	switch line[p] {
	case '[', ']', '{', '}', ',', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`':
		return true
	case '-', '?', ':':
		// Plain when followed by a non-blank: "--port=80", "-1", ":x".
		return p+1 == len(line) || line[p+1] == ' '
	}
	return false
}

type valueKind uint8

const (
	valueDecline valueKind = iota
	valueNone              // nothing on the line: null, or a collection on the next lines
	valueScalar
	valueBlock     // | or >
	valueQuoteOpen // a quoted scalar that goes on on the next line
)

type value struct {
	kind     valueKind
	text     string
	isString bool
	plain    bool
	quote    byte // of valueQuoteOpen
}

// scanValue reads the value after a key's ':' (or a sequence entry's "- ") at line[p:].
// Its text is decoded only when decode is set.
func scanValue(line []byte, p int, decode bool) value {
	for p < len(line) && line[p] == ' ' {
		p++
	}
	if p == len(line) || line[p] == '#' {
		return value{kind: valueNone}
	}
	switch c := line[p]; {
	case c == '|' || c == '>':
		q := p + 1
		if q < len(line) && (line[q] == '-' || line[q] == '+') {
			q++
		}
		for q < len(line) && line[q] == ' ' {
			q++
		}
		if q == len(line) || (line[q] == '#' && line[q-1] == ' ') {
			return value{kind: valueBlock}
		}
		return value{} // indentation indicators and the like
	case c == '"' || c == '\'':
		end, closed, ok := closingQuote(line, p+1, c)
		switch {
		case !ok:
			return value{}
		case !closed:
			return value{kind: valueQuoteOpen, quote: c}
		case !endsLine(line, end):
			return value{}
		}
		v := value{kind: valueScalar, isString: true}
		if decode {
			v.text, _, _ = scanQuoted(line, p)
		}
		return v
	case c == '[' || c == '{':
		q, ok := scanFlow(line, p, 0)
		if !ok {
			return value{}
		}
		for q < len(line) && line[q] == ' ' {
			q++
		}
		if q < len(line) && (line[q] != '#' || line[q-1] != ' ') {
			return value{}
		}
		return value{kind: valueScalar} // a collection: no string, ends on its line
	case isIndicator(line, p):
		return value{}
	}
	end := len(line)
	for q := p; q < len(line); q++ {
		if line[q] == '#' && line[q-1] == ' ' {
			end = q
			break
		}
		if line[q] == ':' && (q+1 == len(line) || line[q+1] == ' ') {
			return value{} // "a: b: c" is an error; "- a: b" was read as a key before
		}
	}
	commented := end < len(line)
	for end > p && line[end-1] == ' ' {
		end--
	}
	// A comment ends the scalar: it cannot go on on the next line.
	v := value{kind: valueScalar, plain: !commented}
	if decode {
		v.text = string(line[p:end])
		v.isString = plainIsString(v.text)
	}
	return v
}

// scanQuoted reads a quoted scalar that ends on its line, starting at the quote
// line[p]. end is just past the closing quote. Double-quoted escapes other than the
// common one-character ones make it decline.
func scanQuoted(line []byte, p int) (text string, end int, ok bool) {
	quote := line[p]
	var b []byte
	start := p + 1
	for q := start; q < len(line); q++ {
		c := line[q]
		switch {
		case quote == '\'' && c == '\'':
			if q+1 < len(line) && line[q+1] == '\'' {
				b = append(b, line[start:q+1]...)
				q++
				start = q + 1
				continue
			}
			return string(append(b, line[start:q]...)), q + 1, true
		case quote == '"' && c == '"':
			return string(append(b, line[start:q]...)), q + 1, true
		case quote == '"' && c == '\\':
			if q+1 == len(line) {
				return "", 0, false
			}
			e, known := simpleEscapes[line[q+1]]
			if !known {
				return "", 0, false
			}
			b = append(append(b, line[start:q]...), e)
			q++
			start = q + 1
		}
	}
	return "", 0, false // continues on the next line
}

// closingQuote finds the end of a quoted scalar on line from line[p] on: end is just
// past the closing quote when closed. ok is false for escapes this scanner does not
// read, and for a double-quoted line ending in a backslash (an escaped line break).
func closingQuote(line []byte, p int, quote byte) (end int, closed, ok bool) {
	for q := p; q < len(line); q++ {
		switch c := line[q]; {
		case c == quote && quote == '\'':
			if q+1 < len(line) && line[q+1] == '\'' {
				q++
				continue
			}
			return q + 1, true, true
		case c == quote:
			return q + 1, true, true
		case c == '\\' && quote == '"':
			if q+1 == len(line) {
				return 0, false, false
			}
			if _, known := simpleEscapes[line[q+1]]; !known {
				return 0, false, false
			}
			q++
		}
	}
	return 0, false, true
}

// simpleEscapes are the one-character escapes yaml.v3 accepts in double-quoted scalars
// and decodes to one ASCII byte (it rejects YAML 1.2's "\/").
var simpleEscapes = map[byte]byte{
	'0': 0, 'a': '\a', 'b': '\b', 't': '\t', 'n': '\n', 'v': '\v', 'f': '\f', 'r': '\r',
	'e': 0x1b, ' ': ' ', '"': '"', '\'': '\'', '\\': '\\',
}

// plainIsString reports whether yaml.v3 resolves plain scalar s to a string: not null,
// a bool, a number, a timestamp or the merge key. Conservative: anything starting like
// a number is treated as one.
func plainIsString(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '+', '-', '.', '~', '<':
		return false
	}
	switch s {
	case "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL":
		return false
	}
	return true
}

// maxFlowDepth bounds nesting in scanFlow.
const maxFlowDepth = 8

// scanFlow checks a flow collection that ends on its line, starting at line[p] ('[' or
// '{'), and returns the index just past its end. It accepts a subset of flow YAML:
// sequences of scalars and collections, mappings of "key: value" pairs, quoted or
// plain scalars of unambiguous characters, no trailing commas.
func scanFlow(line []byte, p, depth int) (end int, ok bool) {
	if depth > maxFlowDepth {
		return 0, false
	}
	closing := byte(']')
	if line[p] == '{' {
		closing = '}'
	}
	q := skipSpaces(line, p+1)
	if q < len(line) && line[q] == closing {
		return q + 1, true
	}
	for {
		if closing == '}' && q < len(line) && (line[q] == '[' || line[q] == '{') {
			return 0, false // a collection as a key
		}
		start := q
		var ok bool
		if q, ok = scanFlowNode(line, q, depth); !ok {
			return 0, false
		}
		q = skipSpaces(line, q)
		if closing == '}' {
			// A mapping entry: the key just read, then ": " and a value.
			if q+1 >= len(line) || line[q] != ':' || line[q+1] != ' ' || q-start > maxKeyLength {
				return 0, false
			}
			if q, ok = scanFlowNode(line, skipSpaces(line, q+1), depth); !ok {
				return 0, false
			}
			q = skipSpaces(line, q)
		}
		if q >= len(line) {
			return 0, false
		}
		switch line[q] {
		case closing:
			return q + 1, true
		case ',':
			q = skipSpaces(line, q+1)
		default:
			return 0, false
		}
	}
}

// scanFlowNode checks one node inside a flow collection at line[p].
func scanFlowNode(line []byte, p, depth int) (end int, ok bool) {
	if p >= len(line) {
		return 0, false
	}
	switch line[p] {
	case '[', '{':
		return scanFlow(line, p, depth+1)
	case '"', '\'':
		_, end, ok := scanQuoted(line, p)
		return end, ok
	}
	q := p
	for q < len(line) && isFlowPlain(line[q]) {
		q++
	}
	if q == p || line[p] == '-' && (q == p+1) {
		return 0, false
	}
	return q, true
}

// isFlowPlain reports whether c may be part of a plain scalar in a flow collection as
// scanFlow reads it: no indicators, blanks or separators.
func isFlowPlain(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.' || c == '/' || c == '-' || c == '+' || c == '='
}

func skipSpaces(line []byte, p int) int {
	for p < len(line) && line[p] == ' ' {
		p++
	}
	return p
}
