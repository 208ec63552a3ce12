package pipe

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// TestIdleTimeoutFires checks that a quiet connection ends with
// ErrIdleTimeout, not before the timeout, and emits a timeout event.
func TestIdleTimeoutFires(t *testing.T) {
	for _, tc := range []struct {
		name string
		pair func(testing.TB) (net.Conn, net.Conn)
	}{{"tcp", tcpPair}, {"unix", unixPair}} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := tc.pair(t)
			const d = 150 * time.Millisecond
			events := make(chan Event, 4)
			w := wrap(t, a, Options{IdleTimeout: d, OnEvent: func(e Event) { events <- e }})
			start := time.Now()
			_, err := w.Read(make([]byte, 10))
			if !errors.Is(err, ErrIdleTimeout) {
				t.Fatalf("Read = %v, want ErrIdleTimeout", err)
			}
			if el := time.Since(start); el < d {
				t.Errorf("timed out after %v, before the %v timeout", el, d)
			}
			if e := <-events; e.Name != EventTimeout || e.Duration != d {
				t.Errorf("event %+v, want timeout %v", e, d)
			}
			if _, err := w.Write([]byte("x")); !errors.Is(err, ErrIdleTimeout) {
				t.Errorf("Write after timeout = %v, want ErrIdleTimeout", err)
			}
		})
	}
}

// TestIdleTimeoutSparedBySlowTransfer sends a file to a reader that drains
// it slowly, for several times the idle timeout: bytes keep moving, so the
// timer must not fire, whether the copy runs in the kernel (TCP sendfile,
// watched through TCP_INFO) or in user space (Unix).
func TestIdleTimeoutSparedBySlowTransfer(t *testing.T) {
	for _, tc := range []struct {
		name string
		pair func(testing.TB) (net.Conn, net.Conn)
	}{{"tcp", tcpPair}, {"unix", unixPair}} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := tc.pair(t)
			const d = 100 * time.Millisecond
			const size = 4 << 20
			src, _ := randomFile(t, size)
			w := wrap(t, a, Options{IdleTimeout: d})
			got := make(chan int64, 1)
			go func() {
				// 64 KiB every 5 ms: at least 320 ms for the whole file,
				// with the sender blocked in one sendfile most of that time.
				var n int64
				buf := make([]byte, 64<<10)
				for {
					m, err := io.ReadFull(b, buf)
					n += int64(m)
					if err != nil {
						got <- n
						return
					}
					time.Sleep(5 * time.Millisecond)
				}
			}()
			start := time.Now()
			n, err := io.Copy(w, src)
			if err != nil || n != size {
				t.Fatalf("sent %d, %v after %v; want %d", n, err, time.Since(start), size)
			}
			w.CloseWrite()
			if n := <-got; n != size {
				t.Errorf("received %d, want %d", n, size)
			}
			if el := time.Since(start); el < 2*d {
				t.Logf("transfer took %v only; the test proves little on this machine", el)
			}
		})
	}
}

// TestIdleTimeoutStopsAtClose checks that closing the Conn stops the timer
// (goleak in TestMain catches a timer goroutine left behind).
func TestIdleTimeoutStopsAtClose(t *testing.T) {
	a, _ := tcpPair(t)
	fired := make(chan Event, 1)
	w := wrap(t, a, Options{IdleTimeout: 20 * time.Millisecond, OnEvent: func(e Event) {
		if e.Name == EventTimeout {
			fired <- e
		}
	}})
	w.Close()
	select {
	case e := <-fired:
		t.Errorf("timeout event after close: %+v", e)
	case <-time.After(100 * time.Millisecond):
	}
}

// TestIdleTimeoutEventOutsideLock: the timeout event is emitted with no
// lock of the connection held, so an observer may call back into it
// (PauseIdle and ResumeIdle take the idle watch's lock; a Close from the
// observer stops the watch), and before the connection's I/O fails, so
// that whoever sees ErrIdleTimeout has seen the event too.
func TestIdleTimeoutEventOutsideLock(t *testing.T) {
	a, _ := tcpPair(t)
	var w *Conn
	told := make(chan struct{})
	w = wrap(t, a, Options{IdleTimeout: 50 * time.Millisecond, OnEvent: func(e Event) {
		if e.Name == EventTimeout {
			w.PauseIdle()
			w.ResumeIdle()
			close(told)
		}
	}})
	read := make(chan error, 1)
	go func() {
		_, err := w.Read(make([]byte, 1))
		select {
		case <-told:
		default:
			err = errors.New("the read failed before the timeout event was emitted")
		}
		read <- err
	}()
	select {
	case err := <-read:
		if !errors.Is(err, ErrIdleTimeout) {
			t.Errorf("Read = %v, want ErrIdleTimeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no timeout after 10s: the observer's call back into the connection deadlocked")
	}
}
