package cmd

// Escaping of text that may come from a peer or the file system, for every
// line diag writes.

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// escapeText escapes what must not reach a terminal raw, as Go's strconv
// does: control characters but tab (\n, \r, \x1b, \x7f), C1 controls and
// the bidirectional overrides (\u009b, \u202e), and bytes that are not
// UTF-8 (\xff). A name from the wire holding "\nsockit: " or "\x1b[2J"
// then prints as those characters, on its own line. listen's --chat
// escapes the lines it relays the same way.
func escapeText(s string) string {
	clean := true
	for i := 0; i < len(s) && clean; {
		r, n := utf8.DecodeRuneInString(s[i:])
		clean = !mustEscape(r, n)
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch q := strconv.QuoteRune(r); {
		case !mustEscape(r, n):
			b.WriteString(s[i : i+n])
		case r == utf8.RuneError:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		default:
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return b.String()
}

// mustEscape reports whether the rune r, n bytes long, is escaped.
func mustEscape(r rune, n int) bool {
	switch {
	case r == utf8.RuneError && n == 1: // not UTF-8
		return true
	case r < 0x20:
		return r != '\t'
	case r >= 0x7f && r < 0xa0: // DEL and C1
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi
		return true
	}
	return false
}
