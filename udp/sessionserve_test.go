package udp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"sockit/pipe"
)

// listenLoopback opens an unconnected UDP socket on 127.0.0.1.
func listenLoopback(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// dialLoopback is a client: a socket connected to a.
func dialLoopback(t *testing.T, a net.Addr) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", nil, a.(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// recv reads one datagram from c within 10s.
func recv(t *testing.T, c *net.UDPConn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, recvBufSize)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n])
}

// send sends s from c.
func send(t *testing.T, c *net.UDPConn, s string) {
	t.Helper()
	if _, err := c.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

// lockedBuffer is an output several goroutines write; each write is
// followed by '|' and signalled on wrote.
type lockedBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{} // made by newLockedBuffer; buffered 1
}

func newLockedBuffer() *lockedBuffer { return &lockedBuffer{wrote: make(chan struct{}, 1)} }

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	n, err := l.b.Write(append(p, '|'))
	select {
	case l.wrote <- struct{}{}:
	default:
	}
	return n, err
}

// waitContains waits until the output holds s (5s at most: then the
// test fails with what it holds).
func (l *lockedBuffer) waitContains(t *testing.T, s string) {
	t.Helper()
	limit := time.After(5 * time.Second)
	for !strings.Contains(l.String(), s) {
		select {
		case <-l.wrote:
		case <-limit:
			t.Errorf("output %q lacks %q", l.String(), s)
			return
		}
	}
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveInBackground runs f until the test ends and checks it returned
// the context's cause.
func serveInBackground(t *testing.T, f func(ctx context.Context) error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != context.Canceled {
			t.Errorf("server returned %v, want context.Canceled", err)
		}
	})
}

func TestFanoutSessions(t *testing.T) {
	ev := newEvents()
	srv := &Server{Conn: listenLoopback(t), Sessions: SessionOptions{OnEvent: ev.observe}}
	inR, inW := io.Pipe()
	out := newLockedBuffer()
	serveInBackground(t, func(ctx context.Context) error {
		defer inW.Close()
		return srv.Fanout(ctx, inR, out)
	})
	var peers []*net.UDPConn
	for i, msg := range []string{"one", "two", "three"} {
		p := dialLoopback(t, srv.Conn.LocalAddr())
		send(t, p, msg)
		for len(ev.named(pipe.EventConnection)) <= i {
			<-ev.c
		}
		peers = append(peers, p)
	}
	io.WriteString(inW, "to all")
	for i, p := range peers {
		if got := recv(t, p); got != "to all" {
			t.Errorf("peer %d got %q, want %q", i, got, "to all")
		}
	}
	// a session's connection event comes before its datagram is written
	for _, msg := range []string{"one", "two", "three"} {
		out.waitContains(t, msg+"|")
	}
}

func TestExecSessions(t *testing.T) {
	ev := newEvents()
	srv := &Server{Conn: listenLoopback(t), DatagramSize: 4, ProgramGrace: 50 * time.Millisecond,
		Sessions: SessionOptions{Timeout: 200 * time.Millisecond, OnEvent: ev.observe}}
	// the "program" answers every read upper-cased, and exits at "bye"
	serveInBackground(t, func(ctx context.Context) error {
		return srv.Exec(ctx, func(ctx context.Context, c net.Conn) error {
			buf := make([]byte, 100)
			for {
				n, err := c.Read(buf)
				if err != nil {
					<-ctx.Done() // outlives its input: stopped after the grace
					return ctx.Err()
				}
				if string(buf[:n]) == "bye" {
					return nil
				}
				c.Write(bytes.ToUpper(buf[:n]))
			}
		})
	})
	a := dialLoopback(t, srv.Conn.LocalAddr())
	b := dialLoopback(t, srv.Conn.LocalAddr())
	send(t, a, "abcdef")
	send(t, b, "xy")
	if got := recv(t, b); got != "XY" {
		t.Errorf("b got %q, want XY", got)
	}
	// a write of more than DatagramSize is sent as several datagrams
	if got := recv(t, a) + "," + recv(t, a); got != "ABCD,EF" {
		t.Errorf("a got %q, want ABCD,EF", got)
	}
	send(t, a, "bye")
	for len(ev.named(pipe.EventClose)) == 0 {
		<-ev.c
	}
	if c := ev.named(pipe.EventClose)[0]; c.Remote.String() != a.LocalAddr().String() || c.DatagramsIn != 2 || c.DatagramsOut != 2 || c.BytesOut != 6 {
		t.Errorf("close event %+v: want a's, 2 datagrams in, 2 (6 B) out", c)
	}
	// b times out: its program's input ends, and it is stopped after
	// the grace
	for len(ev.named(pipe.EventClose)) < 2 {
		<-ev.c
	}
	if errs := ev.named(pipe.EventError); len(errs) != 0 {
		t.Errorf("error events %+v", errs)
	}
}

// echoUpstream is a UDP echo server that prefixes its replies.
func echoUpstream(t *testing.T, prefix string) *net.UDPConn {
	c := listenLoopback(t)
	go func() {
		buf := make([]byte, recvBufSize)
		for {
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			c.WriteToUDPAddrPort(append([]byte(prefix), buf[:n]...), from)
		}
	}()
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRelaySessions(t *testing.T) {
	ev := newEvents()
	up := echoUpstream(t, "echo:")
	srv := &Server{Conn: listenLoopback(t), Sessions: SessionOptions{OnEvent: ev.observe}}
	serveInBackground(t, func(ctx context.Context) error {
		return srv.Relay(ctx, func(ctx context.Context) (*net.UDPConn, error) {
			return net.DialUDP("udp", nil, up.LocalAddr().(*net.UDPAddr))
		})
	})
	a := dialLoopback(t, srv.Conn.LocalAddr())
	b := dialLoopback(t, srv.Conn.LocalAddr())
	for i := range 3 {
		send(t, a, "a"+string(rune('0'+i)))
		send(t, b, "b"+string(rune('0'+i)))
	}
	send(t, a, "")
	for i := range 3 {
		if got, want := recv(t, a), "echo:a"+string(rune('0'+i)); got != want {
			t.Errorf("a got %q, want %q", got, want)
		}
		if got, want := recv(t, b), "echo:b"+string(rune('0'+i)); got != want {
			t.Errorf("b got %q, want %q", got, want)
		}
	}
	if got := recv(t, a); got != "echo:" {
		t.Errorf("a's empty datagram came back as %q", got)
	}
	conns := ev.named(pipe.EventConnection)
	if len(conns) != 2 || conns[0].Upstream.String() != up.LocalAddr().String() {
		t.Errorf("connection events %+v: want 2 naming the upstream", conns)
	}
}

func TestRelayDialFails(t *testing.T) {
	ev := newEvents()
	srv := &Server{Conn: listenLoopback(t), Sessions: SessionOptions{OnEvent: ev.observe}}
	dials := 0
	serveInBackground(t, func(ctx context.Context) error {
		return srv.Relay(ctx, func(ctx context.Context) (*net.UDPConn, error) {
			dials++
			return nil, errors.New("no upstream")
		})
	})
	a := dialLoopback(t, srv.Conn.LocalAddr())
	send(t, a, "one")
	send(t, a, "two") // a new session, a new dial
	for len(ev.named(pipe.EventClose)) < 2 {
		<-ev.c
	}
	errs, conns := ev.named(pipe.EventError), ev.named(pipe.EventConnection)
	if dials != 2 || len(errs) != 2 || errs[0].Err.Error() != "no upstream" || len(conns) != 2 || conns[0].Upstream != nil {
		t.Errorf("%d dials, errors %+v, connections %+v: want two of each, with no upstream", dials, errs, conns)
	}
}
