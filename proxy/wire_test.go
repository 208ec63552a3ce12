package proxy

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// must returns a function that returns b or fails the test on err.
func must(t *testing.T) func(b []byte, err error) []byte {
	return func(b []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

// exact decodes b with read and checks that the decoder took every
// byte and nothing past them (a trailing byte stays unread).
func exact[T any](t *testing.T, b []byte, read func(io.Reader) (T, error)) T {
	t.Helper()
	r := bytes.NewReader(append(bytes.Clone(b), 0xAA))
	v, err := read(iotestOneByte{r})
	if err != nil {
		t.Fatalf("decode % x: %v", b, err)
	}
	if r.Len() != 1 {
		t.Fatalf("decode % x left %d bytes unread, want 1", b, r.Len())
	}
	return v
}

// iotestOneByte hands out one byte per Read and hides io.ByteReader, as
// a socket would split a message anywhere.
type iotestOneByte struct{ r io.Reader }

func (o iotestOneByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func TestSocks5Crafted(t *testing.T) {
	g := exact(t, []byte{5, 2, 0, 2}, ReadGreeting)
	if !reflect.DeepEqual(g.Methods, []byte{0, 2}) || !g.Offers(MethodUserPass) || g.Offers(1) {
		t.Errorf("greeting = %+v", g)
	}
	if m := exact(t, []byte{5, 0xFF}, ReadMethodReply); m.Method != MethodNoAcceptable {
		t.Errorf("method reply = %+v", m)
	}
	up := exact(t, []byte{1, 3, 'b', 'o', 'b', 2, 'p', 'w'}, ReadUserPass)
	if up != (UserPass{User: "bob", Pass: "pw"}) {
		t.Errorf("userpass = %+v", up)
	}
	if r := exact(t, []byte{1, 1}, ReadUserPassReply); r.OK() {
		t.Errorf("userpass reply 1 is OK")
	}
	cases := []struct {
		wire []byte
		t    Target
	}{
		{[]byte{5, 1, 0, 1, 127, 0, 0, 1, 0x1F, 0x90}, Target{IP: netip.MustParseAddr("127.0.0.1"), Port: 8080}},
		{append(append([]byte{5, 1, 0, 4}, netip.MustParseAddr("::1").AsSlice()...), 0, 22), Target{IP: netip.MustParseAddr("::1"), Port: 22}},
		{[]byte{5, 1, 0, 3, 9, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't', 0, 80}, Target{Name: "localhost", Port: 80}},
	}
	for _, c := range cases {
		q := exact(t, c.wire, ReadRequest)
		if q.Cmd != CmdConnect || q.Target != c.t {
			t.Errorf("% x: request %+v, want %+v", c.wire, q, c.t)
		}
		if got := must(t)(q.Append(nil)); !bytes.Equal(got, c.wire) {
			t.Errorf("%v encodes as % x, want % x", c.t, got, c.wire)
		}
	}
	p := exact(t, []byte{5, 4, 0, 1, 0, 0, 0, 0, 0, 0}, ReadReply)
	err := p.Err()
	if err == nil || err.Error() != "host unreachable (SOCKS5 reply 4)" || !errors.Is(err, syscall.EHOSTUNREACH) {
		t.Errorf("reply 4: %v", err)
	}
	if got := must(t)(Reply{Code: 0}.Append(nil)); !bytes.Equal(got, []byte{5, 0, 0, 1, 0, 0, 0, 0, 0, 0}) {
		t.Errorf("zero reply encodes as % x", got)
	}
}

func TestSocks5Malformed(t *testing.T) {
	bad := map[string]struct {
		wire []byte
		read func(io.Reader) error
	}{
		"greeting version":   {[]byte{4, 1, 0}, func(r io.Reader) error { _, err := ReadGreeting(r); return err }},
		"greeting no method": {[]byte{5, 0}, func(r io.Reader) error { _, err := ReadGreeting(r); return err }},
		"http to socks":      {[]byte("HTTP/1.1 400 Bad"), func(r io.Reader) error { _, err := ReadMethodReply(r); return err }},
		"userpass version":   {[]byte{5, 1, 'a', 0}, func(r io.Reader) error { _, err := ReadUserPass(r); return err }},
		"empty user":         {[]byte{1, 0, 0}, func(r io.Reader) error { _, err := ReadUserPass(r); return err }},
		"atyp":               {[]byte{5, 1, 0, 2, 0, 0, 0}, func(r io.Reader) error { _, err := ReadRequest(r); return err }},
		"empty domain":       {[]byte{5, 1, 0, 3, 0, 0, 0}, func(r io.Reader) error { _, err := ReadRequest(r); return err }},
	}
	for name, c := range bad {
		if err := c.read(bytes.NewReader(c.wire)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	if _, err := ReadReply(bytes.NewReader([]byte{5, 0, 0, 1, 1})); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short reply: %v", err)
	}
	if _, err := ReadReply(bytes.NewReader(nil)); err != io.EOF {
		t.Errorf("no reply: %v", err)
	}
	if _, err := (Request{Target: Target{Name: strings.Repeat("a", 256)}}).Append(nil); err == nil {
		t.Error("a 256-byte name encodes")
	}
	if _, err := (UserPass{User: ""}).Append(nil); err == nil {
		t.Error("an empty user name encodes")
	}
}

func TestReplyWords(t *testing.T) {
	for _, c := range []struct {
		err  ReplyError
		want string
	}{
		{ReplyError{5, 1}, "general SOCKS server failure (SOCKS5 reply 1)"},
		{ReplyError{5, 2}, "connection not allowed by ruleset (SOCKS5 reply 2)"},
		{ReplyError{5, 5}, "connection refused (SOCKS5 reply 5)"},
		{ReplyError{5, 9}, "unknown reply (SOCKS5 reply 9)"},
		{ReplyError{4, 91}, "request rejected or failed (SOCKS4 reply 91)"},
		{ReplyError{4, 93}, "request rejected: identd reports a different user id (SOCKS4 reply 93)"},
	} {
		if got := c.err.Error(); got != c.want {
			t.Errorf("%d: %q, want %q", c.err.Code, got, c.want)
		}
	}
	if !errors.Is(&ReplyError{5, 5}, syscall.ECONNREFUSED) || errors.Is(&ReplyError{4, 91}, syscall.ECONNREFUSED) {
		t.Error("refusal errno mapping")
	}
}

func TestSocks4Crafted(t *testing.T) {
	wire := []byte{4, 1, 0, 80, 10, 0, 0, 1, 'u', 0}
	q := exact(t, wire, ReadRequest4)
	if q.Cmd != CmdConnect || q.User != "u" || q.Target != (Target{IP: netip.MustParseAddr("10.0.0.1"), Port: 80}) {
		t.Errorf("socks4 request = %+v", q)
	}
	if got := must(t)(q.Append(nil)); !bytes.Equal(got, wire) {
		t.Errorf("encodes as % x", got)
	}
	wire4a := []byte{4, 1, 1, 0, 0, 0, 0, 7, 0, 'e', 'x', '.', 'o', 'r', 'g', 0}
	q = exact(t, wire4a, ReadRequest4)
	if q.Target != (Target{Name: "ex.org", Port: 256}) || q.User != "" {
		t.Errorf("socks4a request = %+v", q)
	}
	if got := must(t)(q.Append(nil)); !bytes.Equal(got[8:], wire4a[8:]) || !bytes.Equal(got[4:8], []byte{0, 0, 0, 1}) {
		t.Errorf("4a encodes as % x", got)
	}
	if _, err := (Request4{Target: Target{IP: netip.MustParseAddr("::1")}}).Append(nil); err == nil {
		t.Error("an IPv6 target encodes in SOCKS4")
	}
	p := exact(t, []byte{0, 91, 0, 0, 0, 0, 0, 0}, ReadReply4)
	if err := p.Err(); err == nil || err.Error() != "request rejected or failed (SOCKS4 reply 91)" {
		t.Errorf("reply 91: %v", err)
	}
	if got := (Reply4{Code: Reply4Granted}).Append(nil); !bytes.Equal(got, []byte{0, 90, 0, 0, 0, 0, 0, 0}) {
		t.Errorf("granted encodes as % x", got)
	}
	if _, err := ReadRequest4(bytes.NewReader(append([]byte{4, 1, 0, 80, 1, 2, 3, 4}, bytes.Repeat([]byte{'a'}, 300)...))); !errors.Is(err, ErrMalformed) {
		t.Errorf("a 300-byte user id: %v", err)
	}
	if _, err := ReadReply4(bytes.NewReader([]byte{5, 0, 0, 1, 0, 0, 0, 0})); !errors.Is(err, ErrMalformed) {
		t.Errorf("a SOCKS5 answer to SOCKS4: %v", err)
	}
}

func TestHTTPCrafted(t *testing.T) {
	q := NewConnect("example.org:443", "al ice", "p:w")
	wire := must(t)(q.Append(nil))
	want := "CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\nProxy-Authorization: Basic YWwgaWNlOnA6dw==\r\n\r\n"
	if string(wire) != want {
		t.Errorf("connect encodes as %q", wire)
	}
	got := exact(t, wire, ReadRequestHead)
	if !reflect.DeepEqual(got, q) {
		t.Errorf("decoded %+v, want %+v", got, q)
	}
	if u, p, ok := ParseBasicAuth(got.Header.Get("Proxy-Authorization")); !ok || u != "al ice" || p != "p:w" {
		t.Errorf("basic auth = %q %q %v", u, p, ok)
	}
	if _, _, ok := ParseBasicAuth("Bearer x"); ok {
		t.Error("Bearer parses as Basic")
	}
	p := exact(t, []byte("HTTP/1.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n\r\n"), ReadResponseHead)
	if err := p.Err(); err == nil || err.Error() != "407 Proxy Authentication Required" || p.Header.Get("Proxy-Authenticate") == "" {
		t.Errorf("407: %v %+v", err, p)
	}
	p = exact(t, []byte("HTTP/1.1 200\nVia: x\n\n"), ReadResponseHead)
	if p.Err() != nil || p.Code != 200 {
		t.Errorf("bare 200: %+v", p)
	}
	if err := (ResponseHead{Code: 502}).Err(); err.Error() != "502 Bad Gateway" {
		t.Errorf("502 without reason: %v", err)
	}
	ok := must(t)(ResponseHead{Code: 200, Reason: "Connection established"}.Append(nil))
	if string(ok) != "HTTP/1.1 200 Connection established\r\n\r\n" {
		t.Errorf("200 encodes as %q", ok)
	}
	for _, s := range []string{
		"\x05\x00",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
		"HTTP/1.1 200 OK\r\n" + strings.Repeat("a", MaxHeadLine+1),
		"SSH-2.0-OpenSSH\r\n\r\n",
	} {
		if _, err := ReadResponseHead(strings.NewReader(s)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v, want ErrMalformed", clip(s), err)
		}
	}
	if _, err := ReadResponseHead(strings.NewReader("HTTP/1.1 200 OK\r\n")); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("cut head: %v", err)
	}
	if _, err := ReadRequestHead(strings.NewReader("GET http://x/ HTTP/1.1 extra\r\n\r\n")); !errors.Is(err, ErrMalformed) {
		t.Errorf("four-part request line: %v", err)
	}
	if _, err := (RequestHead{Method: "CONNECT", Target: "a b:1", Header: http.Header{}}).Append(nil); err == nil {
		t.Error("a target with a space encodes")
	}
}

func TestParseTarget(t *testing.T) {
	for in, want := range map[string]Target{
		"[::1]:22":        {IP: netip.MustParseAddr("::1"), Port: 22},
		"10.1.2.3:80":     {IP: netip.MustParseAddr("10.1.2.3"), Port: 80},
		"example.org:443": {Name: "example.org", Port: 443},
	} {
		got, err := ParseTarget(in)
		if err != nil || got != want || got.String() != in {
			t.Errorf("%s: %+v %v", in, got, err)
		}
	}
	for _, in := range []string{"x", ":80", "h:99999", "h:-1"} {
		if _, err := ParseTarget(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", in, err)
		}
	}
}
