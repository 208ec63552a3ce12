package pipe

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// tcpPair returns both ends of a loopback TCP connection, raw.
func tcpPair(t testing.TB) (client, server net.Conn) {
	t.Helper()
	return connPair(t, "tcp", "127.0.0.1:0")
}

// unixPair returns both ends of a Unix stream connection in a short
// temporary directory.
func unixPair(t testing.TB) (client, server net.Conn) {
	t.Helper()
	dir, err := os.MkdirTemp("", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return connPair(t, "unix", filepath.Join(dir, "s"))
}

// connPair listens on addr, dials it and returns both ends, closed at
// cleanup.
func connPair(t testing.TB, network, addr string) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			t.Error(err)
		}
		acc <- c
	}()
	client, err = net.Dial(network, ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-acc
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// wrap wraps c with o or fails the test.
func wrap(t *testing.T, c net.Conn, o Options) *Conn {
	t.Helper()
	w, err := Wrap(c, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// randomFile writes n pseudo-random bytes to a temporary file and returns
// it open at offset 0, with the bytes.
func randomFile(t testing.TB, n int) (*os.File, []byte) {
	t.Helper()
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	f, err := os.CreateTemp(t.TempDir(), "data")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	return f, b
}
