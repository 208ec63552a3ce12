package serve

import (
	"bytes"
	"io"
	"net"
	"os"
	"runtime/debug"
	"syscall"
	"testing"
	"time"

	"sockit/pipe"
)

// openFDs is the number of descriptors this process has open.
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// TestEchoIdleDescriptors holds many idle echo connections in this
// process and counts its descriptors: each connection may add its client
// socket, its server socket and nothing else (a splicing echo held a pipe
// pair, two more, per connection). Once the clients close, the count
// must come back with the garbage collector off: nothing may be left for
// a finalizer to close.
func TestEchoIdleDescriptors(t *testing.T) {
	const conns = 500
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil && lim.Cur < 4*conns+100 {
		t.Skipf("RLIMIT_NOFILE is %d: too low for %d connections", lim.Cur, conns)
	}
	// No collection during the test: a pipe pooled by the runtime is
	// closed only by a finalizer, and that must not hide it.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	closed := make(chan struct{}, conns)
	addr, stop := startServe(t, pipe.Options{OnEvent: func(e pipe.Event) {
		if e.Name == pipe.EventClose {
			closed <- struct{}{}
		}
	}}, Echo)
	defer stop()
	out, in := bytes.Repeat([]byte("x"), 64), make([]byte, 64)
	roundTrip := func(c net.Conn) {
		t.Helper()
		if _, err := c.Write(out); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(c, in); err != nil {
			t.Fatal(err)
		}
	}
	base := openFDs(t)
	cs := make([]net.Conn, 0, conns)
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
		roundTrip(c) // the server has accepted it and echoed through it
	}
	grown := openFDs(t) - base
	perConn := float64(grown)/conns - 1 // less the client's own socket
	t.Logf("%d idle echo connections: %d more descriptors, %.2f per connection on the server side", conns, grown, perConn)
	if perConn > 1.1 {
		t.Errorf("the server holds %.2f descriptors per idle connection, want 1 (<= 1.1)", perConn)
	}
	for _, c := range cs {
		c.Close()
	}
	cs = nil
	// The server closes its end as it reads each client's EOF, and says
	// so with a close event once the socket is closed.
	timeout := time.After(20 * time.Second)
	for i := range conns {
		select {
		case <-closed:
		case <-timeout:
			t.Fatalf("%d close events 20s after the clients closed, want %d", i, conns)
		}
	}
	if n := openFDs(t); n > base {
		t.Errorf("%d descriptors open once every connection closed, %d before they connected", n, base)
	}
}
