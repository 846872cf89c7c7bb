package scanner

import (
	"strings"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

// unitEntry is one Key=Value assignment of a systemd unit file.
type unitEntry struct {
	Section, Key string
	// Value with continuations joined (each backslash-newline becomes a space).
	Value string
	// Lines[i] is the file line of Value[i]: words keep the line they were written on.
	Lines []int
	Line  int
}

// parseUnit reads a unit file as systemd does: [Section] headers, Key=Value lines,
// comments starting with # or ; (also between continued lines), and a trailing
// backslash continuing the value on the next line.
func parseUnit(data string) []unitEntry {
	var (
		out     []unitEntry
		section string
		cur     *unitEntry
	)
	for i, raw := range strings.Split(data, "\n") {
		lineNo := i + 1
		line := strings.TrimSuffix(raw, "\r")
		trimmed := strings.TrimSpace(line)
		if cur != nil {
			if strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, ";") {
				continue
			}
			cont := strings.HasSuffix(line, "\\")
			if cont {
				line = line[:len(line)-1]
			}
			appendValue(cur, " "+line, lineNo)
			if !cont {
				out = append(out, *cur)
				cur = nil
			}
			continue
		}
		if trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';' {
			continue
		}
		if trimmed[0] == '[' {
			section = strings.Trim(trimmed, "[]")
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		e := unitEntry{Section: section, Key: strings.TrimSpace(key), Line: lineNo}
		value = strings.TrimLeft(value, " \t")
		cont := strings.HasSuffix(value, "\\")
		if cont {
			value = value[:len(value)-1]
		}
		appendValue(&e, value, lineNo)
		if cont {
			cur = &e
			continue
		}
		out = append(out, e)
	}
	if cur != nil {
		out = append(out, *cur)
	}
	for i := range out {
		trimRight(&out[i])
	}
	return out
}

func appendValue(e *unitEntry, s string, line int) {
	e.Value += s
	for range len(s) {
		e.Lines = append(e.Lines, line)
	}
}

func trimRight(e *unitEntry) {
	v := strings.TrimRight(e.Value, " \t")
	e.Value, e.Lines = v, e.Lines[:len(v)]
}

// unitWord is a word of a unit value after unquoting, and the line it starts on.
type unitWord struct {
	Text string
	Line int
	// Lines[i] is the file line of Text[i] (empty when the value came without lines).
	Lines []int
	// Quoted is true when any part of the word was quoted.
	Quoted bool
}

// splitUnitWords splits a value into words as systemd does for command lines and
// Environment=: blanks separate words; "..." and '...' quote; backslash escapes are
// C-style. An unterminated quote ends at the end of the value.
func splitUnitWords(value string, lines []int) []unitWord {
	var (
		out   []unitWord
		b     strings.Builder
		in    bool
		cur   unitWord
		quote byte
	)
	lineAt := func(i int) int {
		if i < len(lines) {
			return lines[i]
		}
		if len(lines) > 0 {
			return lines[len(lines)-1]
		}
		return 0
	}
	start := func(i int) {
		if !in {
			in = true
			cur = unitWord{Line: lineAt(i)}
		}
	}
	// write adds text read at value[i] to the word, with its line.
	write := func(text string, i int) {
		b.WriteString(text)
		if lines != nil {
			for range len(text) {
				cur.Lines = append(cur.Lines, lineAt(i))
			}
		}
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		switch {
		case quote == 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			if in {
				cur.Text = b.String()
				out = append(out, cur)
				b.Reset()
				in = false
			}
		case c == '\\' && quote != '\'' && i+1 < len(value):
			start(i)
			i++
			write(cUnescape(value[i]), i)
		case quote == 0 && (c == '"' || c == '\''):
			start(i)
			cur.Quoted = true
			quote = c
		case quote != 0 && c == quote:
			quote = 0
		default:
			start(i)
			write(value[i:i+1], i)
		}
	}
	if in {
		cur.Text = b.String()
		out = append(out, cur)
	}
	return out
}

func cUnescape(c byte) string {
	switch c {
	case 'n':
		return "\n"
	case 't':
		return "\t"
	case 'r':
		return "\r"
	case 'a':
		return "\a"
	case 'b':
		return "\b"
	case 'f':
		return "\f"
	case 'v':
		return "\v"
	case 's':
		return " "
	}
	return string(c)
}

// envVar is one variable assignment and where it was made.
type envVar struct {
	Name, Value string
	Source      inventory.Source
	// Lines[i] is the file line of Value[i], so each word of a value continued over
	// several lines keeps its own line; nil means all of it is at Source.Line.
	Lines []int
}

// wordSource is where a word of v's value was written: v's file, at the word's own line
// when v knows its lines.
func (v envVar) wordSource(w unitWord) inventory.Source {
	src := v.Source
	if w.Line > 0 {
		src.Line = w.Line
	}
	return src
}

// parseEnvFile reads an EnvironmentFile= as systemd does: KEY=VALUE lines; blank lines
// and lines starting with # or ; ignored; values unquoted (trailing blanks trimmed,
// backslash escapes the next character, backslash-newline continues), "double quoted"
// (backslash escapes ", \, `, $ and newline) or 'single quoted', spanning lines if need be.
// Lines whose key is not a valid variable name are skipped, as systemd skips them.
func parseEnvFile(data, file string) []envVar {
	var out []envVar
	line := 1
	i := 0
	n := len(data)
	skipLine := func() {
		for i < n && data[i] != '\n' {
			i++
		}
		if i < n {
			i++
			line++
		}
	}
	for i < n {
		// Leading blanks.
		for i < n && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r') {
			i++
		}
		if i >= n {
			break
		}
		if data[i] == '\n' {
			i++
			line++
			continue
		}
		if data[i] == '#' || data[i] == ';' {
			skipLine()
			continue
		}
		keyLine := line
		ks := i
		for i < n && data[i] != '=' && data[i] != '\n' {
			i++
		}
		if i >= n || data[i] != '=' {
			skipLine()
			continue
		}
		key := strings.TrimSpace(data[ks:i])
		i++ // '='
		var (
			val        strings.Builder
			lines      []int // file line of each byte of val
			trailingWS int   // blanks at the end of val written unquoted, trimmed at the end
			quote      byte
		)
		put := func(c byte) {
			val.WriteByte(c)
			lines = append(lines, line)
		}
		for i < n {
			c := data[i]
			if quote == 0 {
				if c == '\n' {
					break
				}
				switch {
				case c == '\\' && i+1 < n:
					i++
					if data[i] == '\n' {
						line++
					} else if data[i] != '\r' {
						put(data[i])
					}
					trailingWS = 0
				case c == '"' || c == '\'':
					quote = c
					trailingWS = 0
				case c == ' ' || c == '\t' || c == '\r':
					if val.Len() > 0 {
						put(c)
						trailingWS++
					}
				default:
					put(c)
					trailingWS = 0
				}
				i++
				continue
			}
			switch {
			case c == quote:
				quote = 0
			case quote == '"' && c == '\\' && i+1 < n:
				next := data[i+1]
				switch next {
				case '"', '\\', '`', '$':
					put(next)
					i++
				case '\n':
					i++
					line++
				default:
					put(c)
				}
			default:
				put(c)
				if c == '\n' {
					line++
				}
			}
			i++
		}
		v := val.String()
		v = v[:len(v)-trailingWS]
		if validEnvName(key) {
			out = append(out, envVar{Name: key, Value: v, Lines: lines[:len(v)], Source: inventory.Source{Path: file, Line: keyLine}})
		}
	}
	return out
}

func validEnvName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// environment is a unit's environment as the service will see it.
type environment struct {
	vars map[string]envVar
	// order keeps first definitions' order for output.
	order []string
}

func (e *environment) set(v envVar) {
	if e.vars == nil {
		e.vars = map[string]envVar{}
	}
	if _, ok := e.vars[v.Name]; !ok {
		e.order = append(e.order, v.Name)
	}
	e.vars[v.Name] = v
}

func (e *environment) list() []envVar {
	out := make([]envVar, 0, len(e.order))
	for _, n := range e.order {
		out = append(out, e.vars[n])
	}
	return out
}

// expandCommand splits an ExecStart= value into words and substitutes variables as
// systemd.service(5) documents: a word that is exactly $NAME becomes the variable's value
// split into words (zero or more); ${NAME} anywhere in a word is replaced by the value,
// the word staying one argument. "$$" is a literal "$", "%%" a literal "%". Words from a
// $NAME expansion carry the variable's source; others the unit file's line.
func expandCommand(value string, lines []int, unitFile string, env *environment) []word {
	var out []word
	for _, w := range splitUnitWords(value, lines) {
		text := strings.ReplaceAll(w.Text, "%%", "%")
		if name, ok := strings.CutPrefix(text, "$"); ok && !strings.HasPrefix(name, "{") && validEnvName(name) {
			v, found := env.vars[name]
			if !found {
				continue
			}
			for _, sub := range splitUnitWords(v.Value, v.Lines) {
				out = append(out, word{Text: sub.Text, Source: v.wordSource(sub)})
			}
			continue
		}
		src := inventory.Source{Path: unitFile, Line: w.Line}
		expanded, whole := expandBraces(text, env)
		if whole != nil {
			src = whole.Source
		}
		out = append(out, word{Text: expanded, Source: src})
	}
	return out
}

// expandBraces replaces ${NAME} in s; "$$" stays a literal "$". When s is a single
// ${NAME} reference, whole is that variable.
func expandBraces(s string, env *environment) (string, *envVar) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	var whole *envVar
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		if s[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if s[i+1] == '{' {
			end := strings.IndexByte(s[i+2:], '}')
			if end >= 0 {
				name := s[i+2 : i+2+end]
				if validEnvName(name) {
					if v, ok := env.vars[name]; ok {
						b.WriteString(v.Value)
						if i == 0 && i+3+end == len(s) {
							vv := v
							whole = &vv
						}
					}
					i += 2 + end
					continue
				}
			}
		}
		b.WriteByte(s[i])
	}
	return b.String(), whole
}

// stripExecPrefixes removes ExecStart='s special prefixes (-, @, :, +, !, !!).
func stripExecPrefixes(s string) string {
	return strings.TrimLeft(s, "-@:+!")
}
