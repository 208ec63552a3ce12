package ipc

import (
	"strings"
	"testing"
)

func TestParseAddr(t *testing.T) {
	long := strings.Repeat("a", 120)
	for _, tc := range []struct{ in, want, err string }{
		{"unix:/tmp/s", "/tmp/s", ""},
		{"unix:@name", "@name", ""},
		{"/tmp/s", "/tmp/s", ""},
		{"@x", "@x", ""},
		{"rel/s.sock", "rel/s.sock", ""},
		{"unix:rel", "rel", ""},
		{"unix:unix:x", "unix:x", ""},
		{"/" + long[:106], "/" + long[:106], ""},
		{"@" + long[:107], "@" + long[:107], ""},
		{"", "", "empty socket path"},
		{"unix:", "", "empty socket path"},
		{"@", "", "empty abstract socket name"},
		{"unix:@", "", "empty abstract socket name"},
		{"a\x00b", "", `socket path "a\x00b" contains a NUL byte`},
		{"@a\x00b", "", "abstract socket name"},
		{"/" + long[:107], "", "socket path is 108 bytes, longer than the 107 a Unix socket address can hold"},
		{long, "", "socket path is 120 bytes, longer than the 107 a Unix socket address can hold"},
		{"unix:" + long, "", "socket path is 120 bytes"},
		{"@" + long[:108], "", "abstract socket name is 108 bytes, longer than the 107"},
	} {
		got, err := ParseAddr(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseAddr(%q) = %q, %v; want error %q", tc.in, got, err, tc.err)
			}
		} else if err != nil || got != tc.want {
			t.Errorf("ParseAddr(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestIsUnixAddr(t *testing.T) {
	for in, want := range map[string]bool{
		"unix:/s": true, "unix:@a": true, "unix:": true,
		"/s": false, "@a": false, "localhost:80": false, "UNIX:/s": false, "unixy:/s": false,
	} {
		if got := IsUnixAddr(in); got != want {
			t.Errorf("IsUnixAddr(%q) = %v, want %v", in, got, want)
		}
	}
}

func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"unix:/a", "@b", "unix:@", "x", "", "unix:" + strings.Repeat("x", 107)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseAddr(s)
		if err != nil {
			if p != "" {
				t.Fatalf("ParseAddr(%q) = %q with error %v", s, p, err)
			}
			return
		}
		name := strings.TrimPrefix(p, "@")
		if name == "" || strings.IndexByte(p, 0) >= 0 || len(name) > maxPath {
			t.Fatalf("ParseAddr(%q) = %q", s, p)
		}
		if p != strings.TrimPrefix(s, Prefix) {
			t.Fatalf("ParseAddr(%q) = %q, not the input without its prefix", s, p)
		}
	})
}
