package pipe

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCountsOnZeroCopyPaths checks that the byte counters are exact on
// every path io.Copy can take through a Conn: file to socket (sendfile),
// socket to file (splice), socket to socket (splice), over TCP and Unix.
func TestCountsOnZeroCopyPaths(t *testing.T) {
	const size = 3<<20 + 12345
	for _, tc := range []struct {
		name string
		pair func(testing.TB) (net.Conn, net.Conn)
	}{{"tcp", tcpPair}, {"unix", unixPair}} {
		t.Run(tc.name+"/file-to-conn-to-file", func(t *testing.T) {
			a, b := tc.pair(t)
			src, want := randomFile(t, size)
			wa, wb := wrap(t, a, Options{}), wrap(t, b, Options{})
			dst, err := os.CreateTemp(t.TempDir(), "out")
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			got := make(chan int64, 1)
			go func() {
				n, err := io.Copy(dst, wb) // wb.WriteTo: splice into the file
				if err != nil {
					t.Error(err)
				}
				got <- n
			}()
			n, err := io.Copy(wa, src) // wa.ReadFrom: sendfile from the file
			if err != nil || n != size {
				t.Fatalf("sent %d, %v; want %d", n, err, size)
			}
			if err := wa.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			if n := <-got; n != size {
				t.Fatalf("received %d, want %d", n, size)
			}
			if wa.BytesOut() != size || wb.BytesIn() != size || wa.BytesIn() != 0 || wb.BytesOut() != 0 {
				t.Errorf("counters: a out %d in %d, b in %d out %d; want %d", wa.BytesOut(), wa.BytesIn(), wb.BytesIn(), wb.BytesOut(), size)
			}
			if got, _ := os.ReadFile(dst.Name()); !bytes.Equal(got, want) {
				t.Error("received bytes differ")
			}
		})
		t.Run(tc.name+"/relay", func(t *testing.T) {
			// client -> [in relay out] -> server, both relay ends wrapped
			c1, in := tc.pair(t)
			out, s1 := tc.pair(t)
			win, wout := wrap(t, in, Options{}), wrap(t, out, Options{})
			data := bytes.Repeat([]byte("relay me "), size/9)
			go func() {
				c1.Write(data)
				c1.(interface{ CloseWrite() error }).CloseWrite()
			}()
			got := make(chan []byte, 1)
			go func() { b, _ := io.ReadAll(s1); got <- b }()
			n, err := io.Copy(wout, win)
			if err != nil || n != int64(len(data)) {
				t.Fatalf("relayed %d, %v; want %d", n, err, len(data))
			}
			wout.CloseWrite()
			if b := <-got; !bytes.Equal(b, data) {
				t.Fatalf("server got %d bytes, want %d", len(b), len(data))
			}
			if win.BytesIn() != n || wout.BytesOut() != n {
				t.Errorf("counters: in %d, out %d; want %d", win.BytesIn(), wout.BytesOut(), n)
			}
		})
	}
}

// fakeConn records what its ReadFrom and WriteTo were handed, to check
// that a Conn passes the unwrapped source and destination to the raw
// connection (which is what lets *net.TCPConn use sendfile and splice).
type fakeConn struct {
	net.Conn
	readFrom io.Reader
	writeTo  io.Writer
}

func (f *fakeConn) Write(p []byte) (int, error) { return len(p), nil }

func (f *fakeConn) ReadFrom(r io.Reader) (int64, error) {
	f.readFrom = r
	return io.Copy(io.Discard, r)
}

func (f *fakeConn) WriteTo(w io.Writer) (int64, error) {
	f.writeTo = w
	n, err := w.Write([]byte("abc"))
	return int64(n), err
}

func TestDelegatesUnwrapped(t *testing.T) {
	src, _ := randomFile(t, 1000)
	fc := &fakeConn{}
	c := &Conn{raw: fc}
	if n, err := io.Copy(c, src); err != nil || n != 1000 {
		t.Fatalf("copy: %d, %v", n, err)
	}
	// *os.File.WriteTo hands the raw ReadFrom an os-internal wrapper of
	// itself (still sendfile-capable); what matters is that no wrapper of
	// ours (writerOnly, readerOnly, *Conn) sits in between.
	if typ := strings.TrimPrefix(fmt.Sprintf("%T", fc.readFrom), "*"); !strings.HasPrefix(typ, "os.") {
		t.Errorf("raw ReadFrom got %T, want the file (or os's view of it)", fc.readFrom)
	}
	if c.BytesOut() != 1000 {
		t.Errorf("BytesOut = %d, want 1000", c.BytesOut())
	}

	peerRaw := &fakeConn{}
	peer := &Conn{raw: peerRaw}
	if n, err := io.Copy(c, peer); err != nil || n != 3 {
		t.Fatalf("relay: %d, %v", n, err)
	}
	if peerRaw.writeTo != fc { // io.Copy tries the source's WriteTo first
		t.Errorf("peer's raw WriteTo got %T, want our raw conn", peerRaw.writeTo)
	}
	if peer.BytesIn() != 3 || c.BytesOut() != 1003 {
		t.Errorf("counters: peer in %d, c out %d; want 3, 1003", peer.BytesIn(), c.BytesOut())
	}

	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	if fc.writeTo != &buf || c.BytesIn() != 3 {
		t.Errorf("raw WriteTo got %T, BytesIn %d", fc.writeTo, c.BytesIn())
	}
}

// TestWrapDefaults checks that without options a TCP socket has the OS
// defaults (Nagle on, no keep-alive) that Go changes, and that the options
// are applied when given.
func TestWrapDefaults(t *testing.T) {
	a, _ := tcpPair(t)
	wrap(t, a, Options{})
	if v := sockopt(t, a, syscall.IPPROTO_TCP, syscall.TCP_NODELAY); v != 0 {
		t.Errorf("TCP_NODELAY = %d, want 0", v)
	}
	if v := sockopt(t, a, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE); v != 0 {
		t.Errorf("SO_KEEPALIVE = %d, want 0", v)
	}

	b, _ := tcpPair(t)
	wrap(t, b, Options{NoDelay: true, KeepAlive: 7 * time.Second, SendBuffer: 64 << 10, RecvBuffer: 128 << 10})
	if v := sockopt(t, b, syscall.IPPROTO_TCP, syscall.TCP_NODELAY); v == 0 {
		t.Error("TCP_NODELAY is off")
	}
	if v := sockopt(t, b, syscall.SOL_SOCKET, syscall.SO_KEEPALIVE); v == 0 {
		t.Error("SO_KEEPALIVE is off")
	}
	if v := sockopt(t, b, syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE); v != 7 {
		t.Errorf("TCP_KEEPIDLE = %d, want 7", v)
	}
	if v := sockopt(t, b, syscall.SOL_SOCKET, syscall.SO_SNDBUF); v < 64<<10 { // Linux doubles it
		t.Errorf("SO_SNDBUF = %d, want at least %d", v, 64<<10)
	}
	if v := sockopt(t, b, syscall.SOL_SOCKET, syscall.SO_RCVBUF); v < 128<<10 {
		t.Errorf("SO_RCVBUF = %d, want at least %d", v, 128<<10)
	}
}

func sockopt(t *testing.T, c net.Conn, level, opt int) int {
	t.Helper()
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	if err := rc.Control(func(fd uintptr) { v, gerr = syscall.GetsockoptInt(int(fd), level, opt) }); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatal(gerr)
	}
	return v
}

// TestEvents checks the end and close events and their counts.
func TestEvents(t *testing.T) {
	a, b := tcpPair(t)
	events := make(chan Event, 10)
	wa := wrap(t, a, Options{OnEvent: func(e Event) { events <- e }})
	b.Write([]byte("hello"))
	b.(*net.TCPConn).CloseWrite()
	if got, err := io.ReadAll(wa); err != nil || string(got) != "hello" {
		t.Fatalf("read %q, %v", got, err)
	}
	wa.Write([]byte("hi"))
	wa.Close()
	wa.Close()
	close(events)
	var names []string
	for e := range events {
		names = append(names, e.Name)
		if e.Name == EventClose && (e.BytesIn != 5 || e.BytesOut != 2 || e.Duration <= 0) {
			t.Errorf("close event %+v", e)
		}
	}
	if len(names) != 2 || names[0] != EventEnd || names[1] != EventClose {
		t.Errorf("events %v, want [end close]", names)
	}
}

func TestCloseWriteUnsupported(t *testing.T) {
	c := &Conn{raw: &fakeConn{}}
	if err := c.CloseWrite(); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("CloseWrite = %v", err)
	}
}
