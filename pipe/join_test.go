package pipe

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// joinResult is what a Join under test returned and wrote.
type joinResult struct {
	err error
	out string
}

// startJoin runs Join on c in the background.
func startJoin(c *Conn, in io.Reader, o JoinOptions) <-chan joinResult {
	res := make(chan joinResult, 1)
	go func() {
		var out bytes.Buffer
		err := Join(context.Background(), c, in, &out, o)
		res <- joinResult{err, out.String()}
	}()
	return res
}

// await returns the Join's result or fails the test after a generous
// deadline (a hang is the bug these tests look for).
func await(t *testing.T, res <-chan joinResult) joinResult {
	t.Helper()
	select {
	case r := <-res:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("Join did not return")
		return joinResult{}
	}
}

// openPipe returns an os.Pipe whose ends are closed at cleanup, so that a
// sender goroutine still blocked on the read end can exit.
func openPipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(); r.Close() })
	return r, w
}

// TestJoinInputEOF: input EOF half-closes, and a reply that comes well
// after it is still delivered: Join must not close the connection while
// the peer takes its time (the wait is the slow server; the half-close
// is seen before it starts, so it orders nothing).
func TestJoinInputEOF(t *testing.T) {
	a, peer := tcpPair(t)
	closed := make(chan struct{})
	c := wrap(t, a, Options{OnEvent: func(e Event) {
		if e.Name == EventClose {
			close(closed)
		}
	}})
	res := startJoin(c, strings.NewReader("question"), JoinOptions{})
	got, err := io.ReadAll(peer) // ends at our half-close
	if err != nil || string(got) != "question" {
		t.Fatalf("peer read %q, %v", got, err)
	}
	select {
	case <-closed:
		t.Fatal("Join closed the connection at input EOF, before the peer's reply")
	case <-time.After(200 * time.Millisecond): // a slow server
	}
	peer.Write([]byte("answer"))
	peer.(*net.TCPConn).CloseWrite()
	if r := await(t, res); r.err != nil || r.out != "answer" {
		t.Errorf("Join = %v, out %q", r.err, r.out)
	}
}

// TestJoinPeerEOFInputOpen: with StopAtPeerEnd (a terminal), the peer's
// EOF ends Join at once while the input is open and idle.
func TestJoinPeerEOFInputOpen(t *testing.T) {
	for _, name := range []string{"pipe", "reader"} {
		t.Run(name, func(t *testing.T) {
			a, peer := tcpPair(t)
			var in io.Reader
			if name == "pipe" {
				in, _ = openPipe(t)
			} else {
				pr, pw := io.Pipe()
				t.Cleanup(func() { pw.Close() })
				in = pr
			}
			res := startJoin(wrap(t, a, Options{}), in, JoinOptions{StopAtPeerEnd: true})
			peer.Write([]byte("bye"))
			peer.Close()
			if r := await(t, res); r.err != nil || r.out != "bye" {
				t.Errorf("Join = %v, out %q", r.err, r.out)
			}
		})
	}
}

// TestJoinReadyInputNotLost: with StopAtPeerEnd, input already waiting in
// a pipe when the peer ends is still sent before Join returns.
func TestJoinReadyInputNotLost(t *testing.T) {
	a, peer := tcpPair(t)
	r, w := openPipe(t)
	data := bytes.Repeat([]byte("x"), 50000)
	w.Write(data[:10000])
	c := wrap(t, a, Options{})
	res := startJoin(c, r, JoinOptions{StopAtPeerEnd: true})
	peer.(*net.TCPConn).CloseWrite()
	go w.Write(data[10000:]) // blocks on the pipe's buffer until read
	got := make(chan int, 1)
	go func() { b, _ := io.ReadAll(peer); got <- len(b) }()
	if r := await(t, res); r.err != nil {
		t.Fatalf("Join = %v", r.err)
	}
	if n := <-got; n < 10000 {
		t.Errorf("peer got %d bytes, want at least the 10000 that were ready", n)
	}
}

// closeNotifier is an output that records its bytes and tells when it
// is closed.
type closeNotifier struct {
	bytes.Buffer
	closed chan struct{}
}

func (c *closeNotifier) Close() error { close(c.closed); return nil }

// TestJoinPeerEOFKeepsSending: by default the peer's EOF ends only the
// receive direction: out is closed at once, and the input keeps going
// until its EOF.
func TestJoinPeerEOFKeepsSending(t *testing.T) {
	for _, name := range []string{"pipe", "reader"} {
		t.Run(name, func(t *testing.T) {
			a, peer := tcpPair(t)
			var in io.Reader
			var w io.WriteCloser
			if name == "pipe" {
				in, w = openPipe(t)
			} else {
				in, w = io.Pipe()
			}
			out := &closeNotifier{closed: make(chan struct{})}
			res := make(chan error, 1)
			go func() { res <- Join(context.Background(), wrap(t, a, Options{}), in, out, JoinOptions{}) }()
			peer.Write([]byte("bye"))
			peer.(*net.TCPConn).CloseWrite()
			select {
			case <-out.closed:
			case <-time.After(10 * time.Second):
				t.Fatal("out was not closed at the peer's EOF")
			}
			if out.String() != "bye" {
				t.Errorf("out = %q before its close", out.String())
			}
			w.Write([]byte("late"))
			w.Close()
			got, _ := io.ReadAll(peer)
			select {
			case err := <-res:
				if err != nil || string(got) != "late" {
					t.Errorf("Join = %v, peer got %q", err, got)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("Join did not return")
			}
		})
	}
}

// TestJoinPeerGoneLosesInput: a peer that half-closes and then goes away
// for good while input is still coming is an error wrapping
// ErrPeerClosed, never a silent exit.
func TestJoinPeerGoneLosesInput(t *testing.T) {
	a, peer := tcpPair(t)
	r, w := openPipe(t)
	out := &closeNotifier{closed: make(chan struct{})}
	res := make(chan error, 1)
	go func() { res <- Join(context.Background(), wrap(t, a, Options{}), r, out, JoinOptions{}) }()
	go feedForever(w)
	peer.(*net.TCPConn).CloseWrite()
	<-out.closed
	peer.Close() // unread data: the kernel resets, and later writes fail
	select {
	case err := <-res:
		if !errors.Is(err, ErrPeerClosed) {
			t.Errorf("Join = %v, want ErrPeerClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Join did not return")
	}
}

// feedForever writes to w until a write fails.
func feedForever(w io.Writer) {
	buf := make([]byte, 64<<10)
	for {
		if _, err := w.Write(buf); err != nil {
			return
		}
	}
}

// TestJoinNoShutdown: input EOF does not half-close; the peer's EOF ends
// Join.
func TestJoinNoShutdown(t *testing.T) {
	a, peer := tcpPair(t)
	res := startJoin(wrap(t, a, Options{}), strings.NewReader("hi"), JoinOptions{NoShutdown: true})
	buf := make([]byte, 2)
	if _, err := io.ReadFull(peer, buf); err != nil {
		t.Fatal(err)
	}
	peer.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if n, err := peer.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("peer read %d, %v: want no EOF while Join runs", n, err)
	}
	peer.Write([]byte("ok"))
	peer.Close()
	if r := await(t, res); r.err != nil || r.out != "ok" {
		t.Errorf("Join = %v, out %q", r.err, r.out)
	}
}

// TestJoinSendOnly: the peer's bytes are discarded and its EOF does not
// stop the input.
func TestJoinSendOnly(t *testing.T) {
	a, peer := tcpPair(t)
	r, w := openPipe(t)
	res := startJoin(wrap(t, a, Options{}), r, JoinOptions{SendOnly: true})
	peer.Write([]byte("ignored"))
	peer.(*net.TCPConn).CloseWrite()
	w.Write([]byte("data"))
	w.Close()
	got, _ := io.ReadAll(peer)
	if r := await(t, res); r.err != nil || r.out != "" || string(got) != "data" {
		t.Errorf("Join = %v, out %q, peer got %q", r.err, r.out, got)
	}
}

// TestJoinRecvOnly: input is never read and never half-closes.
func TestJoinRecvOnly(t *testing.T) {
	a, peer := tcpPair(t)
	in := strings.NewReader("unread")
	res := startJoin(wrap(t, a, Options{}), in, JoinOptions{RecvOnly: true})
	peer.Write([]byte("news"))
	peer.(*net.TCPConn).CloseWrite()
	if r := await(t, res); r.err != nil || r.out != "news" {
		t.Errorf("Join = %v, out %q", r.err, r.out)
	}
	if in.Len() != len("unread") {
		t.Error("input was read")
	}
	if got, _ := io.ReadAll(peer); len(got) != 0 {
		t.Errorf("peer got %q", got)
	}
}

// TestJoinContext: a cancelled context ends Join with its cause.
func TestJoinContext(t *testing.T) {
	a, _ := tcpPair(t)
	r, _ := openPipe(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	res := make(chan error, 1)
	go func() { res <- Join(ctx, wrap(t, a, Options{}), r, io.Discard, JoinOptions{}) }()
	stop := errors.New("stop")
	cancel(stop)
	select {
	case err := <-res:
		if !errors.Is(err, stop) {
			t.Errorf("Join = %v, want the cause", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Join did not return")
	}
}

// TestJoinPeerReset: a reset from the peer is an error.
func TestJoinPeerReset(t *testing.T) {
	a, peer := tcpPair(t)
	r, _ := openPipe(t)
	res := startJoin(wrap(t, a, Options{}), r, JoinOptions{})
	peer.(*net.TCPConn).SetLinger(0)
	peer.Close()
	if r := await(t, res); r.err == nil {
		t.Error("Join = nil after a reset")
	}
}

// TestJoinResetBlamesSocket: a reset met while splicing into a pipe
// names the read of the socket, not a write to the pipe.
func TestJoinResetBlamesSocket(t *testing.T) {
	a, peer := tcpPair(t)
	r, w := openPipe(t)
	go io.Copy(io.Discard, r)
	res := make(chan error, 1)
	go func() {
		res <- Join(context.Background(), wrap(t, a, Options{}), strings.NewReader(""), w, JoinOptions{RecvOnly: true})
	}()
	peer.Write([]byte("some bytes"))
	peer.(*net.TCPConn).SetLinger(0)
	peer.Close()
	select {
	case err := <-res:
		var oe *net.OpError
		if !errors.Is(err, syscall.ECONNRESET) || !errors.As(err, &oe) || oe.Op != "read" || strings.Contains(err.Error(), "stdout") || strings.Contains(err.Error(), "splice") {
			t.Errorf("Join = %v, want a read error with ECONNRESET", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Join did not return")
	}
}
