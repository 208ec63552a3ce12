package proxyproto

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"
)

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func TestParse(t *testing.T) {
	v2 := func(rest ...byte) string { return string(append(append([]byte(nil), v2Sig...), rest...)) }
	for _, tc := range []struct {
		name, in string
		want     Header
		err      error // nil: parses, taking every byte but "tail"
	}{
		{"v1 tcp4", "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n", Header{Version: 1, Source: ap("192.0.2.1:56324"), Dest: ap("198.51.100.2:443")}, nil},
		{"v1 tcp6", "PROXY TCP6 2001:db8::1 ::1 1 65535\r\n", Header{Version: 1, Source: ap("[2001:db8::1]:1"), Dest: ap("[::1]:65535")}, nil},
		{"v1 tcp6 mapped", "PROXY TCP6 ::ffff:1.2.3.4 ::1 0 80\r\n", Header{Version: 1, Source: ap("[::ffff:1.2.3.4]:0"), Dest: ap("[::1]:80")}, nil},
		{"v1 unknown", "PROXY UNKNOWN\r\n", Header{Version: 1}, nil},
		{"v1 unknown with junk", "PROXY UNKNOWN ffff:f...f:ffff 1 2\r\n", Header{Version: 1}, nil},
		{"v1 lf only", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", Header{}, ErrBadHeader},
		{"v1 bad proto", "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", Header{}, ErrBadHeader},
		{"v1 family mismatch", "PROXY TCP4 ::1 5.6.7.8 1 2\r\n", Header{}, ErrBadHeader},
		{"v1 tcp6 with v4", "PROXY TCP6 1.2.3.4 ::1 1 2\r\n", Header{}, ErrBadHeader},
		{"v1 zone", "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", Header{}, ErrBadHeader},
		{"v1 leading zero port", "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", Header{}, ErrBadHeader},
		{"v1 port too big", "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", Header{}, ErrBadHeader},
		{"v1 two spaces", "PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n", Header{}, ErrBadHeader},
		{"v1 missing field", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", Header{}, ErrBadHeader},
		{"v1 too long", "PROXY UNKNOWN " + strings.Repeat("x", 100) + "\r\n", Header{}, ErrBadHeader},
		{"v1 cut short", "PROXY TCP4 1.2.3.4", Header{}, ErrBadHeader},
		{"not a header", "GET / HTTP/1.1\r\n", Header{}, ErrNoHeader},
		{"almost v1", "PROXI TCP4\r\n", Header{}, ErrNoHeader},
		{"empty", "", Header{}, ErrNoHeader},
		{"v2 inet", v2(0x21, 0x11, 0, 12, 10, 0, 0, 1, 10, 0, 0, 2, 0x12, 0x34, 0, 80), Header{Version: 2, Source: ap("10.0.0.1:4660"), Dest: ap("10.0.0.2:80")}, nil},
		{"v2 inet with tlv", v2(0x21, 0x11, 0, 16, 10, 0, 0, 1, 10, 0, 0, 2, 0, 1, 0, 2, 4, 0, 1, 'h'), Header{Version: 2, Source: ap("10.0.0.1:1"), Dest: ap("10.0.0.2:2")}, nil},
		{"v2 inet6", v2(append([]byte{0x21, 0x21, 0, 36}, append(bytes.Repeat([]byte{0}, 15), append([]byte{1}, append(bytes.Repeat([]byte{0}, 15), 2, 0, 7, 0, 8)...)...)...)...), Header{Version: 2, Source: ap("[::1]:7"), Dest: ap("[::2]:8")}, nil},
		{"v2 local", v2(0x20, 0x00, 0, 0), Header{Version: 2, Local: true}, nil},
		{"v2 unspec", v2(0x21, 0x00, 0, 0), Header{Version: 2}, nil},
		{"v2 unix", v2(append([]byte{0x21, 0x31, 0, 216}, make([]byte, 216)...)...), Header{Version: 2}, nil},
		{"v2 version 1", v2(0x11, 0x11, 0, 12, 10, 0, 0, 1, 10, 0, 0, 2, 0, 1, 0, 2), Header{}, ErrBadHeader},
		{"v2 bad command", v2(0x22, 0x11, 0, 0), Header{}, ErrBadHeader},
		{"v2 dgram", v2(0x21, 0x12, 0, 12, 10, 0, 0, 1, 10, 0, 0, 2, 0, 1, 0, 2), Header{}, ErrBadHeader},
		{"v2 short addresses", v2(0x21, 0x11, 0, 4, 1, 2, 3, 4), Header{}, ErrBadHeader},
		{"v2 bad family", v2(0x21, 0x41, 0, 0), Header{}, ErrBadHeader},
		{"v2 cut short", v2(0x21, 0x11, 0, 12, 10), Header{}, ErrBadHeader},
		{"v2 bad signature", "\r\n\r\n\x00\r\nQUIT!xxxx", Header{}, ErrNoHeader},
		{"bare crlf", "\r\n", Header{}, ErrNoHeader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const tail = "data"
			h, n, err := Parse([]byte(tc.in + tail))
			if tc.err != nil {
				if tc.name == "v1 cut short" || tc.name == "v2 cut short" || tc.name == "empty" {
					h, _, err = Parse([]byte(tc.in))
				}
				if !errors.Is(err, tc.err) {
					t.Fatalf("Parse(%q) = %+v, %v; want %v", tc.in, h, err, tc.err)
				}
				return
			}
			if err != nil || h != tc.want || n != len(tc.in) {
				t.Fatalf("Parse(%q) = %+v, %d, %v; want %+v, %d", tc.in, h, n, err, tc.want, len(tc.in))
			}
		})
	}
}

func TestAppend(t *testing.T) {
	for _, tc := range []struct {
		h    Header
		want string
	}{
		{Header{Version: 1, Source: ap("192.0.2.1:56324"), Dest: ap("198.51.100.2:443")}, "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"},
		{Header{Version: 1, Source: ap("[2001:db8::1]:1"), Dest: ap("[::1]:2")}, "PROXY TCP6 2001:db8::1 ::1 1 2\r\n"},
		{Header{Version: 1, Source: ap("1.2.3.4:1"), Dest: ap("[::1]:2")}, "PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n"},
		{Header{Version: 1}, "PROXY UNKNOWN\r\n"},
		{Header{Version: 1, Local: true, Source: ap("1.2.3.4:1"), Dest: ap("1.2.3.4:2")}, "PROXY UNKNOWN\r\n"},
		{Header{Version: 2, Source: ap("10.0.0.1:4660"), Dest: ap("10.0.0.2:80")}, string(v2Sig) + "\x21\x11\x00\x0c\x0a\x00\x00\x01\x0a\x00\x00\x02\x12\x34\x00\x50"},
		{Header{Version: 2, Local: true}, string(v2Sig) + "\x20\x00\x00\x00"},
		{Header{Version: 2}, string(v2Sig) + "\x21\x00\x00\x00"},
	} {
		if got := string(tc.h.Append(nil)); got != tc.want {
			t.Errorf("%+v.Append = %q, want %q", tc.h, got, tc.want)
		}
	}
}

func TestFromAddrs(t *testing.T) {
	tcp := func(s string) net.Addr { return net.TCPAddrFromAddrPort(ap(s)) }
	for _, tc := range []struct {
		src, dst net.Addr
		want     Header
	}{
		{tcp("127.0.0.1:5"), tcp("127.0.0.2:6"), Header{Version: 2, Source: ap("127.0.0.1:5"), Dest: ap("127.0.0.2:6")}},
		{tcp("[::ffff:127.0.0.1]:5"), tcp("127.0.0.2:6"), Header{Version: 2, Source: ap("127.0.0.1:5"), Dest: ap("127.0.0.2:6")}},
		{tcp("127.0.0.1:5"), tcp("[::1]:6"), Header{Version: 2, Source: ap("[::ffff:127.0.0.1]:5"), Dest: ap("[::1]:6")}},
		{&net.UnixAddr{Name: "/s", Net: "unix"}, tcp("[::1]:6"), Header{Version: 2}},
	} {
		if got := FromAddrs(2, tc.src, tc.dst); got != tc.want {
			t.Errorf("FromAddrs(%v, %v) = %+v, want %+v", tc.src, tc.dst, got, tc.want)
		}
	}
}

// TestReceiveLeavesData: over a real socket, Receive takes the header
// and not a byte more, and a silent peer times out.
func TestReceiveLeavesData(t *testing.T) {
	for _, v := range []int{1, 2} {
		client, server := tcpPair(t)
		h := Header{Version: v, Source: ap("203.0.113.9:1234"), Dest: ap("127.0.0.1:80")}
		go client.Write(append(h.Append(nil), "hello"...))
		got, err := Receive(server, 5*time.Second)
		if err != nil || got != h {
			t.Fatalf("v%d: Receive = %+v, %v; want %+v", v, got, err, h)
		}
		rest := make([]byte, 5)
		if _, err := io.ReadFull(server, rest); err != nil || string(rest) != "hello" {
			t.Fatalf("v%d: after the header: %q, %v", v, rest, err)
		}
	}
	_, server := tcpPair(t)
	if _, err := Receive(server, 50*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("silent peer: %v, want a deadline error", err)
	}
}

func tcpPair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// FuzzParse: no input panics; what parses is written back the same, and
// Parse never takes more than the header.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n",
		"PROXY TCP6 2001:db8::1 ::1 1 65535\r\nrest",
		"PROXY UNKNOWN\r\n",
		string(v2Sig) + "\x21\x11\x00\x0c\x0a\x00\x00\x01\x0a\x00\x00\x02\x12\x34\x00\x50",
		string(v2Sig) + "\x20\x00\x00\x00",
		"GET / HTTP/1.0\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := Parse(b)
		if n < 0 || n > len(b) {
			t.Fatalf("took %d of %d bytes", n, len(b))
		}
		if err != nil {
			return
		}
		if h.Version != 1 && h.Version != 2 {
			t.Fatalf("version %d", h.Version)
		}
		out := h.Append(nil)
		h2, n2, err := Parse(out)
		if err != nil || h2 != h || n2 != len(out) {
			t.Fatalf("%q: parsed %+v, wrote %q, read back %+v, %v", b[:n], h, out, h2, err)
		}
	})
}

// Parse (test code) reads a header at the start of b and returns it with the number
// of bytes it takes; its errors are [Read]'s (a b that ends inside the
// header is ErrBadHeader).
func Parse(b []byte) (Header, int, error) {
	br := bytes.NewReader(b)
	h, err := Read(br)
	return h, len(b) - br.Len(), err
}
