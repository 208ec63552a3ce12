package cmd

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestEscapeText: what would forge a line or drive a terminal is
// escaped; everything else passes as it is.
func TestEscapeText(t *testing.T) {
	for in, want := range map[string]string{
		"plain name.txt":          "plain name.txt",
		"tab\there, é, 日本":        "tab\there, é, 日本",
		"evil\nsockit: forged":    `evil\nsockit: forged`,
		"\x1b[2Jclear":            `\x1b[2Jclear`,
		"cr\rover\x00nul\x7fdel":  `cr\rover\x00nul\x7fdel`,
		"c1 \u009b31m":            `c1 \u009b31m`,
		"bidi \u202etxt.exe":      `bidi \u202etxt.exe`,
		"bad \xff\xfe utf8":       `bad \xff\xfe utf8`,
		"replacement \uFFFD kept": "replacement \uFFFD kept",
	} {
		if got := escapeText(in); got != want {
			t.Errorf("escapeText(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzEscapeText: the result is one line of valid UTF-8 without control
// characters (but tab), and text that needs nothing is unchanged.
func FuzzEscapeText(f *testing.F) {
	f.Add("evil\nsockit: forged\x1b[2J")
	f.Add("\xc2\x9b\xe2\x80\xae\xff")
	f.Fuzz(func(t *testing.T, s string) {
		got := escapeText(s)
		if !utf8.ValidString(got) {
			t.Fatalf("%q: not UTF-8: %q", s, got)
		}
		for _, r := range got {
			if r < 0x20 && r != '\t' || r >= 0x7f && r < 0xa0 || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 {
				t.Fatalf("%q: %U left in %q", s, r, got)
			}
		}
		if !strings.Contains(got, `\`) && got != s {
			t.Fatalf("%q changed to %q with nothing escaped", s, got)
		}
	})
}
