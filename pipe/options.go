package pipe

import (
	"fmt"
	"net"
	"syscall"
	"time"
)

// Options are the socket settings every sockit command shares. The zero
// value is the operating system's default: Nagle's algorithm on, no
// keep-alive probes, no idle timeout, default buffer sizes. (Go's own
// defaults differ: it turns TCP_NODELAY and keep-alive on. [Wrap] undoes
// that.)
type Options struct {
	// NoDelay sets TCP_NODELAY, turning Nagle's algorithm off.
	NoDelay bool

	// KeepAlive is how long a TCP connection must be idle before
	// keep-alive probes start; probes then repeat every KeepAlive, and
	// nine unanswered probes drop the connection. Zero means no probes.
	KeepAlive time.Duration

	// IdleTimeout ends the connection when no byte has moved in either
	// direction for this long: I/O then fails with [ErrIdleTimeout].
	// Zero means no timeout.
	IdleTimeout time.Duration

	// SendBuffer and RecvBuffer set SO_SNDBUF and SO_RCVBUF, in bytes.
	// Zero keeps the kernel's default (and its autotuning).
	SendBuffer int
	RecvBuffer int

	// OnEvent receives the connection's end, timeout and close events.
	// Nil means no events.
	OnEvent Observer

	// Tap sees every byte the connection reads and writes, in order, for
	// logs and hex dumps. A tapped connection copies in user space (no
	// sendfile or splice). Nil means no tap.
	Tap Tap
}

// Control sets the buffer sizes on a socket before it connects or binds,
// so that TCP window scaling is negotiated for them (accepted sockets
// inherit a listener's sizes). It has the signature of
// [net.Dialer.Control] and [net.ListenConfig.Control].
func (o Options) Control(network, address string, c syscall.RawConn) error {
	if o.SendBuffer <= 0 && o.RecvBuffer <= 0 {
		return nil
	}
	var serr error
	err := c.Control(func(fd uintptr) {
		if o.SendBuffer > 0 {
			if e := syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, o.SendBuffer); e != nil {
				serr = fmt.Errorf("set send buffer: %w", e)
				return
			}
		}
		if o.RecvBuffer > 0 {
			if e := syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, o.RecvBuffer); e != nil {
				serr = fmt.Errorf("set receive buffer: %w", e)
			}
		}
	})
	if err != nil {
		return err
	}
	return serr
}

// apply sets o on c, or on the connection c wraps (a *tls.Conn's TCP
// connection, for example). Options that do not apply to the socket type
// (TCP options on a Unix socket) are skipped.
func (o Options) apply(c net.Conn) error {
	c = innermost(c)
	if tc, ok := c.(*net.TCPConn); ok {
		if err := tc.SetNoDelay(o.NoDelay); err != nil {
			return fmt.Errorf("set TCP_NODELAY: %w", err)
		}
		// Off is one setsockopt (SetKeepAliveConfig would set the idle
		// time, interval and count too: four calls on every connection,
		// a tenth of the system calls of a short proxied tunnel).
		var err error
		if o.KeepAlive > 0 {
			err = tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: o.KeepAlive, Interval: o.KeepAlive})
		} else {
			err = tc.SetKeepAlive(false)
		}
		if err != nil {
			return fmt.Errorf("set keep-alive: %w", err)
		}
	}
	type buffered interface {
		SetReadBuffer(bytes int) error
		SetWriteBuffer(bytes int) error
	}
	if bc, ok := c.(buffered); ok {
		if o.SendBuffer > 0 {
			if err := bc.SetWriteBuffer(o.SendBuffer); err != nil {
				return fmt.Errorf("set send buffer: %w", err)
			}
		}
		if o.RecvBuffer > 0 {
			if err := bc.SetReadBuffer(o.RecvBuffer); err != nil {
				return fmt.Errorf("set receive buffer: %w", err)
			}
		}
	}
	return nil
}

// innermost unwraps connections that expose the one they wrap through a
// NetConn method (*tls.Conn, *Conn) and returns the innermost.
func innermost(c net.Conn) net.Conn {
	for {
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return c
		}
		c = u.NetConn()
	}
}
