package listen

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"sockit/pipe"
	"sockit/proxyproto"
)

// TestAcceptProxy: behind a PROXY header, the handler, the events and
// the access check see the client the header names; the bytes after the
// header reach the handler whole; a connection without a header is
// closed with an error event and the server goes on.
func TestAcceptProxy(t *testing.T) {
	var rec events
	o := pipe.Options{OnEvent: rec.observe}
	ln, err := TCP(context.Background(), loopback, o)
	if err != nil {
		t.Fatal(err)
	}
	lim := Limits{AcceptProxy: true, ProxyTimeout: 5 * time.Second,
		Access: Access{Deny: []netip.Prefix{netip.MustParsePrefix("192.0.2.66/32")}}}
	seen := make(chan string, 4)
	h := func(ctx context.Context, c *pipe.Conn) error {
		seen <- c.RemoteAddr().String() + " " + c.LocalAddr().String()
		return echo(ctx, c)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, o, lim, h) }()

	talk := func(hdr []byte) (string, error) {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Write(append(hdr, "hello"...))
		c.(*net.TCPConn).CloseWrite()
		b, err := io.ReadAll(c)
		return string(b), err
	}
	for _, v := range []int{1, 2} {
		hdr := proxyproto.Header{Version: v, Source: netip.MustParseAddrPort("192.0.2.7:4321"), Dest: netip.MustParseAddrPort("198.51.100.1:443")}
		if got, err := talk(hdr.Append(nil)); got != "hello" || err != nil {
			t.Fatalf("v%d: echoed %q, %v", v, got, err)
		}
		if got := <-seen; got != "192.0.2.7:4321 198.51.100.1:443" {
			t.Fatalf("v%d: the handler saw %s", v, got)
		}
	}
	// LOCAL: the connection's own addresses
	if got, _ := talk(proxyproto.Header{Version: 2, Local: true}.Append(nil)); got != "hello" {
		t.Fatalf("LOCAL: echoed %q", got)
	}
	if got := <-seen; got[:10] != "127.0.0.1:" {
		t.Fatalf("LOCAL: the handler saw %s", got)
	}
	denied := proxyproto.Header{Version: 1, Source: netip.MustParseAddrPort("192.0.2.66:1"), Dest: netip.MustParseAddrPort("198.51.100.1:443")}
	if got, _ := talk(denied.Append(nil)); got != "" {
		t.Fatalf("denied client: echoed %q", got)
	}
	if got, _ := talk([]byte("GET / HTTP/1.0\r\n\r\n")); got != "" {
		t.Fatalf("no header: echoed %q", got)
	}
	cancel(errors.New("stopped"))
	<-done
	if r := rec.named(pipe.EventReject); len(r) != 1 || r[0].Remote.String() != "192.0.2.66:1" {
		t.Fatalf("reject events: %+v", r)
	}
	errs := rec.named(pipe.EventError)
	var pe *ProxyHeaderError
	if len(errs) != 1 || !errors.As(errs[0].Err, &pe) || !errors.Is(errs[0].Err, proxyproto.ErrNoHeader) {
		t.Fatalf("error events: %+v", errs)
	}
	if c := rec.named(pipe.EventConnection); len(c) != 3 || c[0].Remote.String() != "192.0.2.7:4321" {
		t.Fatalf("connection events: %+v", c)
	}
}

// TestAcceptProxyOneShot: Accept reads the header too, and a client
// without one does not end the wait.
func TestAcceptProxyOneShot(t *testing.T) {
	ln, err := TCP(context.Background(), loopback, pipe.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		bad, _ := net.Dial("tcp", ln.Addr().String())
		bad.Write([]byte("nope\r\n"))
		io.ReadAll(bad) // closed by the listener
		bad.Close()
		good, _ := net.Dial("tcp", ln.Addr().String())
		good.Write(proxyproto.Header{Version: 2, Source: netip.MustParseAddrPort("[2001:db8::1]:9"), Dest: netip.MustParseAddrPort("[2001:db8::2]:80")}.Append(nil))
		good.Close()
	}()
	c, err := Accept(context.Background(), ln, pipe.Options{}, Limits{AcceptProxy: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.RemoteAddr().String(); got != "[2001:db8::1]:9" {
		t.Fatalf("RemoteAddr = %s", got)
	}
}
