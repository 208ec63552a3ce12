package pipe

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrIdleTimeout is returned (wrapped, with the duration) by a [Conn]'s
// I/O methods once no byte has moved in either direction for
// [Options.IdleTimeout].
var ErrIdleTimeout = errors.New("idle timeout")

// Conn is a connection with [Options] applied that counts the bytes it
// moves. It implements net.Conn, io.ReaderFrom and io.WriterTo; the last
// two delegate to the raw connection so that io.Copy keeps sendfile(2) and
// splice(2), and still count exactly.
//
// Conn deliberately embeds nothing: an embedded *net.TCPConn would promote
// ReadFrom, WriteTo and SyscallConn and let zero-copy bypass the counters.
type Conn struct {
	id    int64
	raw   net.Conn
	opts  Options
	start time.Time
	rx    atomic.Int64 // bytes read from the peer
	tx    atomic.Int64 // bytes written to the peer
	idle  *idleWatch   // nil without an idle timeout

	local, remote net.Addr // what LocalAddr and RemoteAddr report

	endOnce   sync.Once
	closeOnce sync.Once
	closeErr  error
}

// Wrap applies o to c and returns the counting wrapper. On error c is left
// open; the caller closes it.
func Wrap(c net.Conn, o Options) (*Conn, error) {
	return WrapAddrs(c, o, nil, nil)
}

// WrapAddrs is [Wrap] for a connection known by other addresses than its
// socket's (those a PROXY protocol header names): the Conn reports local
// and remote, each when not nil, from LocalAddr and RemoteAddr and in its
// events. The raw connection, and the zero-copy paths, are unchanged.
func WrapAddrs(c net.Conn, o Options, local, remote net.Addr) (*Conn, error) {
	if err := o.apply(c); err != nil {
		return nil, err
	}
	w := &Conn{id: lastID.Add(1), raw: c, opts: o, start: time.Now(), local: local, remote: remote}
	if o.IdleTimeout > 0 {
		w.idle = watchIdle(w, o.IdleTimeout)
	}
	return w, nil
}

// lastID is the last connection ID handed out in this process.
var lastID atomic.Int64

// ID is the connection's number in this process, from 1 in the order the
// connections were wrapped. Events and hex dumps name connections by it.
func (c *Conn) ID() int64 { return c.id }

// NetConn returns the wrapped connection. Reading or writing it directly
// bypasses the counters and the idle timer.
func (c *Conn) NetConn() net.Conn { return c.raw }

// BytesIn is the number of bytes read from the peer so far.
func (c *Conn) BytesIn() int64 { return c.rx.Load() }

// BytesOut is the number of bytes written to the peer so far.
func (c *Conn) BytesOut() int64 { return c.tx.Load() }

// Read reads from the peer, counting what it reads.
func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.raw.Read(p)
	c.rx.Add(int64(n))
	if n > 0 && c.opts.Tap != nil {
		c.opts.Tap(c.id, In, p[:n])
	}
	if err == io.EOF {
		c.ended()
	}
	return n, c.wrapErr(err)
}

// Write writes to the peer, counting what it writes.
func (c *Conn) Write(p []byte) (int, error) {
	n, err := c.raw.Write(p)
	c.tx.Add(int64(n))
	if n > 0 && c.opts.Tap != nil {
		c.opts.Tap(c.id, Out, p[:n])
	}
	return n, c.wrapErr(err)
}

// CloseWrite shuts down the writing side (TCP FIN, shutdown(SHUT_WR)) and
// keeps the reading side open.
//
// Over TLS it sends close_notify, then shuts the socket's side. A peer
// that has read everything and closed answers that alert with a reset,
// so the alert's write or the shutdown can find the connection gone
// (EPIPE, ECONNRESET, ENOTCONN): that is not a failure, as every byte
// written before was accepted.
func (c *Conn) CloseWrite() error {
	cw, ok := c.raw.(interface{ CloseWrite() error })
	if !ok {
		return fmt.Errorf("half-close: %w", errors.ErrUnsupported)
	}
	in, ok := innermost(c.raw).(interface{ CloseWrite() error })
	if !ok || in == cw {
		return cw.CloseWrite()
	}
	if err := cw.CloseWrite(); err != nil && !peerGone(err) {
		return err
	}
	if err := in.CloseWrite(); err != nil && !peerGone(err) {
		return err
	}
	return nil
}

// peerGone reports an error of a connection the peer has closed
// altogether.
func peerGone(err error) bool {
	return errors.Is(err, syscall.ENOTCONN) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}

// Close closes the connection once, stops the idle timer and reports a
// close event with the byte counts and the connection's lifetime.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		if c.idle != nil {
			c.idle.stop()
		}
		c.closeErr = c.raw.Close()
		c.opts.OnEvent.Emit(Event{
			Name: EventClose, ID: c.id, Local: c.LocalAddr(), Remote: c.RemoteAddr(),
			BytesIn: c.BytesIn(), BytesOut: c.BytesOut(), Duration: time.Since(c.start),
		})
	})
	return c.closeErr
}

// LocalAddr returns the local network address (see [WrapAddrs]).
func (c *Conn) LocalAddr() net.Addr {
	if c.local == nil {
		return c.raw.LocalAddr()
	}
	return c.local
}

// RemoteAddr returns the peer's network address (see [WrapAddrs]).
func (c *Conn) RemoteAddr() net.Addr {
	if c.remote == nil {
		return c.raw.RemoteAddr()
	}
	return c.remote
}

// SetDeadline sets the raw connection's deadlines. The idle timer uses
// them too: a deadline set here may end the connection early.
func (c *Conn) SetDeadline(t time.Time) error { return c.raw.SetDeadline(t) }

// SetReadDeadline sets the raw connection's read deadline.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.raw.SetReadDeadline(t) }

// SetWriteDeadline sets the raw connection's write deadline.
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.raw.SetWriteDeadline(t) }

// ended reports the peer's EOF, once.
func (c *Conn) ended() {
	if c.opts.OnEvent == nil {
		return
	}
	c.endOnce.Do(func() {
		c.opts.OnEvent.Emit(Event{Name: EventEnd, ID: c.id, Local: c.LocalAddr(), Remote: c.RemoteAddr()})
	})
}

// wrapErr turns the deadline error the idle timer causes into
// ErrIdleTimeout.
func (c *Conn) wrapErr(err error) error {
	if err == nil || c.idle == nil || !c.idle.fired.Load() || !errors.Is(err, os.ErrDeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w after %v", ErrIdleTimeout, c.idle.d)
}
