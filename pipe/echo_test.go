package pipe

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
)

// startEcho runs c.Echo in the background, half-closing after it as the
// echo server does; the channel gets its result.
func startEcho(c *Conn) <-chan echoResult {
	res := make(chan echoResult, 1)
	go func() {
		n, err := c.Echo()
		if err == nil {
			err = c.CloseWrite()
		}
		res <- echoResult{n: n, err: err}
	}()
	return res
}

type echoResult struct {
	n   int64
	err error
}

// noSyscall hides a TCP connection's raw socket, as TLS does, so that
// Echo takes its plain copy.
type noSyscall struct{ net.Conn }

func (c noSyscall) CloseWrite() error { return c.Conn.(*net.TCPConn).CloseWrite() }

// hiddenPair is tcpPair with the server end behind noSyscall.
func hiddenPair(t testing.TB) (net.Conn, net.Conn) {
	client, server := tcpPair(t)
	return client, noSyscall{server}
}

// TestEchoExact sends small and large inputs, in one write or many, and
// checks that every byte comes back in order, that the counters, the tap
// and Echo's count agree, and that the echo half-closes at the client's
// EOF.
func TestEchoExact(t *testing.T) {
	_, big := randomFile(t, 3<<20+17) // not a multiple of the buffer
	for _, pc := range []struct {
		name string
		pair func(testing.TB) (net.Conn, net.Conn)
	}{{"tcp", tcpPair}, {"unix", unixPair}, {"nosocket", hiddenPair}} {
		for _, in := range []struct {
			name  string
			data  []byte
			chunk int
		}{
			{"empty", nil, 1},
			{"one", []byte("x"), 1},
			{"64B", bytes.Repeat([]byte("0123456789abcdef"), 4), 64},
			{"3MiB", big, len(big)},
			{"3MiB-in-1000B", big, 1000},
		} {
			t.Run(pc.name+"/"+in.name, func(t *testing.T) {
				client, server := pc.pair(t)
				var mu sync.Mutex
				var tapIn, tapOut bytes.Buffer
				tap := func(_ int64, d Direction, p []byte) {
					mu.Lock()
					defer mu.Unlock()
					if d == In {
						tapIn.Write(p)
					} else {
						tapOut.Write(p)
					}
				}
				c := wrap(t, server, Options{Tap: tap})
				res := startEcho(c)
				got := make(chan []byte, 1)
				go func() {
					b, err := io.ReadAll(client)
					if err != nil {
						t.Error(err)
					}
					got <- b
				}()
				for p := in.data; len(p) > 0; {
					k := min(in.chunk, len(p))
					if _, err := client.Write(p[:k]); err != nil {
						t.Fatal(err)
					}
					p = p[k:]
				}
				closeWrite(t, client)
				b := <-got
				r := <-res
				if r.err != nil {
					t.Fatalf("Echo: %v", r.err)
				}
				if !bytes.Equal(b, in.data) {
					t.Fatalf("echoed %d bytes, not the %d sent (first difference at %d)", len(b), len(in.data), firstDiff(b, in.data))
				}
				n := int64(len(in.data))
				if r.n != n || c.BytesIn() != n || c.BytesOut() != n {
					t.Errorf("Echo = %d, BytesIn %d, BytesOut %d; want %d", r.n, c.BytesIn(), c.BytesOut(), n)
				}
				mu.Lock()
				defer mu.Unlock()
				if !bytes.Equal(tapIn.Bytes(), in.data) || !bytes.Equal(tapOut.Bytes(), in.data) {
					t.Errorf("tap saw %d bytes in and %d out, want %d each", tapIn.Len(), tapOut.Len(), n)
				}
			})
		}
	}
}

// closeWrite half-closes c.
func closeWrite(t *testing.T, c net.Conn) {
	t.Helper()
	if err := c.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		t.Fatal(err)
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestEchoIdleTimeout checks that the socket path keeps the idle timeout
// and names it as a Read would.
func TestEchoIdleTimeout(t *testing.T) {
	for _, pc := range []struct {
		name string
		pair func(testing.TB) (net.Conn, net.Conn)
	}{{"tcp", tcpPair}, {"unix", unixPair}} {
		t.Run(pc.name, func(t *testing.T) {
			_, server := pc.pair(t)
			c := wrap(t, server, Options{IdleTimeout: 20e6})
			_, err := c.Echo()
			if !errors.Is(err, ErrIdleTimeout) {
				t.Fatalf("Echo = %v, want ErrIdleTimeout", err)
			}
		})
	}
}

// TestEchoPeerReset checks that a reset is a read error named as
// net.Conn's Read names it.
func TestEchoPeerReset(t *testing.T) {
	client, server := tcpPair(t)
	c := wrap(t, server, Options{})
	res := startEcho(c)
	if _, err := client.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(client, make([]byte, 2)); err != nil {
		t.Fatal(err)
	}
	client.(*net.TCPConn).SetLinger(0)
	client.Close()
	r := <-res
	var oe *net.OpError
	if !errors.As(r.err, &oe) || oe.Op != "read" || !strings.Contains(r.err.Error(), "read: connection reset by peer") {
		t.Fatalf("Echo after a reset = %v, want a read error: connection reset by peer", r.err)
	}
}
