package scan

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var loopback = []net.IPAddr{{IP: net.IPv4(127, 0, 0, 1)}}

// listeners opens n TCP listeners on loopback whose accepted
// connections run serve; it returns their ports.
func listeners(t *testing.T, n int, serve func(net.Conn)) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	var wg sync.WaitGroup
	t.Cleanup(func() {
		for _, ln := range lns {
			ln.Close()
		}
		wg.Wait()
	})
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
		wg.Add(1)
		lns = append(lns, ln)
		go acceptLoop(&wg, ln, serve)
	}
	return ports
}

func acceptLoop(wg *sync.WaitGroup, ln net.Listener, serve func(net.Conn)) {
	defer wg.Done()
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		conns.Add(1)
		go func() {
			defer conns.Done()
			defer c.Close()
			serve(c)
		}()
	}
}

// closedPort is a port nothing listens on.
func closedPort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func scanAll(t *testing.T, ips []net.IPAddr, ports []int, o Options) []Result {
	t.Helper()
	var got []Result
	if err := Scan(context.Background(), ips, ports, o, func(r Result) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestScanTCP(t *testing.T) {
	open := listeners(t, 2, func(c net.Conn) { io.Copy(io.Discard, c) })
	closed := closedPort(t)
	ports := []int{min(open[0], open[1]), closed, max(open[0], open[1])}
	got := scanAll(t, loopback, ports, Options{Timeout: 2 * time.Second})
	want := []State{Open, Closed, Open}
	if len(got) != 3 {
		t.Fatalf("%d results, want 3", len(got))
	}
	for i, r := range got {
		if r.Port != ports[i] || r.State != want[i] {
			t.Errorf("result %d: port %d %v, want port %d %v", i, r.Port, r.State, ports[i], want[i])
		}
	}
	if got[1].Err == nil {
		t.Errorf("a closed port has no reason")
	}
}

// TestScanAddresses: a port open on the second address of a name is open.
func TestScanAddresses(t *testing.T) {
	open := listeners(t, 1, func(c net.Conn) { io.Copy(io.Discard, c) })
	ips := []net.IPAddr{{IP: net.IPv4(127, 0, 0, 2)}, loopback[0]} // 127.0.0.2: refused (nothing bound there)
	got := scanAll(t, ips, open, Options{})
	if got[0].State != Open || !got[0].Addr.IP.Equal(loopback[0].IP) {
		t.Errorf("got %v on %v, want open on 127.0.0.1", got[0].State, got[0].Addr)
	}
}

func TestScanBanner(t *testing.T) {
	greet := listeners(t, 1, func(c net.Conn) { io.WriteString(c, "SSH-2.0-test\r\n"); io.Copy(io.Discard, c) })
	silent := listeners(t, 1, func(c net.Conn) { io.Copy(io.Discard, c) })
	got := scanAll(t, loopback, []int{greet[0], silent[0]}, Options{Banner: true, Timeout: 200 * time.Millisecond})
	byPort := map[int]Result{got[0].Port: got[0], got[1].Port: got[1]}
	if b := string(byPort[greet[0]].Banner); b != "SSH-2.0-test\r\n" {
		t.Errorf("banner %q", b)
	}
	if r := byPort[silent[0]]; r.State != Open || len(r.Banner) != 0 {
		t.Errorf("silent port: %v, banner %q", r.State, r.Banner)
	}
}

// TestScanConcurrency: never more sockets at once than asked, counted
// while each probe waits for a banner that never comes.
func TestScanConcurrency(t *testing.T) {
	var open, most atomic.Int32
	onHeld = func(delta int) {
		n := open.Add(int32(delta))
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
	}
	defer func() { onHeld = nil }()
	ports := listeners(t, 12, func(c net.Conn) { io.Copy(io.Discard, c) })
	got := scanAll(t, loopback, ports, Options{Concurrency: 3, Banner: true, Timeout: 30 * time.Millisecond})
	if len(got) != 12 {
		t.Fatalf("%d results", len(got))
	}
	if m := most.Load(); m > 3 || m < 1 {
		t.Errorf("%d connections at once, want 1-3", m)
	}
}

func TestScanUDP(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go echoUDP(pc)
	closed, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := closed.LocalAddr().(*net.UDPAddr).Port
	closed.Close()
	open := pc.LocalAddr().(*net.UDPAddr).Port
	got := scanAll(t, loopback, []int{open, closedPort}, Options{UDP: true, Timeout: time.Second})
	byPort := map[int]State{got[0].Port: got[0].State, got[1].Port: got[1].State}
	if byPort[open] != Open {
		t.Errorf("echoing UDP port: %v", byPort[open])
	}
	if byPort[closedPort] != Closed {
		t.Errorf("closed UDP port: %v", byPort[closedPort])
	}
}

func echoUDP(pc net.PacketConn) {
	buf := make([]byte, 2048)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		pc.WriteTo(buf[:n], from)
	}
}

func TestScanCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Scan(ctx, loopback, []int{closedPort(t)}, Options{}, func(Result) {})
	if err == nil {
		t.Errorf("a cancelled scan returned nil")
	}
}
