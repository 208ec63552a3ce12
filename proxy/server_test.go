package proxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"sockit/pipe"
)

func TestParseRule(t *testing.T) {
	for _, tc := range []struct {
		in, want string // want "" for an error
	}{
		{"10.0.0.5", "10.0.0.5"},
		{"10.0.0.5:22", "10.0.0.5:22"},
		{"10.1.2.3/8", "10.0.0.0/8"},
		{"10.0.0.0/8:443", "10.0.0.0/8:443"},
		{"::1", "::1"},
		{"[::1]:22", "[::1]:22"},
		{"[fd00::/8]:443", "[fd00::/8]:443"},
		{"fd00::/8", "fd00::/8"},
		{"Example.COM.", "example.com"},
		{"*.example.com:443", "*.example.com:443"},
		{"host:0", ""},
		{"host:99999", ""},
		{"host:", ""},
		{"10.0.0.0/33", ""},
		{"300.1.1.1", ""},
		{"a b", ""},
		{"[::1", ""},
		{"[::1]x", ""},
		{"fe80::1%eth0", ""},
		{"::ffff:10.0.0.0/104", ""},
		{"", ""},
	} {
		r, err := ParseRule(tc.in)
		switch {
		case tc.want == "" && err == nil:
			t.Errorf("ParseRule(%q) = %v, want an error", tc.in, r)
		case tc.want == "" && !errors.Is(err, ErrBadRule):
			t.Errorf("ParseRule(%q): %v, want ErrBadRule", tc.in, err)
		case tc.want != "" && err != nil:
			t.Errorf("ParseRule(%q): %v", tc.in, err)
		case tc.want != "" && r.String() != tc.want:
			t.Errorf("ParseRule(%q) = %v, want %v", tc.in, r, tc.want)
		}
	}
}

func TestTargetsCheck(t *testing.T) {
	rules := func(specs ...string) []Rule {
		var rs []Rule
		for _, s := range specs {
			r, err := ParseRule(s)
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
		}
		return rs
	}
	ip := netip.MustParseAddr
	for _, tc := range []struct {
		name   string
		ts     Targets
		target Target
		addrs  []netip.Addr
		ok     bool
	}{
		{"zero allows all", Targets{}, Target{Name: "x.test", Port: 80}, nil, true},
		{"deny address", Targets{Deny: rules("10.0.0.1")}, Target{IP: ip("10.0.0.1"), Port: 80}, []netip.Addr{ip("10.0.0.1")}, false},
		{"deny port only", Targets{Deny: rules("10.0.0.1:22")}, Target{IP: ip("10.0.0.1"), Port: 80}, []netip.Addr{ip("10.0.0.1")}, true},
		{"deny by resolved address", Targets{Deny: rules("127.0.0.0/8")}, Target{Name: "localhost", Port: 80}, []netip.Addr{ip("::1"), ip("127.0.0.1")}, false},
		{"deny name, any case", Targets{Deny: rules("Bad.Test")}, Target{Name: "BAD.test.", Port: 80}, nil, false},
		{"deny wildcard below", Targets{Deny: rules("*.bad.test")}, Target{Name: "a.b.bad.test", Port: 80}, nil, false},
		{"wildcard not the apex", Targets{Deny: rules("*.bad.test")}, Target{Name: "bad.test", Port: 80}, nil, true},
		{"wildcard not a suffix", Targets{Deny: rules("*.bad.test")}, Target{Name: "notbad.test", Port: 80}, nil, true},
		{"allow name", Targets{Allow: rules("ok.test:443")}, Target{Name: "ok.test", Port: 443}, nil, true},
		{"allow name, other port", Targets{Allow: rules("ok.test:443")}, Target{Name: "ok.test", Port: 80}, nil, false},
		{"allow name, not by address", Targets{Allow: rules("ok.test")}, Target{IP: ip("192.0.2.1"), Port: 80}, []netip.Addr{ip("192.0.2.1")}, false},
		{"allow prefix, every address in", Targets{Allow: rules("192.0.2.0/24")}, Target{Name: "x.test", Port: 80}, []netip.Addr{ip("192.0.2.1"), ip("192.0.2.9")}, true},
		{"allow prefix, one address out", Targets{Allow: rules("192.0.2.0/24")}, Target{Name: "x.test", Port: 80}, []netip.Addr{ip("192.0.2.1"), ip("198.51.100.1")}, false},
		{"unspecified is loopback (v4)", Targets{Deny: rules("127.0.0.0/8")}, Target{IP: ip("0.0.0.0"), Port: 80}, []netip.Addr{ip("0.0.0.0")}, false},
		{"unspecified is loopback (v6)", Targets{Deny: rules("::1")}, Target{IP: ip("::"), Port: 80}, []netip.Addr{ip("::")}, false},
		{"a name resolving to unspecified", Targets{Deny: rules("127.0.0.1:22")}, Target{Name: "x.test", Port: 22}, []netip.Addr{ip("0.0.0.0")}, false},
		{"unspecified needs loopback allowed", Targets{Allow: rules("0.0.0.0")}, Target{IP: ip("0.0.0.0"), Port: 80}, []netip.Addr{ip("0.0.0.0")}, false},
		{"unspecified with loopback allowed", Targets{Allow: rules("0.0.0.0", "127.0.0.1", "::1")}, Target{IP: ip("0.0.0.0"), Port: 80}, []netip.Addr{ip("0.0.0.0")}, true},
		{"deny wins", Targets{Allow: rules("10.0.0.0/8"), Deny: rules("10.0.0.1")}, Target{IP: ip("10.0.0.1"), Port: 80}, []netip.Addr{ip("10.0.0.1")}, false},
	} {
		err := tc.ts.check(tc.target, tc.addrs)
		if (err == nil) != tc.ok {
			t.Errorf("%s: check = %v, want ok %v", tc.name, err, tc.ok)
		}
		if err != nil && !errors.As(err, new(*DeniedError)) {
			t.Errorf("%s: %v is not a *DeniedError", tc.name, err)
		}
	}
}

// serveOne runs s on one side of a loopback connection, feeding it in
// from the client side, and returns what the client got back and the
// request event.
func serveOne(t testing.TB, s *Server, in []byte) ([]byte, pipe.Event) {
	t.Helper()
	cli, c := loopbackPair(t)
	defer cli.Close()
	events := make(chan pipe.Event, 1)
	s.OnEvent = func(e pipe.Event) { events <- e }
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), c) }()
	cli.Write(in)
	cli.(*net.TCPConn).CloseWrite()
	cli.SetReadDeadline(time.Now().Add(10 * time.Second))
	out, err := io.ReadAll(cli)
	if err != nil {
		t.Fatalf("reading the reply: %v", err)
	}
	<-done
	return out, <-events
}

// loopbackPair returns both ends of a loopback TCP connection: the
// client's, and the server's wrapped as a listener would.
func loopbackPair(t testing.TB) (net.Conn, *pipe.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cli, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ln.Accept()
	if err != nil {
		cli.Close()
		t.Fatal(err)
	}
	c, err := pipe.Wrap(raw, pipe.Options{})
	if err != nil {
		cli.Close()
		raw.Close()
		t.Fatal(err)
	}
	return cli, c
}

// echoDial dials an echo server on loopback.
func echoDial(t testing.TB) func(ctx context.Context, host string, port uint16) (*pipe.Conn, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	return func(ctx context.Context, host string, port uint16) (*pipe.Conn, error) {
		if port != 7 {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errRefused}
		}
		raw, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			return nil, err
		}
		return pipe.Wrap(raw, pipe.Options{})
	}
}

var errRefused = errors.New("refused")

func TestServeProtocols(t *testing.T) {
	s := &Server{HandshakeTimeout: 5 * time.Second}
	s.Dial = echoDial(t)
	for _, tc := range []struct {
		name, in, want, proto, result, target string
	}{
		{"socks5 name", "\x05\x01\x00" + "\x05\x01\x00\x03\x06echo.x\x00\x07" + "ping",
			"\x05\x00" + "\x05\x00\x00\x01\x7f\x00\x00\x01", "socks5", ResultOK, "echo.x:7"},
		{"socks5 optimistic data in one write", "\x05\x01\x00\x05\x01\x00\x01\x0a\x00\x00\x01\x00\x07ping",
			"\x05\x00\x05\x00\x00\x01\x7f\x00\x00\x01", "socks5", ResultOK, "10.0.0.1:7"},
		{"socks5 bind", "\x05\x01\x00\x05\x02\x00\x01\x0a\x00\x00\x01\x00\x07",
			"\x05\x00\x05\x07\x00\x01\x00\x00\x00\x00\x00\x00", "socks5", ResultBadRequest, "10.0.0.1:7"},
		{"socks5 refused", "\x05\x01\x00\x05\x01\x00\x01\x0a\x00\x00\x01\x00\x08",
			"\x05\x00\x05\x01\x00\x01\x00\x00\x00\x00\x00\x00", "socks5", ResultFailed, "10.0.0.1:8"},
		{"socks4", "\x04\x01\x00\x07\x0a\x00\x00\x01me\x00ping",
			"\x00\x5a\x00\x00\x7f\x00\x00\x01", "socks4", ResultOK, "10.0.0.1:7"},
		{"socks4a", "\x04\x01\x00\x07\x00\x00\x00\x01\x00echo.x\x00ping",
			"\x00\x5a\x00\x00\x7f\x00\x00\x01", "socks4a", ResultOK, "echo.x:7"},
		{"http connect", "CONNECT echo.x:7 HTTP/1.1\r\nHost: echo.x:7\r\n\r\nping",
			"HTTP/1.1 200 Connection established\r\n\r\n", "http", ResultOK, "echo.x:7"},
		{"http forward", "GET http://echo.x:7/a?b HTTP/1.1\r\nHost: echo.x:7\r\nProxy-Connection: keep-alive\r\nConnection: X-Hop\r\nX-Hop: 1\r\nX-End: 2\r\n\r\n",
			"GET /a?b HTTP/1.1\r\nConnection: close\r\nHost: echo.x:7\r\nX-End: 2\r\n\r\n", "http", ResultOK, "echo.x:7"},
		{"http forward, a pipelined request dropped", "GET http://echo.x:7/a HTTP/1.1\r\nHost: echo.x:7\r\n\r\nGET http://evil.x:7/ HTTP/1.1\r\nProxy-Authorization: Basic dTpw\r\n\r\n",
			"GET /a HTTP/1.1\r\nConnection: close\r\nHost: echo.x:7\r\n\r\n", "http", ResultOK, "echo.x:7"},
		{"http forward, Content-Length bounds the body", "POST http://echo.x:7/ HTTP/1.1\r\nContent-Length: 4\r\n\r\npingGET http://evil.x:7/ HTTP/1.1\r\n\r\n",
			"POST / HTTP/1.1\r\nConnection: close\r\nContent-Length: 4\r\nHost: echo.x:7\r\n\r\nping", "http", ResultOK, "echo.x:7"},
		{"http forward, chunked up to the last chunk", "POST http://echo.x:7/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nping\r\n0\r\n\r\nGET http://evil.x:7/ HTTP/1.1\r\n\r\n",
			"POST / HTTP/1.1\r\nConnection: close\r\nHost: echo.x:7\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nping\r\n0\r\n\r\n", "http", ResultOK, "echo.x:7"},
		{"http forward, both lengths", "POST http://echo.x:7/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
			"HTTP/1.1 400 Bad Request\r\n", "http", ResultBadRequest, ""},
		{"http forward, gzip coding", "POST http://echo.x:7/ HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
			"HTTP/1.1 400 Bad Request\r\n", "http", ResultBadRequest, ""},
		{"http forward, two Content-Lengths", "POST http://echo.x:7/ HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
			"HTTP/1.1 400 Bad Request\r\n", "http", ResultBadRequest, ""},
		{"garbage", "\x00\x01\x02\n", "HTTP/1.1 400 Bad Request\r\n", "http", ResultBadRequest, ""},
		{"socks5 cut short", "\x05\x02\x00", "", "socks5", ResultBadRequest, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, ev := serveOne(t, s, []byte(tc.in))
			// the bound address's port varies: compare without it
			got := string(out)
			if tc.result == ResultOK && tc.proto != "http" {
				n := len(tc.want)
				if len(out) < n {
					t.Fatalf("reply %q, want %q", out, tc.want)
				}
				if tc.proto == "socks5" {
					got = string(out[:n]) + string(out[n+2:])
				} else {
					got = string(out[:2]) + string(out[4:])
					tc.want = tc.want[:2] + tc.want[4:]
				}
				tc.want += "ping"
			} else if tc.proto == "http" && tc.result == ResultOK && strings.HasPrefix(tc.in, "CONNECT") {
				tc.want += "ping"
			}
			if !strings.HasPrefix(got, tc.want) || (tc.result != ResultBadRequest && got != tc.want) {
				t.Errorf("reply %q, want %q", got, tc.want)
			}
			if ev.Proto != tc.proto || ev.Result != tc.result || ev.Host != tc.target {
				t.Errorf("event %s %s %s (%v), want %s %s %s", ev.Proto, ev.Host, ev.Result, ev.Err, tc.proto, tc.target, tc.result)
			}
		})
	}
}

func TestServeAuth(t *testing.T) {
	s := &Server{Users: map[string]string{"u": "p"}}
	s.Dial = echoDial(t)
	out, ev := serveOne(t, s, []byte("\x05\x01\x02\x01\x01u\x01p\x05\x01\x00\x03\x01e\x00\x07hi"))
	if want := "\x05\x02\x01\x00\x05\x00"; !bytes.HasPrefix(out, []byte(want)) || !bytes.HasSuffix(out, []byte("hi")) || ev.Result != ResultOK || ev.Peer != "user u" {
		t.Errorf("good password: %q, %s %s", out, ev.Result, ev.Peer)
	}
	out, ev = serveOne(t, s, []byte("\x05\x01\x02\x01\x01u\x01x"))
	if string(out) != "\x05\x02\x01\x01" || ev.Result != ResultAuthFailed {
		t.Errorf("bad password: %q, %s", out, ev.Result)
	}
	out, ev = serveOne(t, s, []byte("\x05\x01\x00"))
	if string(out) != "\x05\xff" || ev.Result != ResultAuthRequired {
		t.Errorf("no method: %q, %s", out, ev.Result)
	}
	out, ev = serveOne(t, s, []byte("\x04\x01\x00\x07\x0a\x00\x00\x01\x00"))
	if string(out) != "\x00\x5b\x00\x00\x00\x00\x00\x00" || ev.Result != ResultAuthRequired {
		t.Errorf("socks4: %q, %s", out, ev.Result)
	}
	out, ev = serveOne(t, s, []byte("CONNECT e:7 HTTP/1.1\r\nProxy-Authorization: Basic dTpw\r\n\r\nhi"))
	if !bytes.HasPrefix(out, []byte("HTTP/1.1 200 ")) || !bytes.HasSuffix(out, []byte("hi")) || ev.Result != ResultOK {
		t.Errorf("http good: %q, %s", out, ev.Result)
	}
	out, ev = serveOne(t, s, []byte("CONNECT e:7 HTTP/1.1\r\n\r\n"))
	if !bytes.HasPrefix(out, []byte("HTTP/1.1 407 ")) || !bytes.Contains(out, []byte("Proxy-Authenticate: Basic realm=\"sockit\"\r\n")) || ev.Result != ResultAuthRequired {
		t.Errorf("http none: %q, %s", out, ev.Result)
	}
}

func TestServeHandshakeTimeout(t *testing.T) {
	s := &Server{HandshakeTimeout: 50 * time.Millisecond, Dial: echoDial(t)}
	cli, c := loopbackPair(t)
	defer cli.Close()
	var ev pipe.Event
	s.OnEvent = func(e pipe.Event) { ev = e }
	cli.Write([]byte("\x05\x02\x00")) // and nothing more, without closing
	done := make(chan error, 1)
	go func() { done <- s.Serve(context.Background(), c) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve still waits for a stalled client")
	}
	if ev.Result != ResultTimeout || !strings.Contains(ev.Err.Error(), "no complete request within 50ms") {
		t.Errorf("event %s %v, want a timeout", ev.Result, ev.Err)
	}
}

// FuzzServe: whatever a client sends, Serve returns (having answered or
// not) without panicking, and a refusal says why.
func FuzzServe(f *testing.F) {
	for _, seed := range []string{
		"\x05\x01\x00\x05\x01\x00\x03\x01e\x00\x07hi",
		"\x05\x01\x02\x01\x01u\x01p\x05\x01\x00\x01\x0a\x00\x00\x01\x00\x07",
		"\x04\x01\x00\x07\x00\x00\x00\x01\x00e\x00",
		"CONNECT e:7 HTTP/1.1\r\n\r\n",
		"GET http://e:7/ HTTP/1.1\r\nConnection: a, b\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s := &Server{HandshakeTimeout: time.Second, Users: map[string]string{"u": "p"}}
		s.Dial = func(ctx context.Context, host string, port uint16) (*pipe.Conn, error) {
			return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errRefused}
		}
		_, ev := serveOne(t, s, in)
		if ev.Result == "" || (ev.Result != ResultOK && ev.Err == nil) {
			t.Errorf("event %+v: a result, and why when not ok", ev)
		}
	})
}
