package transfer

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// tcpPair returns the two ends of a loopback TCP connection.
func tcpPair(t testing.TB) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		ch <- res{c, err}
	}()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { a.Close(); r.c.Close() })
	return a, r.c
}

// transfer runs Send and Receive over loopback.
func transfer(t testing.TB, items []Item, dir string, so SendOptions, ro ReceiveOptions) (Stats, error, Stats, error) {
	t.Helper()
	sc, rcConn := tcpPair(t)
	type out struct {
		st  Stats
		err error
	}
	done := make(chan out, 1)
	go func() {
		st, err := Receive(context.Background(), rcConn, dir, ro)
		rcConn.Close()
		done <- out{st, err}
	}()
	sst, serr := Send(context.Background(), sc, items, so)
	sc.Close()
	r := <-done
	return sst, serr, r.st, r.err
}

// randomFile writes n random bytes to dir/name and returns them.
func randomFile(t testing.TB, dir, name string, n int, mode os.FileMode) []byte {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return b
}

// mustEqualFile fails unless the file at path holds want.
func mustEqualFile(t testing.TB, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes differ from the %d sent", path, len(got), len(want))
	}
}

// crafted speaks the protocol by hand, as a hostile or broken sender.
type crafted struct {
	c net.Conn
	w writer
	r reader
}

func newCrafted(t testing.TB, c net.Conn) *crafted {
	cr := &crafted{c: c, w: writer{bufio.NewWriter(c)}, r: reader{bufio.NewReader(c)}}
	cr.w.hello("sha256")
	cr.w.Flush()
	if err := cr.r.hello("sha256"); err != nil {
		t.Fatal(err)
	}
	return cr
}

// listDir lists every path under dir, for "nothing was written" checks.
func listDir(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if p != dir {
			out = append(out, p)
		}
		return nil
	})
	return out
}
