package udp

// listen -u -k -e: a program per session, fed by a net.Conn that reads
// the session's datagrams as a stream and sends what is written to it
// as datagrams to the session's peer.

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// defaultProgramGrace is how long a session's program may run on
// after its session timed out, when Server.ProgramGrace is zero.
const defaultProgramGrace = 2 * time.Second

// maxQueued is how many bytes of datagrams may wait for a session's
// program to read them; a datagram beyond is dropped, as a full socket
// buffer would drop it.
const maxQueued = 1 << 20

// ErrSessionTimedOut is the cause of the context of a session's program
// stopped because its session timed out and it did not exit within
// [Server.ProgramGrace] of its stdin's end.
var ErrSessionTimedOut = errors.New("session timed out")

// Exec serves each session with run, in a goroutine of its own, until
// ctx ends: run gets a net.Conn whose reads return the session's
// datagrams as a stream of bytes and whose writes are sent to the
// session's peer, each as datagrams of at most DatagramSize bytes (its
// ReadFrom sends each read of the source as one datagram). When run
// returns (the program ended), the session ends; when the session times
// out, the conn's reads return io.EOF, and if run has not returned
// ProgramGrace later, its context ends with [ErrSessionTimedOut]. An
// error of run other than that is reported as an error event.
func (s *Server) Exec(ctx context.Context, run func(ctx context.Context, c net.Conn) error) error {
	s.start()
	var wg sync.WaitGroup
	defer wg.Wait()
	return s.serve(ctx, func(ss *Session, fresh bool, p []byte) error {
		if fresh {
			sctx, cancel := context.WithCancelCause(ctx)
			c := &sessionConn{srv: s, s: ss, stop: cancel}
			c.ready = sync.NewCond(&c.mu)
			ss.user = c
			ss.Hold()
			ss.OnEnd(c.endInput)
			s.table.Announce(ss, nil)
			wg.Add(1)
			go s.runSession(sctx, c, run, &wg)
		}
		ss.user.(*sessionConn).push(p)
		return nil
	})
}

// runSession runs run for c's session and ends the session after it.
func (s *Server) runSession(ctx context.Context, c *sessionConn, run func(context.Context, net.Conn) error, wg *sync.WaitGroup) {
	defer wg.Done()
	defer c.stop(nil)
	err := run(ctx, c)
	c.Close()
	if err != nil && ctx.Err() == nil { // else it was stopped
		s.table.emitError(c.s, err)
	}
	c.s.Release()
}

// sessionConn is one session as its program sees it.
type sessionConn struct {
	srv *Server
	s   *Session

	mu     sync.Mutex
	ready  *sync.Cond // a datagram came, the input ended or the conn closed
	queue  [][]byte   // datagrams not yet read
	queued int        // their bytes
	eof    bool       // the session timed out: no more input
	closed bool
	stop   context.CancelCauseFunc // ends the program's context
	grace  *time.Timer             // runs stop once the input ended
}

// push queues a copy of a datagram for the program (dropping it when
// too much waits already).
func (c *sessionConn) push(p []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.eof || c.closed || c.queued+len(p) > maxQueued || len(p) == 0 {
		return
	}
	c.queue = append(c.queue, append([]byte(nil), p...))
	c.queued += len(p)
	c.ready.Signal()
}

// endInput ends the program's input (the session timed out) and gives
// the program ProgramGrace to finish before its context ends.
func (c *sessionConn) endInput() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.eof = true
	c.ready.Broadcast()
	if c.closed {
		return
	}
	d := c.srv.ProgramGrace
	if d <= 0 {
		d = defaultProgramGrace
	}
	c.grace = time.AfterFunc(d, func() { c.stop(ErrSessionTimedOut) })
}

// Read returns queued datagram bytes, waiting for some; io.EOF once the
// session timed out and everything queued was read.
func (c *sessionConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.queue) == 0 && !c.eof && !c.closed {
		c.ready.Wait()
	}
	switch {
	case c.closed:
		return 0, net.ErrClosed
	case len(c.queue) == 0:
		return 0, io.EOF
	}
	n := copy(p, c.queue[0])
	c.queued -= n
	if n == len(c.queue[0]) {
		c.queue[0] = nil
		c.queue = c.queue[1:]
	} else {
		c.queue[0] = c.queue[0][n:]
	}
	return n, nil
}

// Write sends p to the peer, as datagrams of at most DatagramSize
// bytes.
func (c *sessionConn) Write(p []byte) (int, error) {
	size, n := c.srv.size(), 0
	for n < len(p) {
		m := min(size, len(p)-n)
		if err := c.sendOne(p[n : n+m]); err != nil {
			return n, err
		}
		n += m
	}
	return n, nil
}

// ReadFrom sends each read of r as one datagram, until r's EOF.
func (c *sessionConn) ReadFrom(r io.Reader) (int64, error) {
	buf := make([]byte, c.srv.size())
	var total int64
	for {
		n, err := r.Read(buf)
		if n > 0 {
			if serr := c.sendOne(buf[:n]); serr != nil {
				return total, serr
			}
			total += int64(n)
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// sendOne sends p as one datagram, unless the conn is closed.
func (c *sessionConn) sendOne(p []byte) error {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return net.ErrClosed
	}
	return c.srv.send(c.s, p)
}

// Close ends the session (a later datagram from the peer begins a new
// one) and wakes a waiting Read.
func (c *sessionConn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.queue, c.queued = nil, 0
	if c.grace != nil {
		c.grace.Stop()
	}
	c.ready.Broadcast()
	c.mu.Unlock()
	c.srv.table.End(c.s, nil)
	return nil
}

func (c *sessionConn) LocalAddr() net.Addr  { return c.srv.Sessions.Local }
func (c *sessionConn) RemoteAddr() net.Addr { return udpAddr(c.s.peer) }

// A session's conn has no deadlines: the session timeout ends it.

func (c *sessionConn) SetDeadline(time.Time) error      { return errors.ErrUnsupported }
func (c *sessionConn) SetReadDeadline(time.Time) error  { return errors.ErrUnsupported }
func (c *sessionConn) SetWriteDeadline(time.Time) error { return errors.ErrUnsupported }
