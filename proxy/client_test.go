package proxy

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// serve runs srv on the far end of a pipe and returns the near end.
func serve(t *testing.T, srv func(c net.Conn) error) net.Conn {
	t.Helper()
	near, far := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- srv(far); far.Close() }()
	t.Cleanup(func() {
		near.Close()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return near
}

func localhost(context.Context, string) ([]netip.Addr, error) {
	return []netip.Addr{netip.MustParseAddr("::1"), netip.MustParseAddr("127.0.0.1")}, nil
}

// The client's messages are read by the same decoders the server uses.
func TestTunnelSocks5(t *testing.T) {
	for _, c := range []struct {
		scheme string
		auth   bool
		want   Target
	}{
		{SOCKS5H, false, Target{Name: "localhost", Port: 22}},
		{SOCKS5, false, Target{IP: netip.MustParseAddr("::1"), Port: 22}},
		{SOCKS5H, true, Target{Name: "localhost", Port: 22}},
	} {
		conn := serve(t, func(s net.Conn) error {
			g, err := ReadGreeting(s)
			if err != nil {
				return err
			}
			if g.Offers(MethodUserPass) != c.auth {
				return errors.New("methods offered do not match auth")
			}
			if c.auth {
				s.Write(MethodReply{Method: MethodUserPass}.Append(nil))
				up, err := ReadUserPass(s)
				if err != nil || up != (UserPass{User: "u", Pass: "p"}) {
					return errors.New("bad user/pass")
				}
				s.Write(UserPassReply{}.Append(nil))
			} else {
				s.Write(MethodReply{Method: MethodNoAuth}.Append(nil))
			}
			q, err := ReadRequest(s)
			if err != nil || q.Target != c.want {
				return errors.New("request for " + q.Target.String())
			}
			b, _ := Reply{}.Append(nil)
			_, err = s.Write(append(b, "banner"...)) // the target speaks first
			return err
		})
		h := Hop{Scheme: c.scheme, Host: "p", Port: 1080}
		if c.auth {
			h.SetAuth("u", "p", true)
		}
		got, err := h.Tunnel(context.Background(), conn, Target{Name: "localhost", Port: 22}, localhost)
		if err != nil {
			t.Fatalf("%s: %v", c.scheme, err)
		}
		buf := make([]byte, 6)
		if n, _ := got.Read(buf); string(buf[:n]) != "banner" {
			t.Errorf("%s: the target's first bytes were eaten: %q", c.scheme, buf[:n])
		}
	}
}

func TestTunnelSocks4(t *testing.T) {
	for _, c := range []struct {
		scheme string
		want   Target
	}{
		{SOCKS4A, Target{Name: "localhost", Port: 22}},
		{SOCKS4, Target{IP: netip.MustParseAddr("127.0.0.1"), Port: 22}}, // the IPv4 one
	} {
		conn := serve(t, func(s net.Conn) error {
			q, err := ReadRequest4(s)
			if err != nil || q.Target != c.want || q.User != "me" {
				return errors.New("request4 " + q.Target.String())
			}
			_, err = s.Write(Reply4{Code: Reply4Rejected}.Append(nil))
			return err
		})
		h := Hop{Scheme: c.scheme, Host: "p", Port: 1080}
		h.SetAuth("me", "", false)
		_, err := h.Tunnel(context.Background(), conn, Target{Name: "localhost", Port: 22}, localhost)
		var re *ReplyError
		if !errors.As(err, &re) || re.Code != Reply4Rejected {
			t.Errorf("%s: %v, want reply 91", c.scheme, err)
		}
	}
}

func TestTunnelHTTP(t *testing.T) {
	for _, c := range []struct {
		auth   bool
		status int
		want   string
		is     error
	}{
		{false, 200, "", nil},
		{false, 407, "407 Proxy Authentication Required", ErrAuthRequired},
		{true, 407, "407 Proxy Authentication Required: user name or password refused", ErrAuthRefused},
		{true, 502, "502 Bad Gateway", nil},
	} {
		conn := serve(t, func(s net.Conn) error {
			q, err := ReadRequestHead(s)
			if err != nil || q.Method != "CONNECT" || q.Target != "[::1]:22" || q.Header.Get("Host") != "[::1]:22" {
				return errors.New("bad CONNECT")
			}
			u, p, ok := ParseBasicAuth(q.Header.Get("Proxy-Authorization"))
			if ok != c.auth || (ok && (u != "u" || p != "p")) {
				return errors.New("bad Proxy-Authorization")
			}
			b, _ := ResponseHead{Code: c.status}.Append(nil)
			_, err = s.Write(b)
			return err
		})
		h := Hop{Scheme: HTTP, Host: "p", Port: 8080}
		if c.auth {
			h.SetAuth("u", "p", true)
		}
		_, err := h.Tunnel(context.Background(), conn, Target{IP: netip.MustParseAddr("::1"), Port: 22}, nil)
		if c.want == "" {
			if err != nil {
				t.Errorf("200: %v", err)
			}
			continue
		}
		var se *StatusError
		if err == nil || err.Error() != c.want || !errors.As(err, &se) || (c.is != nil && !errors.Is(err, c.is)) {
			t.Errorf("%d: %v, want %q", c.status, err, c.want)
		}
	}
}

func TestTunnelTimeout(t *testing.T) {
	conn := serve(t, func(s net.Conn) error {
		_, err := ReadGreeting(s) // and never answer
		s.Read(make([]byte, 1))
		if err != nil {
			return err
		}
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Hop{Scheme: SOCKS5H}.Tunnel(ctx, conn, Target{Name: "x", Port: 1}, nil)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("a silent proxy: %v, want a timeout", err)
	}
}

func TestParseURL(t *testing.T) {
	for in, want := range map[string]Hop{
		"socks5h://127.0.0.1":      {Scheme: SOCKS5H, Host: "127.0.0.1", Port: 1080},
		"SOCKS4A://h:9":            {Scheme: SOCKS4A, Host: "h", Port: 9},
		"http://[::1]":             {Scheme: HTTP, Host: "::1", Port: 8080},
		"https://p.test/":          {Scheme: HTTPS, Host: "p.test", Port: 443},
		"socks5://a%40b:c%3Ad@h:1": {Scheme: SOCKS5, Host: "h", Port: 1, User: "a@b", Pass: "c:d", Auth: true},
		"socks4://me@h":            {Scheme: SOCKS4, Host: "h", Port: 1080, User: "me", Auth: true},
		"http://:pw@h:3128":        {Scheme: HTTP, Host: "h", Port: 3128, Pass: "pw", Auth: true},
	} {
		got, err := ParseURL(in)
		if err != nil || got.String() != want.String() || got.User != want.User || got.Pass != want.Pass || got.Auth != want.Auth {
			t.Errorf("%s: %+v, %v; want %+v", in, got, err, want)
		}
	}
	for in, why := range map[string]string{
		"h:1080":              "no scheme",
		"socks6://h":          "unknown scheme",
		"socks5://":           "no host",
		"socks5://h:0":        "bad port",
		"socks5://h:":         "empty port",
		"http://h/x":          "no path",
		"socks4://u:secret@h": "no password",
		"socks5://:secret@h":  "needs a user name",
		"socks5://u:p%zz@h":   "percent-encoding",
	} {
		_, err := ParseURL(in)
		var ue *URLError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), why) || strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: %v, want %q", in, err, why)
		}
	}
}
