package addr

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	listen := Options{Listening: true}
	for _, tc := range []struct {
		args    []string
		o       Options
		want    string // Addr.String(); "" when an error is expected
		errPart string
	}{
		{[]string{"127.0.0.1:80"}, Options{}, "127.0.0.1:80", ""},
		{[]string{"localhost:8080"}, Options{}, "localhost:8080", ""},
		{[]string{"example.com", "443"}, Options{}, "example.com:443", ""},
		{[]string{"[::1]:9000"}, Options{}, "[::1]:9000", ""},
		{[]string{"::1", "9000"}, Options{}, "[::1]:9000", ""},
		{[]string{"[::1]", "9000"}, Options{}, "[::1]:9000", ""},
		{[]string{"[fe80::1%lo]:22"}, Options{}, "[fe80::1%lo]:22", ""},
		{[]string{"host:http"}, Options{}, "host:80", ""},
		{[]string{"9000"}, listen, ":9000", ""},
		{[]string{":9000"}, listen, ":9000", ""},
		{[]string{"0"}, listen, ":0", ""},
		{[]string{"127.0.0.1:0"}, listen, "127.0.0.1:0", ""},
		{[]string{"127.0.0.1", "0"}, listen, "127.0.0.1:0", ""},
		{[]string{"tcp:127.0.0.1:80"}, Options{}, "127.0.0.1:80", ""},
		{[]string{"TCP4:127.0.0.1:80"}, Options{}, "tcp4:127.0.0.1:80", ""},
		{[]string{"tcp6:[::1]:80"}, Options{}, "tcp6:[::1]:80", ""},
		{[]string{"tcp:example.com", "443"}, Options{}, "example.com:443", ""},
		{[]string{"tls:example.com:443"}, Options{}, "tls:example.com:443", ""},
		{[]string{"tls:tcp6:[::1]:443"}, Options{}, "tls:tcp6:[::1]:443", ""},
		{[]string{"unix:/tmp/s"}, Options{}, "unix:/tmp/s", ""},
		{[]string{"unix:@name"}, Options{}, "unix:@name", ""},
		{[]string{"tls:unix:/tmp/s"}, Options{}, "tls:unix:/tmp/s", ""},
		{[]string{"/tmp/s"}, Options{Unix: true}, "unix:/tmp/s", ""},
		{[]string{"unix:/tmp/s"}, Options{Unix: true}, "unix:/tmp/s", ""},
		{[]string{"rel.sock"}, Options{Unix: true}, "unix:rel.sock", ""},

		{nil, Options{}, "", "missing ADDR"},
		{nil, Options{Unix: true}, "", "missing PATH"},
		{[]string{"9000"}, Options{}, "", "missing port"},
		{[]string{":9000"}, Options{}, "", "missing host"},
		{[]string{"host"}, Options{}, "", "missing port"},
		{[]string{"::1:80"}, Options{}, "", "need brackets"},
		{[]string{"fe80::1%eth0:80"}, Options{}, "", "need brackets"},
		{[]string{"host:0"}, Options{}, "", "only for listening"},
		{[]string{"host:65536"}, Options{}, "", "want 0-65535"},
		{[]string{"host:000000080"}, Options{}, "", "want 0-65535"},
		{[]string{"host:nosuchservice"}, Options{}, "", "not a number or a known service"},
		{[]string{"host:"}, Options{}, "", "bad port"},
		{[]string{"a b:80"}, Options{}, "", "bad host"},
		{[]string{"", "80"}, Options{}, "", "empty host"},
		{[]string{"a", "1", "2"}, Options{}, "", "too many arguments: 2"},
		{[]string{"[::1:80"}, Options{}, "", "bad address"},
		{[]string{"http://example.com:80"}, Options{}, "", "http:// URLs are not addresses"},
		{[]string{"tpc:127.0.0.1:80"}, Options{}, "", `unknown scheme "tpc:"`},
		{[]string{"unix:/a", "b"}, Options{}, "", "too many arguments: b"},
		{[]string{"unix:"}, Options{}, "", "empty socket path"},
		{[]string{"unix:@"}, Options{}, "", "empty abstract socket name"},
		{[]string{"unix:/" + strings.Repeat("x", 107)}, Options{}, "", "longer than the 107"},
		{[]string{"unix:a\x00b"}, Options{}, "", "NUL byte"},
		{[]string{"unix:/a"}, Options{Family: IPv4}, "", "-4 applies to TCP, not to Unix sockets"},
		{[]string{"unix:tls:/a"}, Options{}, "", ""},
		{[]string{"tcp6:127.0.0.1:80"}, Options{}, "", "tcp6: given with the IPv4 address"},
		{[]string{"127.0.0.1:80"}, Options{Family: IPv6}, "", "-6 given with the IPv4 address"},
		{[]string{"[::1]:80"}, Options{Family: IPv4}, "", "-4 given with the IPv6 address"},
		{[]string{"tcp6:[::1]:80"}, Options{Family: IPv4}, "", "-4 conflicts with tcp6:"},
		{[]string{"tls:udp:127.0.0.1:53"}, Options{}, "", "TLS does not run over UDP"},
		{[]string{"127.0.0.1:53"}, Options{UDP: true}, "udp:127.0.0.1:53", ""},
		{[]string{"udp:127.0.0.1:53"}, Options{}, "udp:127.0.0.1:53", ""},
		{[]string{"udp4:localhost", "domain"}, Options{}, "udp4:localhost:53", ""},
		{[]string{"udp6:[::1]:0"}, Options{Listening: true}, "udp6:[::1]:0", ""},
		{[]string{"9000"}, Options{Listening: true, UDP: true}, "udp::9000", ""},
		{[]string{"tcp:127.0.0.1:53"}, Options{UDP: true}, "127.0.0.1:53", ""},
		{[]string{"udp6:127.0.0.1:53"}, Options{}, "", "udp6: given with the IPv4 address"},
		{[]string{"udp:[::1]:53"}, Options{Family: IPv4}, "", "-4 given with the IPv6 address"},
		{[]string{"udp:127.0.0.1:0"}, Options{}, "", "port 0 is only for listening"},
	} {
		got, err := Parse(tc.args, tc.o)
		if tc.want != "" {
			if err != nil || got.String() != tc.want {
				t.Errorf("Parse(%q, %+v) = %v, %v; want %q", tc.args, tc.o, got, err, tc.want)
			}
			continue
		}
		if tc.errPart == "" { // accepted as odd as it is: unix:tls:/a is the path "tls:/a"
			if err != nil {
				t.Errorf("Parse(%q) = %v", tc.args, err)
			}
			continue
		}
		var ae *Error
		if err == nil || (!errors.As(err, &ae)) || !strings.Contains(err.Error(), tc.errPart) {
			t.Errorf("Parse(%q, %+v) = %v, %v; want an error with %q", tc.args, tc.o, got, err, tc.errPart)
		}
	}
}

func TestAddrMethods(t *testing.T) {
	a, err := Parse([]string{"tcp6:[fe80::1%lo]:22"}, Options{})
	if err != nil || a.Network() != "tcp6" || a.HostPort() != "[fe80::1%lo]:22" || a.ServerName() != "fe80::1%lo" || a.Abstract() {
		t.Errorf("%+v %v: network %s, hostport %s", a, err, a.Network(), a.HostPort())
	}
	u, err := Parse([]string{"unix:@x"}, Options{})
	if err != nil || u.Network() != "unix" || u.HostPort() != "" || !u.Abstract() || u.ServerName() != "localhost" {
		t.Errorf("%+v %v", u, err)
	}
	d, err := Parse([]string{"udp4:127.0.0.1:53"}, Options{})
	if err != nil || d.Network() != "udp4" || d.HostPort() != "127.0.0.1:53" || !d.Kind.IP() || u.Kind.IP() {
		t.Errorf("%+v %v: network %s", d, err, d.Network())
	}
	var zero Addr
	if zero.HostPort() != ":0" || zero.Network() != "tcp" {
		t.Errorf("zero Addr: %s %s", zero.HostPort(), zero.Network())
	}
}

// FuzzParse checks that Parse never panics, that what it accepts is
// accepted again as the same address, and that it only fails with its
// own errors.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"127.0.0.1:80", "[::1]:0", "host 80", "9000", ":1", "a:b:c", "[x]:", "h:http", "tls:unix:@a", "tcp6:[::1]:1", "tpc:a:b", "http://x", "udp:[::1]:53", "udp4:h domain", "tls:udp:a:1"} {
		f.Add(s, true, false)
		f.Add(s, false, true)
	}
	f.Fuzz(func(t *testing.T, s string, listening, unix bool) {
		args := strings.SplitN(s, " ", 3)
		o := Options{Listening: listening, Unix: unix}
		got, err := Parse(args, o)
		if err != nil {
			var ae *Error
			if !errors.As(err, &ae) {
				t.Fatalf("Parse(%q) = %v: not an address error", args, err)
			}
			return
		}
		again, err := Parse([]string{got.String()}, Options{Listening: listening})
		if err != nil || again != got {
			t.Fatalf("Parse(%q) = %+v, but %q parses as %+v, %v", args, got, got.String(), again, err)
		}
	})
}
