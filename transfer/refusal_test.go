package transfer

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"sockit/pipe"
)

// refusingPeer plays a receiver that answers every file header with the
// refusal frame frame (bytes after the type), and the end with OK,
// unless the refusal was fatal.
func refusingPeer(t *testing.T, c net.Conn, frame []byte) {
	cr := &crafted{c: c, w: writer{bufio.NewWriter(c)}, r: reader{bufio.NewReader(c)}}
	cr.w.hello("sha256")
	cr.w.Flush()
	if err := cr.r.hello("sha256"); err != nil {
		t.Error(err)
		return
	}
	for {
		ft, err := cr.r.frameType()
		if err != nil {
			return
		}
		switch ft {
		case frameFile:
			if _, err := cr.r.header(ft); err != nil {
				t.Error(err)
				return
			}
			cr.w.u8(frameRefuse)
			cr.w.Write(frame)
			cr.w.Flush()
		case frameEnd:
			cr.w.u8(frameOK)
			cr.w.Flush()
			return
		}
	}
}

// refusalFrame is the body of a refusal frame with code, fatal and msg.
func refusalFrame(code byte, fatal byte, msg string) []byte {
	return append([]byte{code, fatal, 0, byte(len(msg))}, msg...)
}

// sendAgainst sends one small file to a peer that refuses it with frame.
func sendAgainst(t *testing.T, frame []byte) error {
	t.Helper()
	src := t.TempDir()
	randomFile(t, src, "f", 10, 0o644)
	items, _ := Collect([]string{filepath.Join(src, "f")}, nil)
	sc, peer := tcpPair(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		refusingPeer(t, peer, frame)
		peer.Close()
	}()
	_, err := Send(context.Background(), sc, items, SendOptions{})
	sc.Close() // a fatal refusal leaves the peer waiting
	<-done
	return err
}

// TestRefusalCodes: every code, file-level or fatal, reaches the caller
// of Send as a Refusal that matches its code's error and no other; a
// refusal of a file lets the session end normally.
func TestRefusalCodes(t *testing.T) {
	for c := Code(1); c.valid(); c++ {
		for _, fatal := range []byte{0, 1} {
			err := sendAgainst(t, refusalFrame(byte(c), fatal, "why "+c.String()))
			var ref *Refusal
			if !errors.As(err, &ref) || ref.Code != c || ref.Fatal != (fatal == 1) || ref.Msg != "why "+c.String() {
				t.Errorf("%v fatal %d: Send = %v (%+v)", c, fatal, err, ref)
				continue
			}
			var ff *FilesFailed
			if errors.As(err, &ff) == (fatal == 1) {
				t.Errorf("%v fatal %d: Send = %#v", c, fatal, err)
			}
			for o := Code(1); o.valid(); o++ {
				if errors.Is(err, o.Err()) != (o == c) {
					t.Errorf("%v fatal %d: errors.Is(%v) = %v", c, fatal, o, !(o == c))
				}
			}
		}
	}
}

// TestRefusalBadCode: a code this version does not know, or a fatal flag
// other than 0 and 1, breaks the protocol.
func TestRefusalBadCode(t *testing.T) {
	for _, frame := range [][]byte{refusalFrame(0, 1, "x"), refusalFrame(byte(len(codes)), 0, "x"), refusalFrame(1, 2, "x")} {
		if err := sendAgainst(t, frame); !errors.Is(err, ErrProtocol) || errors.As(err, new(*Refusal)) {
			t.Errorf("frame %q: Send = %v", frame, err)
		}
	}
}

// TestReceiverCodes: the receiver sends the code that says what
// happened, whatever its words.
func TestReceiverCodes(t *testing.T) {
	dst := t.TempDir()
	os.WriteFile(filepath.Join(dst, "there"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dst, "plain"), []byte("x"), 0o644)
	os.Mkdir(filepath.Join(dst, "dir"), 0o755)
	lock, err := os.Create(filepath.Join(dst, PartialName("locked")))
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	err = receiveWithin(t, time.Minute, dst, ReceiveOptions{}, func(cr *crafted) {
		for name, want := range map[string]Code{
			"there":                 CodeExists,
			"dir":                   CodeNotRegular,
			"plain/f":               CodeNotRegular,
			".f.sockit-partial":     CodeBadName,
			"locked":                CodeBusy,
			"sub/.g.sockit-partial": CodeBadName,
		} {
			ref := cr.sendFile(t, name, []byte("data"), 0o644)
			if ref == nil || ref.Fatal || ref.Code != want {
				t.Errorf("%s: refusal %+v, want %v", name, ref, want)
			}
		}
		cr.end(t)
	})
	var ff *FilesFailed
	if !errors.As(err, &ff) || ff.Count() != 6 {
		t.Errorf("Receive = %v", err)
	}
	for _, c := range []Code{CodeExists, CodeNotRegular, CodeBadName, CodeBusy} {
		if !errors.Is(err, c.Err()) {
			t.Errorf("Receive = %v, want a failure with %v", err, c)
		}
	}

	// fatal: a second file for -o, and bytes that are no frame
	out := filepath.Join(t.TempDir(), "out")
	for _, tc := range []struct {
		o     ReceiveOptions
		speak func(cr *crafted)
		want  Code
	}{
		{ReceiveOptions{Output: out}, func(cr *crafted) {
			if ref := cr.sendFile(t, "a", []byte("data"), 0o644); ref != nil {
				t.Errorf("a: %v", ref)
			}
			cr.w.header(Header{Name: "b", Size: 4, Mode: 0o644})
		}, CodeOneFile},
		{ReceiveOptions{}, func(cr *crafted) { cr.w.u8('Z') }, CodeProtocol},
		{ReceiveOptions{}, func(cr *crafted) { cr.w.header(Header{Name: "../x", Size: 4, Mode: 0o644}) }, CodeBadName},
	} {
		var heard *Refusal
		err := receiveWithin(t, time.Minute, t.TempDir(), tc.o, func(cr *crafted) {
			tc.speak(cr)
			cr.w.Flush()
			heard = cr.answer(t, frameOK)
		})
		if heard == nil || !heard.Fatal || heard.Code != tc.want || !errors.Is(err, tc.want.Err()) {
			t.Errorf("%v: heard %+v, Receive = %v", tc.want, heard, err)
		}
	}
}

// TestOldVersion: a peer that greets with another version (an older
// sockit) is named as such, with both versions, on either side.
func TestOldVersion(t *testing.T) {
	old := "SKXF\x01\x06sha256"
	check := func(side string, err error) {
		var ve *VersionError
		if !errors.As(err, &ve) || ve.Peer != 1 || ve.Ours != version || !errors.Is(err, ErrVersion) || !errors.Is(err, ErrProtocol) {
			t.Errorf("%s = %v", side, err)
			return
		}
		if msg := err.Error(); !strings.Contains(msg, "version 1") || !strings.Contains(msg, "version 2") {
			t.Errorf("%s: %q names not both versions", side, msg)
		}
	}
	sc, peer := tcpPair(t)
	go peer.Write([]byte(old))
	_, err := Receive(context.Background(), sc, t.TempDir(), ReceiveOptions{})
	check("Receive", err)

	sc, peer = tcpPair(t)
	go peer.Write([]byte(old))
	_, err = Send(context.Background(), sc, nil, SendOptions{})
	check("Send", err)
}

// deadlineSpy counts the deadlines set on a connection, which belong to
// its idle timeout.
type deadlineSpy struct {
	net.Conn
	n *atomic.Int32
}

func (d deadlineSpy) SetDeadline(time.Time) error      { d.n.Add(1); return nil }
func (d deadlineSpy) SetReadDeadline(time.Time) error  { d.n.Add(1); return nil }
func (d deadlineSpy) SetWriteDeadline(time.Time) error { d.n.Add(1); return nil }
func (d deadlineSpy) CloseWrite() error {
	return d.Conn.(interface{ CloseWrite() error }).CloseWrite()
}

// withGreetTimeout runs the test with a shorter greeting timeout.
func withGreetTimeout(t *testing.T, d time.Duration) {
	old := greetTimeout
	greetTimeout = d
	t.Cleanup(func() { greetTimeout = old })
}

// TestGreetTimeout: a peer that sends nothing is not sockit, once the
// greeting timeout has passed, though the idle timeout is longer; and no
// deadline is set on the connection for it.
func TestGreetTimeout(t *testing.T) {
	withGreetTimeout(t, 200*time.Millisecond)
	a, _ := tcpPair(t)
	var n atomic.Int32
	c, err := pipe.Wrap(deadlineSpy{a, &n}, pipe.Options{IdleTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	_, err = Receive(context.Background(), c, t.TempDir(), ReceiveOptions{})
	if !errors.Is(err, ErrNotSockit) || !strings.Contains(err.Error(), "no greeting within 200ms") || errors.Is(err, pipe.ErrIdleTimeout) {
		t.Errorf("Receive = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	if n.Load() != 0 {
		t.Errorf("%d deadlines set", n.Load())
	}
}

// TestIdleTimeoutInGreeting: an idle timeout shorter than the greeting
// timeout ends the wait for a greeting as an idle timeout (exit 3 in
// cmd), not as a peer that is not sockit.
func TestIdleTimeoutInGreeting(t *testing.T) {
	a, _ := tcpPair(t)
	c, err := pipe.Wrap(a, pipe.Options{IdleTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	_, err = Send(context.Background(), c, nil, SendOptions{})
	if !errors.Is(err, pipe.ErrIdleTimeout) || errors.Is(err, ErrNotSockit) {
		t.Errorf("Send = %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestNoDeadlines: a whole session, and one the receiver gives up on
// (it drains, then closes), set no deadline on either connection.
func TestNoDeadlines(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	data := randomFile(t, src, "f", 100<<10, 0o644)
	items, _ := Collect([]string{filepath.Join(src, "f")}, nil)
	var n atomic.Int32
	a, b := tcpPair(t)
	done := make(chan error, 1)
	go func() {
		_, err := Receive(context.Background(), deadlineSpy{b, &n}, dst, ReceiveOptions{})
		done <- err
	}()
	if _, err := Send(context.Background(), deadlineSpy{a, &n}, items, SendOptions{}); err != nil {
		t.Errorf("Send = %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Receive = %v", err)
	}
	mustEqualFile(t, filepath.Join(dst, "f"), data)

	a, b = tcpPair(t)
	go func() {
		_, err := Receive(context.Background(), deadlineSpy{b, &n}, t.TempDir(), ReceiveOptions{})
		done <- err
	}()
	cr := newCrafted(t, a)
	cr.w.header(Header{Name: "../x", Size: 4, Mode: 0o644})
	cr.w.Flush()
	cr.answer(t, frameOK)
	a.Close() // ends the receiver's drain
	if err := <-done; !errors.Is(err, ErrBadName) {
		t.Errorf("Receive = %v", err)
	}
	if n.Load() != 0 {
		t.Errorf("%d deadlines set", n.Load())
	}
}
