package udp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"sockit/pipe"
)

// MaxDatagram is the largest UDP payload over IPv4: 65,535 bytes less the
// IP and UDP headers. It is the most a read of a Conn ever returns.
const MaxDatagram = 65507

// DefaultDatagramSize is how much of the input [Join] sends per datagram
// when [JoinOptions.DatagramSize] is zero: below a 1,500-byte Ethernet
// MTU with room for IP, UDP and a tunnel's headers.
const DefaultDatagramSize = 1400

// Conn is a UDP socket with [pipe.Options] applied, talking to one peer,
// that counts the datagrams and bytes it moves each way. Its Read and
// Write move one datagram each; empty datagrams are datagrams too.
//
// A dialled Conn's socket is connected: the kernel filters other
// senders, and an ICMP port unreachable from the peer fails the next
// Read or Write with an error that wraps syscall.ECONNREFUSED. A
// listening Conn's socket is not: [Conn.AwaitPeer] picks the peer, and
// Read drops datagrams from anyone else.
type Conn struct {
	id        int64
	raw       *net.UDPConn
	opts      pipe.Options
	connected bool
	start     time.Time

	peerMu sync.RWMutex
	peer   netip.AddrPort // the one peer; zero until known on a listener
	remote net.Addr       // peer as a net.Addr, for events

	rx, tx      atomic.Int64 // bytes received and sent
	dgIn, dgOut atomic.Int64 // datagrams received and sent

	rejected map[netip.AddrPort]bool // peers told of in a reject event (Read's goroutine only)
	first    []byte                  // the datagram AwaitPeer took, for the next Read
	hasFirst bool

	closeOnce sync.Once
	closeErr  error
}

// Wrap applies o's buffer sizes to raw and returns the counting wrapper.
// A socket that is connected (raw.RemoteAddr() is not nil) talks to that
// peer. On error raw is left open; the caller closes it. o.NoDelay and
// o.KeepAlive do not apply to UDP and are ignored; o.IdleTimeout is
// [Join]'s to apply.
func Wrap(raw *net.UDPConn, o pipe.Options) (*Conn, error) {
	if o.SendBuffer > 0 {
		if err := raw.SetWriteBuffer(o.SendBuffer); err != nil {
			return nil, fmt.Errorf("set send buffer: %w", err)
		}
	}
	if o.RecvBuffer > 0 {
		if err := raw.SetReadBuffer(o.RecvBuffer); err != nil {
			return nil, fmt.Errorf("set receive buffer: %w", err)
		}
	}
	c := &Conn{id: NextID(), raw: raw, opts: o, start: time.Now()}
	if ra, ok := raw.RemoteAddr().(*net.UDPAddr); ok && ra != nil {
		c.connected = true
		c.setPeer(ra.AddrPort())
	}
	return c, nil
}

// lastID is the last session ID handed out in this process.
var lastID atomic.Int64

// NextID hands out the next number for a UDP session, from 1: a Conn
// takes one, and a server that sorts many peers on one socket gives one
// to each. Events and hex dumps name sessions by it.
func NextID() int64 { return lastID.Add(1) }

// ID is the Conn's number in this process (see [NextID]).
func (c *Conn) ID() int64 { return c.id }

// UDPConn returns the wrapped socket. Reading or writing it directly
// bypasses the counters and the taps.
func (c *Conn) UDPConn() *net.UDPConn { return c.raw }

// Peer is the peer's address; its zero value until a listener's
// [Conn.AwaitPeer] has returned.
func (c *Conn) Peer() netip.AddrPort {
	c.peerMu.RLock()
	defer c.peerMu.RUnlock()
	return c.peer
}

func (c *Conn) setPeer(p netip.AddrPort) {
	c.peerMu.Lock()
	defer c.peerMu.Unlock()
	c.peer = netip.AddrPortFrom(p.Addr().Unmap(), p.Port())
	c.remote = net.UDPAddrFromAddrPort(c.peer)
}

// BytesIn and BytesOut are the payload bytes received and sent so far;
// DatagramsIn and DatagramsOut the datagrams.
func (c *Conn) BytesIn() int64      { return c.rx.Load() }
func (c *Conn) BytesOut() int64     { return c.tx.Load() }
func (c *Conn) DatagramsIn() int64  { return c.dgIn.Load() }
func (c *Conn) DatagramsOut() int64 { return c.dgOut.Load() }

// Read reads the peer's next datagram into p and returns its length (0
// for an empty datagram). A datagram longer than p is cut to len(p):
// give p [MaxDatagram] bytes to get every datagram whole. On a listener,
// datagrams from other peers are dropped, the first of each with a
// reject event.
func (c *Conn) Read(p []byte) (int, error) {
	if c.hasFirst {
		c.hasFirst = false
		n := copy(p, c.first)
		c.first = nil
		return n, nil
	}
	for {
		n, from, err := c.raw.ReadFromUDPAddrPort(p)
		if err != nil {
			return 0, c.wrapErr(err)
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		if !c.connected && from != c.Peer() {
			c.reject(from, errors.New("not the session's peer"))
			continue
		}
		c.received(p[:n])
		return n, nil
	}
}

// received counts and taps datagram p.
func (c *Conn) received(p []byte) {
	c.dgIn.Add(1)
	c.rx.Add(int64(len(p)))
	if c.opts.Tap != nil {
		c.opts.Tap(c.id, pipe.In, p)
	}
}

// reject reports a datagram dropped from peer, once per peer (for the
// first thousand peers: a flood is not a flood of events).
func (c *Conn) reject(from netip.AddrPort, why error) {
	if c.opts.OnEvent == nil || c.rejected[from] || len(c.rejected) >= 1000 {
		return
	}
	if c.rejected == nil {
		c.rejected = map[netip.AddrPort]bool{}
	}
	c.rejected[from] = true
	c.opts.OnEvent.Emit(pipe.Event{Name: pipe.EventReject, Local: c.LocalAddr(), Remote: net.UDPAddrFromAddrPort(from), Err: why, Datagrams: true})
}

// Write sends p to the peer as one datagram (an empty p is an empty
// datagram) and returns len(p). The tap sees p before it is sent, so
// that a dump shows a request before the reply it causes.
func (c *Conn) Write(p []byte) (int, error) {
	if c.opts.Tap != nil {
		c.opts.Tap(c.id, pipe.Out, p)
	}
	var n int
	var err error
	if c.connected {
		n, err = c.raw.Write(p)
	} else {
		peer := c.Peer()
		if !peer.IsValid() {
			return 0, errors.New("udp: no peer yet")
		}
		n, err = c.raw.WriteToUDPAddrPort(p, peer)
	}
	if err != nil {
		return 0, c.wrapErr(err)
	}
	c.dgOut.Add(1)
	c.tx.Add(int64(n))
	return n, nil
}

// RefusedError is an ICMP port unreachable from the peer, which a
// connected socket's next Read or Write returns: nothing listens there.
type RefusedError struct {
	Peer net.Addr
	Err  error // the read's or write's error, wrapping syscall.ECONNREFUSED
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("udp %v: connection refused", e.Peer)
}

func (e *RefusedError) Unwrap() error { return e.Err }

// wrapErr names a refusal after the peer.
func (c *Conn) wrapErr(err error) error {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return &RefusedError{Peer: c.RemoteAddr(), Err: err}
	}
	return err
}

// Close closes the socket once and reports a close event with the
// datagram and byte counts and the session's lifetime.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.closeErr = c.raw.Close()
		c.opts.OnEvent.Emit(pipe.Event{
			Name: pipe.EventClose, ID: c.id, Local: c.LocalAddr(), Remote: c.RemoteAddr(),
			BytesIn: c.BytesIn(), BytesOut: c.BytesOut(), Duration: time.Since(c.start),
			Datagrams: true, DatagramsIn: c.DatagramsIn(), DatagramsOut: c.DatagramsOut(),
		})
	})
	return c.closeErr
}

// LocalAddr is the socket's address.
func (c *Conn) LocalAddr() net.Addr { return c.raw.LocalAddr() }

// RemoteAddr is the peer's address, nil while a listener has none.
func (c *Conn) RemoteAddr() net.Addr {
	c.peerMu.RLock()
	defer c.peerMu.RUnlock()
	if c.remote == nil {
		return nil
	}
	return c.remote
}

// SetDeadline, SetReadDeadline and SetWriteDeadline set the socket's
// deadlines, as net.Conn's do.
func (c *Conn) SetDeadline(t time.Time) error      { return c.raw.SetDeadline(t) }
func (c *Conn) SetReadDeadline(t time.Time) error  { return c.raw.SetReadDeadline(t) }
func (c *Conn) SetWriteDeadline(t time.Time) error { return c.raw.SetWriteDeadline(t) }
