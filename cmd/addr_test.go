package cmd

import (
	"errors"
	"strings"
	"testing"
)

func TestParseAddr(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		listening bool
		want      string // "" when an error is expected
		errPart   string
	}{
		{[]string{"127.0.0.1:80"}, false, "127.0.0.1:80", ""},
		{[]string{"localhost:8080"}, false, "localhost:8080", ""},
		{[]string{"example.com", "443"}, false, "example.com:443", ""},
		{[]string{"[::1]:9000"}, false, "[::1]:9000", ""},
		{[]string{"::1", "9000"}, false, "[::1]:9000", ""},
		{[]string{"[::1]", "9000"}, false, "[::1]:9000", ""},
		{[]string{"[fe80::1%lo]:22"}, false, "[fe80::1%lo]:22", ""},
		{[]string{"host:http"}, false, "host:80", ""},
		{[]string{"9000"}, true, ":9000", ""},
		{[]string{":9000"}, true, ":9000", ""},
		{[]string{"0"}, true, ":0", ""},
		{[]string{"127.0.0.1:0"}, true, "127.0.0.1:0", ""},
		{[]string{"127.0.0.1", "0"}, true, "127.0.0.1:0", ""},

		{nil, false, "", "missing ADDR"},
		{[]string{"9000"}, false, "", "missing port"},
		{[]string{":9000"}, false, "", "missing host"},
		{[]string{"host"}, false, "", "missing port"},
		{[]string{"::1:80"}, false, "", "need brackets"},
		{[]string{"host:0"}, false, "", "only for listening"},
		{[]string{"host:65536"}, false, "", "want 0-65535"},
		{[]string{"host:000000080"}, false, "", "want 0-65535"},
		{[]string{"host:nosuchservice"}, false, "", "not a number or a known service"},
		{[]string{"host:"}, false, "", "bad port"},
		{[]string{"a b:80"}, false, "", "bad host"},
		{[]string{"", "80"}, false, "", "empty host"},
		{[]string{"a", "1", "2"}, false, "", "too many arguments: 2"},
		{[]string{"[::1:80"}, false, "", "bad address"},
	} {
		got, err := parseAddr("connect", tc.args, tc.listening)
		if tc.want != "" {
			if err != nil || got != tc.want {
				t.Errorf("parseAddr(%q, %v) = %q, %v; want %q", tc.args, tc.listening, got, err, tc.want)
			}
			continue
		}
		var ue *usageError
		if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.errPart) {
			t.Errorf("parseAddr(%q, %v) = %q, %v; want a usage error with %q", tc.args, tc.listening, got, err, tc.errPart)
		}
	}
}

// FuzzParseAddr checks that parseAddr never panics, that what it accepts
// is accepted again unchanged, and that it only fails with usage errors.
func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"127.0.0.1:80", "[::1]:0", "host 80", "9000", ":1", "a:b:c", "[x]:", "h:http"} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, listening bool) {
		args := strings.SplitN(s, " ", 3)
		got, err := parseAddr("connect", args, listening)
		if err != nil {
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("parseAddr(%q) = %v: not a usage error", args, err)
			}
			return
		}
		again, err := parseAddr("connect", []string{got}, listening)
		if err != nil || again != got {
			t.Fatalf("parseAddr(%q) = %q, but that parses as %q, %v", args, got, again, err)
		}
	})
}
