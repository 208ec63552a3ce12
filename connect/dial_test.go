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

	"sockit/addr"
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
	c, err := d.Dial(context.Background(), at(t, ln.Addr().String()))
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
	d := Dialer{Socket: pipe.Options{OnEvent: rec.observe}}
	d.SourcePort, _ = strconv.Atoi(port)
	_, lport, _ := net.SplitHostPort(ln.Addr().String())
	a := at(t, net.JoinHostPort("localhost", lport))
	a.Family = addr.IPv4
	c, err := d.Dial(context.Background(), a)
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
	_, err := d.Dial(context.Background(), at(t, freeAddr(t)))
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
	a := at(t, addr)
	go func() { c, err := d.Dial(context.Background(), a); res <- result{c, err} }()
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
	if _, err := d.Dial(ctx, at(t, freeAddr(t))); !errors.Is(err, stop) {
		t.Errorf("Dial = %v, want the context's cause", err)
	}
}

func TestDialFamilyMismatch(t *testing.T) {
	a := at(t, "127.0.0.1:9")
	a.Family = addr.IPv6
	if _, err := (Dialer{}).Dial(context.Background(), a); err == nil {
		t.Error("tcp6 dial to an IPv4 address succeeded")
	}
}

// TestLookupKeepsZone: an IPv6 literal's zone survives the lookup, for
// the address dialled and for --source.
func TestLookupKeepsZone(t *testing.T) {
	var d Dialer
	for _, host := range []string{"fe80::1%lo", "::1%lo", "fe80::1%1"} {
		ips, err := d.lookup(context.Background(), "tcp6", host)
		if err != nil {
			t.Fatalf("lookup(%q): %v", host, err)
		}
		if len(ips) != 1 || ips[0].String() != host {
			t.Errorf("lookup(%q) = %v, want the address with its zone", host, ips)
		}
	}
	d.Source = "fe80::1%lo"
	a, err := d.localAddr(context.Background(), "tcp")
	if err != nil {
		t.Fatal(err)
	}
	if tcp := a.(*net.TCPAddr); tcp.Zone != "lo" {
		t.Errorf("source address %v lost its zone", tcp)
	}
	if _, err := d.lookup(context.Background(), "tcp4", "::ffff:127.0.0.1"); err != nil {
		t.Errorf("an IPv4-mapped literal is IPv4: %v", err)
	}
}

// TestDialZone dials [::1%lo]:PORT, and a link-local address of this
// host with its interface's zone, which cannot be dialled without it
// (connect: invalid argument).
func TestDialZone(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skip("::1 cannot be bound:", err)
	}
	peer := server(t, ln)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	c, err := Dialer{}.Dial(context.Background(), at(t, net.JoinHostPort("::1%lo", port)))
	if err != nil {
		t.Fatalf("dial [::1%%lo]: %v", err)
	}
	c.Close()
	<-peer

	zone, ip := linkLocal()
	if zone == "" {
		t.Skip("no interface has a link-local IPv6 address")
	}
	host := ip.String() + "%" + zone
	ln2, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Skipf("%s cannot be bound: %v", host, err)
	}
	peer2 := server(t, ln2)
	_, port2, _ := net.SplitHostPort(ln2.Addr().String())
	c2, err := Dialer{}.Dial(context.Background(), at(t, net.JoinHostPort(host, port2)))
	if err != nil {
		t.Fatalf("dial [%s]:%s: %v", host, port2, err)
	}
	if ra := c2.RemoteAddr().(*net.TCPAddr); ra.Zone != zone {
		t.Errorf("connected to %v, want zone %s", ra, zone)
	}
	c2.Close()
	<-peer2
}

// linkLocal returns an up interface's name and its link-local IPv6
// address, or "" when there is none.
func linkLocal() (string, net.IP) {
	ifs, err := net.Interfaces()
	if err != nil {
		return "", nil
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, _ := ifc.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.To4() == nil && n.IP.IsLinkLocalUnicast() {
				return ifc.Name, n.IP
			}
		}
	}
	return "", nil
}

// at parses the address s to dial, or fails the test.
func at(t *testing.T, s string) addr.Addr {
	t.Helper()
	a, err := addr.Parse([]string{s}, addr.Options{})
	if err != nil {
		t.Fatalf("addr.Parse(%q) = %v", s, err)
	}
	return a
}
