package ipc

import (
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"go.uber.org/goleak"

	"sockit/addr"
	"sockit/pipe"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// shortDir is a new temporary directory with a path short enough for
// socket files (t.TempDir's can pass sun_path's 107 bytes).
func shortDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// withUmask runs f with the process umask set to mask. Tests in this
// package do not run in parallel, so the process-wide change is safe.
func withUmask(mask int, f func()) {
	old := syscall.Umask(mask)
	defer syscall.Umask(old)
	f()
}

// staleSocket leaves a socket file at path that nobody listens on.
func staleSocket(t *testing.T, path string) {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
}

// accepted is the outcome of one Accept.
type accepted struct {
	c   net.Conn
	err error
}

// acceptOne accepts one connection on ln in the background.
func acceptOne(ln net.Listener) <-chan accepted {
	ch := make(chan accepted, 1)
	go acceptInto(ln, ch)
	return ch
}

func acceptInto(ln net.Listener, ch chan<- accepted) {
	c, err := ln.Accept()
	ch <- accepted{c, err}
}

// dialPair dials the listener l with Dial and returns the client and the
// raw accepted server end, both closed at cleanup.
func dialPair(t *testing.T, l *Listener, o pipe.Options) (*pipe.Conn, net.Conn) {
	t.Helper()
	acc := acceptOne(l)
	raw, err := Dial(t.Context(), unixAddr(l.Path()), o.Control)
	if err != nil {
		t.Fatalf("Dial(%s) = %v", l.Path(), err)
	}
	c, err := pipe.Wrap(raw, o)
	if err != nil {
		t.Fatalf("Wrap = %v", err)
	}
	a := <-acc
	if a.err != nil {
		c.Close()
		t.Fatalf("Accept = %v", a.err)
	}
	t.Cleanup(func() { c.Close(); a.c.Close() })
	return c, a.c
}

// unixAddr is the address of the Unix socket path.
func unixAddr(path string) addr.Addr { return addr.Addr{Kind: addr.Unix, Path: path} }

// listenT listens on path or fails the test; the listener is closed at
// cleanup.
func listenT(t *testing.T, path string, o ListenOptions) *Listener {
	t.Helper()
	l, err := Listen(t.Context(), unixAddr(path), o)
	if err != nil {
		t.Fatalf("Listen(%s) = %v", path, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// sockPath joins name to a new short directory.
func sockPath(t *testing.T, name string) string { return filepath.Join(shortDir(t), name) }
