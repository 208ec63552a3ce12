package connect

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"sockit/addr"
	"sockit/pipe"
	"sockit/proxy"
)

// fakeProxy serves one tunnel on a loopback listener: SOCKS5 without
// auth or HTTP CONNECT, decoded with the wire formats sockit proxy uses;
// it dials the target asked for, or answers code when it is not zero,
// or never answers when stall is set. It returns the hop.
func fakeProxy(t *testing.T, scheme string, code int, stall bool) proxy.Hop {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if stall {
			io.Copy(io.Discard, c)
			return
		}
		var target string
		if scheme == proxy.HTTP {
			q, err := proxy.ReadRequestHead(c)
			if err != nil {
				return
			}
			target = q.Target
		} else {
			if _, err := proxy.ReadGreeting(c); err != nil {
				return
			}
			c.Write(proxy.MethodReply{Method: proxy.MethodNoAuth}.Append(nil))
			q, err := proxy.ReadRequest(c)
			if err != nil {
				return
			}
			target = q.Target.String()
		}
		var up net.Conn
		if code == 0 {
			up, err = net.Dial("tcp", target)
			if err != nil {
				code = 5
			}
		}
		if scheme == proxy.HTTP {
			st := 200
			if code != 0 {
				st = 502
			}
			b, _ := proxy.ResponseHead{Code: st}.Append(nil)
			c.Write(b)
		} else {
			b, _ := proxy.Reply{Code: byte(code)}.Append(nil)
			c.Write(b)
		}
		if up == nil {
			return
		}
		defer up.Close()
		go io.Copy(up, c)
		io.Copy(c, up)
	}()
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := strconv.Atoi(port)
	return proxy.Hop{Scheme: scheme, Host: host, Port: p}
}

func tcpAddr(t *testing.T, s string) addr.Addr {
	t.Helper()
	a, err := addr.Parse([]string{s}, addr.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestDialViaChain(t *testing.T) {
	target, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	go func() {
		c, err := target.Accept()
		if err == nil {
			c.Write([]byte("hi"))
			c.Close()
		}
	}()
	var rec recorder
	first, second := fakeProxy(t, proxy.SOCKS5H, 0, false), fakeProxy(t, proxy.HTTP, 0, false)
	_, port, _ := net.SplitHostPort(target.Addr().String())
	d := Dialer{Via: []proxy.Hop{first, second}, Socket: pipe.Options{OnEvent: rec.observe}}
	c, err := d.Dial(context.Background(), tcpAddr(t, "localhost:"+port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if b, _ := io.ReadAll(c); string(b) != "hi" {
		t.Errorf("read %q through the chain", b)
	}
	if _, ok := c.NetConn().(*net.TCPConn); !ok {
		t.Errorf("the tunnel is a %T, not the socket itself (no splice)", c.NetConn())
	}
	ev := rec.named(pipe.EventProxy)
	if len(ev) != 2 || ev[0].Detail != second.Addr() || ev[1].Detail != "localhost:"+port || ev[0].Remote == nil || ev[1].Remote != nil {
		t.Errorf("proxy events: %+v", ev)
	}
}

func TestDialViaFailures(t *testing.T) {
	refused := fakeProxy(t, proxy.SOCKS5, int(proxy.ReplyConnectionRefused), false)
	_, err := Dialer{Via: []proxy.Hop{refused}}.Dial(context.Background(), tcpAddr(t, "127.0.0.1:9"))
	var pe *proxy.Error
	if !errors.As(err, &pe) || pe.Proxy != refused.Addr() || err.Error() != "proxy "+refused.Addr()+": connection refused (SOCKS5 reply 5)" {
		t.Errorf("refused: %v", err)
	}

	// the second hop's refusal names the second proxy
	first, second := fakeProxy(t, proxy.SOCKS5H, 0, false), fakeProxy(t, proxy.HTTP, 5, false)
	_, err = Dialer{Via: []proxy.Hop{first, second}}.Dial(context.Background(), tcpAddr(t, "127.0.0.1:9"))
	if !errors.As(err, &pe) || pe.Proxy != second.Addr() || !strings.HasSuffix(err.Error(), ": 502 Bad Gateway") {
		t.Errorf("second hop: %v", err)
	}

	stalled := fakeProxy(t, proxy.SOCKS5H, 0, true)
	start := time.Now()
	_, err = Dialer{Via: []proxy.Hop{stalled}, Timeout: 100 * time.Millisecond}.Dial(context.Background(), tcpAddr(t, "example.org:22"))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !strings.HasSuffix(err.Error(), "no answer within 100ms") || time.Since(start) > 5*time.Second {
		t.Errorf("stalled: %v", err)
	}

	_, err = Dialer{Via: []proxy.Hop{refused}}.Dial(context.Background(), addr.Addr{Kind: addr.Unix, Path: "/x"})
	if err == nil || !strings.Contains(err.Error(), "a proxy reaches TCP addresses only") {
		t.Errorf("a Unix address through a proxy: %v", err)
	}
}
