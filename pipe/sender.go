package pipe

import (
	"io"
	"sync/atomic"
	"syscall"
)

// Sender states: the send loop is blocked reading the input, is writing
// what it read to the connection, or has been stopped.
const (
	stateWriting int32 = iota
	stateReading
	stateStopped
)

// sendBufSize is the send loop's buffer, in bytes.
const sendBufSize = 32 << 10

// sender copies the input to the connection. Its copyUntilIdle loop lets
// Join end at the peer's EOF without losing input that was already
// there: the input is cut off only while the loop is blocked reading it,
// with nothing ready to read.
type sender struct {
	c        *Conn
	in       io.Reader
	shutdown bool // half-close at input EOF
	state    atomic.Int32
	ended    atomic.Bool   // the peer's EOF was seen
	done     chan struct{} // closed when the loop ends by itself; err is then set
	idle     chan struct{} // closed when the loop stops at an idle input after the peer's EOF
	err      error
}

func newSender(c *Conn, in io.Reader, shutdown bool) *sender {
	return &sender{c: c, in: in, shutdown: shutdown, done: make(chan struct{}), idle: make(chan struct{})}
}

// copyAll copies everything with io.Copy, so that sendfile and splice
// stay available, then half-closes.
func (s *sender) copyAll() {
	_, err := s.c.ReadFrom(s.in) // not io.Copy: it would hide an *os.File behind its WriteTo
	s.finish(err)
}

// copyUntilIdle copies until input EOF, or until the peer has ended and
// the input has nothing ready. When the input can be polled (a pipe or a
// terminal), the loop waits for input to be ready and claims it before
// reading, so input that was there before the peer's EOF is never read and
// then dropped.
func (s *sender) copyUntilIdle() {
	wait := waiter(s.in)
	sp, splicing := s.c.splicer(s.in) // a pipe: splice what is ready straight into the socket
	var buf []byte                    // allocated when first needed: none while splicing
	for {
		s.state.Store(stateReading)
		if s.ended.Load() && !inputReady(s.in) {
			if s.state.CompareAndSwap(stateReading, stateStopped) {
				close(s.idle)
			}
			return
		}
		var n int
		var rerr error
		if wait != nil {
			if err := wait(); err != nil {
				wait, splicing = nil, false // cannot poll after all: read first, claim after
				continue
			}
			if !s.state.CompareAndSwap(stateReading, stateWriting) {
				return // Join stopped us while the input was idle
			}
			if splicing {
				_, eof, err := sp.once()
				if err == errNoSplice {
					splicing = false
					continue // nothing moved: read it instead
				}
				if err != nil || eof {
					s.finish(err)
					return
				}
				continue
			}
			if buf == nil {
				buf = make([]byte, sendBufSize)
			}
			n, rerr = s.in.Read(buf)
		} else {
			if buf == nil {
				buf = make([]byte, sendBufSize)
			}
			n, rerr = s.in.Read(buf)
			if !s.state.CompareAndSwap(stateReading, stateWriting) {
				return // Join stopped us while we were blocked
			}
		}
		if n > 0 {
			if _, err := s.c.Write(buf[:n]); err != nil {
				s.finish(err)
				return
			}
		}
		if rerr == io.EOF {
			s.finish(nil)
			return
		}
		if rerr != nil {
			s.finish(rerr)
			return
		}
	}
}

// finish half-closes after a clean end and reports the outcome.
func (s *sender) finish(err error) {
	if err == nil && s.shutdown {
		err = s.c.CloseWrite()
	}
	s.err = err
	close(s.done)
}

// peerEnded tells the loop the peer has ended and reports whether the
// loop was stopped on the spot (blocked on an input with nothing ready).
// Otherwise the loop goes on until the input is drained of what is ready
// and then closes idle, or reaches EOF and closes done.
func (s *sender) peerEnded() bool {
	s.ended.Store(true)
	return !inputReady(s.in) && s.state.CompareAndSwap(stateReading, stateStopped)
}

// waiter returns a function that blocks until r can be read without
// blocking, or nil when r cannot be polled.
func waiter(r io.Reader) func() error {
	sc, ok := r.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return func() error {
		var werr error
		if err := rc.Control(func(fd uintptr) { werr = fdWait(fd) }); err != nil {
			return err
		}
		return werr
	}
}

// inputReady reports whether r has bytes that a Read would return at once.
func inputReady(r io.Reader) bool {
	switch v := r.(type) {
	case interface{ Len() int }: // strings.Reader, bytes.Reader, bytes.Buffer
		return v.Len() > 0
	case syscall.Conn: // *os.File: pipes, terminals
		rc, err := v.SyscallConn()
		if err != nil {
			return false
		}
		ready := false
		if rc.Control(func(fd uintptr) { ready = fdReadable(fd) }) != nil {
			return false
		}
		return ready
	}
	return false
}
