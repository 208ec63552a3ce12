package udp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"sockit/addr"
	"sockit/pipe"
)

// peerSocket is a plain UDP socket on 127.0.0.1 standing in for the
// other side, closed when the test ends, failing reads after 10s.
func peerSocket(t *testing.T) *net.UDPConn {
	t.Helper()
	c := listenLoopback(t)
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// recorder records the events it observes.
type recorder struct {
	mu  sync.Mutex
	all []pipe.Event
}

func (e *recorder) observe(ev pipe.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

func (e *recorder) named(name string) []pipe.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []pipe.Event
	for _, ev := range e.all {
		if ev.Name == name {
			out = append(out, ev)
		}
	}
	return out
}

func dialPeer(t *testing.T, to *net.UDPConn, o pipe.Options) *Conn {
	t.Helper()
	c, err := Dial(context.Background(), "udp", nil, to.LocalAddr().(*net.UDPAddr), "127.0.0.1", o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// recvDatagram reads one datagram from p.
func recvDatagram(t *testing.T, p *net.UDPConn) ([]byte, *net.UDPAddr) {
	t.Helper()
	buf := make([]byte, MaxDatagram+1)
	n, from, err := p.ReadFromUDP(buf)
	if err != nil {
		t.Fatal(err)
	}
	return buf[:n], from
}

// TestJoinBoundaries: each read of the input is a datagram (each line,
// with Lines), cut at DatagramSize; each datagram received is one write,
// empty ones counted; the close event counts both ways.
func TestJoinBoundaries(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines bool
		size  int
		in    []string // the reads the input returns
		want  []string // the datagrams the peer gets
	}{
		{"reads", false, 0, []string{"one\ntwo\n", "three"}, []string{"one\ntwo\n", "three"}},
		{"cut", false, 4, []string{"abcdefghij"}, []string{"abcd", "efgh", "ij"}},
		{"lines", true, 0, []string{"one\ntwo\nthr", "ee\n"}, []string{"one\n", "two\n", "three\n"}},
		{"long lines", true, 3, []string{"abcdefg\nxy\n"}, []string{"abc", "def", "g\n", "xy\n"}},
		{"empty line", true, 0, []string{"\n\n"}, []string{"\n", "\n"}},
		{"last line unended", true, 0, []string{"a\nb"}, []string{"a\n", "b"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := peerSocket(t)
			var ev recorder
			c := dialPeer(t, p, pipe.Options{OnEvent: ev.observe})
			var out bytes.Buffer
			done := make(chan error, 1)
			go func() {
				done <- Join(context.Background(), c, &chunks{parts: tc.in}, &writes{w: &out}, JoinOptions{Lines: tc.lines, DatagramSize: tc.size, Linger: 200 * time.Millisecond})
			}()
			var from *net.UDPAddr
			for i, w := range tc.want {
				var got []byte
				got, from = recvDatagram(t, p)
				if string(got) != w {
					t.Fatalf("datagram %d: %q, want %q", i+1, got, w)
				}
			}
			for _, r := range []string{"", "reply", ""} { // empty datagrams too
				if _, err := p.WriteToUDP([]byte(r), from); err != nil {
					t.Fatal(err)
				}
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if out.String() != "reply" {
				t.Errorf("out %q, want %q", out.String(), "reply")
			}
			cl := ev.named(pipe.EventClose)
			if len(cl) != 1 || !cl[0].Datagrams || cl[0].DatagramsIn != 3 || cl[0].BytesIn != 5 || cl[0].DatagramsOut != int64(len(tc.want)) || cl[0].BytesOut != int64(len(strings.Join(tc.want, ""))) {
				t.Errorf("close recorder %+v", cl)
			}
		})
	}
}

// chunks is a reader that returns its parts one read each.
type chunks struct{ parts []string }

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.parts) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.parts[0])
	c.parts[0] = c.parts[0][n:]
	if c.parts[0] == "" {
		c.parts = c.parts[1:]
	}
	return n, nil
}

// writes counts the writes to w and refuses empty ones.
type writes struct {
	w io.Writer
	n int
}

func (w *writes) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, errors.New("an empty write")
	}
	w.n++
	return w.w.Write(p)
}

// TestJoinBigDatagram: a 60,000-byte datagram goes out and comes back
// whole, in one read and one write.
func TestJoinBigDatagram(t *testing.T) {
	p := peerSocket(t)
	c := dialPeer(t, p, pipe.Options{RecvBuffer: 1 << 20})
	big := bytes.Repeat([]byte("0123456789"), 6000)
	var out bytes.Buffer
	w := &writes{w: &out}
	done := make(chan error, 1)
	go func() {
		done <- Join(context.Background(), c, bytes.NewReader(big), w, JoinOptions{DatagramSize: MaxDatagram, Linger: 200 * time.Millisecond})
	}()
	got, from := recvDatagram(t, p)
	if !bytes.Equal(got, big) {
		t.Fatalf("got %d bytes, want %d in one datagram", len(got), len(big))
	}
	if _, err := p.WriteToUDP(got, from); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), big) || w.n != 1 {
		t.Errorf("out: %d bytes in %d writes, want %d in 1", out.Len(), w.n, len(big))
	}
}

// TestJoinRefused: a datagram to a port where nothing listens comes back
// as ICMP port unreachable: a RefusedError wrapping ECONNREFUSED.
func TestJoinRefused(t *testing.T) {
	p := peerSocket(t)
	to := p.LocalAddr().(*net.UDPAddr)
	p.Close()
	c, err := Dial(context.Background(), "udp", nil, to, "127.0.0.1", pipe.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = Join(context.Background(), c, strings.NewReader("hello\n"), io.Discard, JoinOptions{Linger: 5 * time.Second})
	var re *RefusedError
	if !errors.As(err, &re) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("err %v, want a RefusedError", err)
	}
	if want := "udp " + to.String() + ": connection refused"; err.Error() != want {
		t.Errorf("err %q, want %q", err, want)
	}
}

// TestJoinTimes: the linger counts from the last datagram received, a
// negative linger waits for ctx, and an idle timeout while the input is
// open is ErrIdleTimeout.
func TestJoinTimes(t *testing.T) {
	t.Run("linger", func(t *testing.T) {
		p := peerSocket(t)
		c := dialPeer(t, p, pipe.Options{})
		start := time.Now()
		if err := Join(context.Background(), c, strings.NewReader("x"), io.Discard, JoinOptions{Linger: 100 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 100*time.Millisecond {
			t.Errorf("returned after %v, before the linger", d)
		}
	})
	t.Run("for ever", func(t *testing.T) {
		p := peerSocket(t)
		c := dialPeer(t, p, pipe.Options{})
		ctx, cancel := context.WithCancelCause(context.Background())
		stop := errors.New("stopped")
		time.AfterFunc(300*time.Millisecond, func() { cancel(stop) })
		if err := Join(ctx, c, strings.NewReader("x"), io.Discard, JoinOptions{Linger: -1}); err != stop {
			t.Fatalf("err %v, want the context's cause", err)
		}
	})
	t.Run("idle", func(t *testing.T) {
		p := peerSocket(t)
		c := dialPeer(t, p, pipe.Options{})
		r, w := io.Pipe() // an input that stays open
		defer w.Close()
		err := Join(context.Background(), c, r, io.Discard, JoinOptions{IdleTimeout: 100 * time.Millisecond})
		if !errors.Is(err, ErrIdleTimeout) {
			t.Fatalf("err %v, want ErrIdleTimeout", err)
		}
	})
	t.Run("send only", func(t *testing.T) {
		p := peerSocket(t)
		c := dialPeer(t, p, pipe.Options{})
		start := time.Now()
		if err := Join(context.Background(), c, strings.NewReader("x"), io.Discard, JoinOptions{SendOnly: true, Linger: time.Hour}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("send-only waited %v", d)
		}
	})
}

// TestAwaitPeer: the first admitted sender becomes the peer; others are
// dropped, each reported once by a reject event; refused senders with
// admit's why.
func TestAwaitPeer(t *testing.T) {
	var ev recorder
	l, err := Listen(context.Background(), addr.Addr{Kind: addr.UDP, Host: "127.0.0.1"}, pipe.Options{OnEvent: ev.observe})
	if err != nil {
		t.Fatal(err)
	}
	at := l.LocalAddr().(*net.UDPAddr)
	denied, first, other := peerSocket(t), peerSocket(t), peerSocket(t)
	send := func(p *net.UDPConn, s string) {
		if _, err := p.WriteToUDP([]byte(s), at); err != nil {
			t.Fatal(err)
		}
	}
	send(denied, "no")
	send(first, "") // an empty datagram starts a session too
	send(other, "o1")
	send(other, "o2")
	send(first, "f2")
	admit := func(a net.Addr) (bool, string) {
		return a.String() != denied.LocalAddr().String(), "not allowed"
	}
	if err := l.AwaitPeer(context.Background(), admit); err != nil {
		t.Fatal(err)
	}
	if got, want := l.RemoteAddr().String(), first.LocalAddr().String(); got != want {
		t.Fatalf("peer %s, want %s", got, want)
	}
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- Join(context.Background(), l, strings.NewReader("hi"), &out, JoinOptions{Linger: 300 * time.Millisecond})
	}()
	if got, _ := recvDatagram(t, first); string(got) != "hi" {
		t.Errorf("the peer got %q", got)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if out.String() != "f2" {
		t.Errorf("out %q, want f2 (the peer's datagrams only)", out.String())
	}
	other.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, _, err := other.ReadFromUDP(make([]byte, 10)); err == nil {
		t.Errorf("the other peer got %d bytes", n)
	}
	rej := ev.named(pipe.EventReject)
	if len(rej) != 2 || rej[0].Remote.String() != denied.LocalAddr().String() || rej[0].Err.Error() != "not allowed" ||
		rej[1].Remote.String() != other.LocalAddr().String() {
		t.Errorf("reject recorder %+v, want the denied peer's and the other's, once each", rej)
	}
	if cn := ev.named(pipe.EventConnection); len(cn) != 1 || cn[0].Remote.String() != first.LocalAddr().String() {
		t.Errorf("connection recorder %+v", cn)
	}
	if cl := ev.named(pipe.EventClose); len(cl) != 1 || cl[0].DatagramsIn != 2 || cl[0].BytesIn != 2 || cl[0].DatagramsOut != 1 {
		t.Errorf("close recorder %+v", cl)
	}
}

// TestAwaitPeerGone: once the one-shot listener's peer has gone, the
// port unreachable its next datagram draws fails Join with a
// RefusedError, as on a dialled Conn, instead of sending into nothing
// and ending well.
func TestAwaitPeerGone(t *testing.T) {
	l, err := Listen(context.Background(), addr.Addr{Kind: addr.UDP, Host: "127.0.0.1"}, pipe.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := peerSocket(t)
	if _, err := p.WriteToUDP([]byte("hi"), l.LocalAddr().(*net.UDPAddr)); err != nil {
		t.Fatal(err)
	}
	if err := l.AwaitPeer(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	p.Close()
	err = Join(context.Background(), l, strings.NewReader(strings.Repeat("x", 1000)), io.Discard, JoinOptions{DatagramSize: 10, Linger: 5 * time.Second})
	var re *RefusedError
	if !errors.As(err, &re) || re.Peer.String() != p.LocalAddr().String() {
		t.Fatalf("Join = %v, want a RefusedError from %s", err, p.LocalAddr())
	}
}

// TestAwaitPeerCancel: ctx's end stops the wait with its cause.
func TestAwaitPeerCancel(t *testing.T) {
	l, err := Listen(context.Background(), addr.Addr{Kind: addr.UDP, Host: "127.0.0.1"}, pipe.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("stopped")
	time.AfterFunc(50*time.Millisecond, func() { cancel(stop) })
	if err := l.AwaitPeer(ctx, nil); err != stop {
		t.Fatalf("err %v, want the cause", err)
	}
}

// TestHexDump: a header per datagram, offsets from its start, an empty
// datagram as its header alone.
func TestHexDump(t *testing.T) {
	var b strings.Builder
	d := HexDump(&b, nil)
	d(1, pipe.Out, []byte("hello\n"))
	d(1, pipe.In, nil)
	d(1, pipe.In, []byte("0123456789abcdefX"))
	want := `#1 > datagram 1, 6 bytes
#1 > 00000000  68 65 6c 6c 6f 0a                                 |hello.|
#1 < datagram 1, 0 bytes
#1 < datagram 2, 17 bytes
#1 < 00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|
#1 < 00000010  58                                                |X|
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestWriteEmpty: an empty Write is an empty datagram, counted, on a
// dialled Conn and on a listener's.
func TestWriteEmpty(t *testing.T) {
	p := peerSocket(t)
	c := dialPeer(t, p, pipe.Options{})
	defer c.Close()
	if n, err := c.Write(nil); n != 0 || err != nil {
		t.Fatalf("Write(nil) = %d, %v", n, err)
	}
	if got, _ := recvDatagram(t, p); len(got) != 0 || c.DatagramsOut() != 1 || c.BytesOut() != 0 {
		t.Fatalf("the peer got %q; counts %d datagrams, %d bytes", got, c.DatagramsOut(), c.BytesOut())
	}
	l, err := Listen(context.Background(), addr.Addr{Kind: addr.UDP, Host: "127.0.0.1"}, pipe.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Write(nil); err == nil {
		t.Fatal("a listener wrote before it had a peer")
	}
	if _, err := p.WriteToUDP(nil, l.LocalAddr().(*net.UDPAddr)); err != nil {
		t.Fatal(err)
	}
	if err := l.AwaitPeer(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Write(nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := recvDatagram(t, p); len(got) != 0 {
		t.Fatalf("the peer got %q", got)
	}
}
