package report

import (
	"strings"
	"unicode/utf8"
)

// wrap breaks s into lines of at most width runes. Words longer than width (paths, flag
// lists) break after a '/', '-', ',', '=', ':' or '.' where possible, so that a path
// reads as a path on two lines. Existing newlines are kept.
func wrap(s string, width int) []string {
	if width < 1 {
		width = 1
	}
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		var line string
		flush := func() {
			lines = append(lines, line)
			line = ""
		}
		words := strings.Fields(para)
		if len(words) == 0 {
			lines = append(lines, "")
			continue
		}
		for _, w := range words {
			for utf8.RuneCountInString(w) > width {
				// Fill the current line first when the long word can start on it.
				room := width
				if line != "" {
					room = width - utf8.RuneCountInString(line) - 1
					if room < width/3 {
						flush()
						room = width
					}
				}
				head, tail := breakWord(w, room)
				if line != "" {
					line += " " + head
				} else {
					line = head
				}
				flush()
				w = tail
			}
			switch {
			case line == "":
				line = w
			case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(w) <= width:
				line += " " + w
			default:
				flush()
				line = w
			}
		}
		if line != "" {
			flush()
		}
	}
	return lines
}

// breakWord splits w so that head has at most room runes: after the last separator in
// the last two thirds of the room when there is one, else exactly at the room.
func breakWord(w string, room int) (head, tail string) {
	if room < 1 {
		room = 1
	}
	runes := []rune(w)
	for i := room - 1; i >= room/3 && i > 0; i-- {
		if strings.ContainsRune("/-,=:.", runes[i]) {
			return string(runes[:i+1]), string(runes[i+1:])
		}
	}
	return string(runes[:room]), string(runes[room:])
}

// wrapJoin is wrap joined with newlines: one table cell.
func wrapJoin(s string, width int) string {
	return strings.Join(wrap(s, width), "\n")
}
