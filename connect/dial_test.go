package connect

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"sockit/pipe"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder collects events.
type recorder struct {
	mu     sync.Mutex
	events []pipe.Event
}

func (r *recorder) observe(e pipe.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) named(name string) []pipe.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []pipe.Event
	for _, e := range r.events {
		if e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// server accepts one connection on addr and sends what it learns: the
// peer's address.
func server(t *testing.T, ln net.Listener) <-chan net.Addr {
	t.Helper()
	peer := make(chan net.Addr, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(peer)
			return
		}
		peer <- c.RemoteAddr()
		io.Copy(io.Discard, c)
		c.Close()
	}()
	t.Cleanup(func() { ln.Close() })
	return peer
}

func TestDialConnects(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	peer := server(t, ln)
	var rec recorder
	d := Dialer{Source: "127.0.0.2", Socket: pipe.Options{OnEvent: rec.observe}}
	c, err := d.Dial(context.Background(), ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write([]byte("hi")); err != nil || c.BytesOut() != 2 {
		t.Errorf("write: %v, BytesOut %d", err, c.BytesOut())
	}
	c.Close()
	if got := (<-peer).(*net.TCPAddr).IP.String(); got != "127.0.0.2" {
		t.Errorf("server saw the client at %s, want 127.0.0.2 (--source)", got)
	}
	if ev := rec.named(pipe.EventConnect); len(ev) != 1 || ev[0].Attempt != 1 {
		t.Errorf("connect events %+v", ev)
	}
	if ev := rec.named(pipe.EventLookup); len(ev) != 0 {
		t.Errorf("lookup event for an IP literal: %+v", ev)
	}
}

func TestDialLookupAndSourcePort(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	peer := server(t, ln)
	port := freeAddr(t)[len("127.0.0.1:"):]
	var rec recorder
	d := Dialer{Network: "tcp4", Socket: pipe.Options{OnEvent: rec.observe}}
	d.SourcePort, _ = strconv.Atoi(port)
	_, lport, _ := net.SplitHostPort(ln.Addr().String())
	c, err := d.Dial(context.Background(), net.JoinHostPort("localhost", lport))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if got := (<-peer).(*net.TCPAddr).Port; got != d.SourcePort {
		t.Errorf("server saw port %d, want %d", got, d.SourcePort)
	}
	if ev := rec.named(pipe.EventLookup); len(ev) != 1 || ev[0].Host != "localhost" {
		t.Errorf("lookup events %+v", ev)
	}
}

func TestDialRetriesThenFails(t *testing.T) {
	var rec recorder
	d := Dialer{Retries: 2, RetryDelay: time.Millisecond, Socket: pipe.Options{OnEvent: rec.observe}}
	_, err := d.Dial(context.Background(), freeAddr(t))
	if !errors.Is(err, syscall.ECONNREFUSED) || !strings.HasSuffix(err.Error(), "(after 3 attempts)") {
		t.Fatalf("Dial = %v", err)
	}
	ev := rec.named(pipe.EventRetry)
	if len(ev) != 2 || ev[0].Duration != time.Millisecond || ev[1].Duration != 2*time.Millisecond {
		t.Errorf("retry events %+v, want waits of 1ms then 2ms", ev)
	}
}

func TestDialRetryReachesLateServer(t *testing.T) {
	addr := freeAddr(t)
	retried := make(chan struct{})
	var once sync.Once
	d := Dialer{Retries: 50, RetryDelay: 5 * time.Millisecond, Socket: pipe.Options{OnEvent: func(e pipe.Event) {
		if e.Name == pipe.EventRetry {
			once.Do(func() { close(retried) })
		}
	}}}
	type result struct {
		c   *pipe.Conn
		err error
	}
	res := make(chan result, 1)
	go func() { c, err := d.Dial(context.Background(), addr); res <- result{c, err} }()
	<-retried // the first attempt was refused: start the server now
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	server(t, ln)
	r := <-res
	if r.err != nil {
		t.Fatalf("Dial = %v", r.err)
	}
	r.c.Close()
}

func TestDialCancelledWhileWaiting(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("interrupted")
	d := Dialer{Retries: 5, RetryDelay: time.Hour, Socket: pipe.Options{OnEvent: func(e pipe.Event) {
		if e.Name == pipe.EventRetry {
			cancel(stop)
		}
	}}}
	if _, err := d.Dial(ctx, freeAddr(t)); !errors.Is(err, stop) {
		t.Errorf("Dial = %v, want the context's cause", err)
	}
}

func TestDialFamilyMismatch(t *testing.T) {
	d := Dialer{Network: "tcp6"}
	if _, err := d.Dial(context.Background(), "127.0.0.1:9"); err == nil {
		t.Error("tcp6 dial to an IPv4 address succeeded")
	}
}
