package udp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"sockit/addr"
	"sockit/pipe"
)

// Dial connects a UDP socket of network ("udp", "udp4" or "udp6") to
// raddr, from laddr (nil: any address, a free port), with o applied, and
// reports a connect event naming host (the name dialled). Connecting a
// UDP socket sends nothing: it fixes the peer, so that the kernel drops
// other senders' datagrams and reports the peer's ICMP errors.
func Dial(ctx context.Context, network string, laddr, raddr *net.UDPAddr, host string, o pipe.Options) (*Conn, error) {
	d := net.Dialer{Control: o.Control}
	if laddr != nil {
		d.LocalAddr = laddr
	}
	nc, err := d.DialContext(ctx, network, raddr.String())
	if err != nil {
		return nil, err
	}
	c, err := Wrap(nc.(*net.UDPConn), o)
	if err != nil {
		nc.Close()
		return nil, err
	}
	o.OnEvent.Emit(pipe.Event{Name: pipe.EventConnect, ID: c.id, Local: c.LocalAddr(), Remote: c.RemoteAddr(), Host: host, Attempt: 1, Datagrams: true})
	return c, nil
}

// Listen binds a UDP socket to a (port 0: a free port) with o applied.
// The socket is not connected: the caller reads every peer's datagrams
// from it ([Conn.AwaitPeer] picks one), or the raw socket from
// [Conn.UDPConn]. It reports no event: the caller knows when the
// address is ready to tell.
func Listen(ctx context.Context, a addr.Addr, o pipe.Options) (*Conn, error) {
	raw, err := Bind(ctx, a, o)
	if err != nil {
		return nil, err
	}
	c, err := Wrap(raw, o)
	if err != nil {
		raw.Close()
		return nil, err
	}
	return c, nil
}

// Bind opens an unconnected UDP socket on a (port 0: a free port) with
// o's buffer sizes (o.Control sets them before the bind): the socket of
// a [Server], which sorts the peers itself, or of [Listen]'s Conn.
func Bind(ctx context.Context, a addr.Addr, o pipe.Options) (*net.UDPConn, error) {
	lc := net.ListenConfig{Control: o.Control}
	pc, err := lc.ListenPacket(ctx, a.Network(), a.HostPort())
	if err != nil {
		return nil, err
	}
	return pc.(*net.UDPConn), nil
}

// AwaitPeer waits on a listening Conn for the first datagram from a peer
// that admit lets in (nil lets in every peer) and makes that peer the
// Conn's: the datagram is the first that Read returns, Write sends to
// it, and Read drops every other peer's datagrams. It reports a
// connection event; peers that admit refuses get a reject event with
// its why (once per peer) and nothing else. From then on, an ICMP port
// unreachable (the peer has gone) fails the next Read or Write with a
// [RefusedError], as on a dialled Conn. It returns ctx's cause when ctx
// ends first.
func (c *Conn) AwaitPeer(ctx context.Context, admit func(net.Addr) (ok bool, why string)) error {
	if c.connected || c.Peer().IsValid() {
		return errors.New("udp: the peer is already known")
	}
	stop := context.AfterFunc(ctx, func() { c.raw.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, MaxDatagram+1)
	for {
		n, from, err := c.raw.ReadFromUDPAddrPort(buf)
		if err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return err
		}
		from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
		if admit != nil {
			if ok, why := admit(net.UDPAddrFromAddrPort(from)); !ok {
				c.reject(from, errors.New(why))
				continue
			}
		}
		c.setPeer(from)
		if err := reportRefusals(c.raw); err != nil {
			return fmt.Errorf("udp: reporting refusals: %w", err)
		}
		c.first, c.hasFirst = append([]byte(nil), buf[:min(n, MaxDatagram)]...), true
		c.received(c.first)
		c.opts.OnEvent.Emit(pipe.Event{Name: pipe.EventConnection, ID: c.id, Local: c.LocalAddr(), Remote: c.RemoteAddr(), Open: 1, Datagrams: true})
		if !stop() { // ctx ended just now: the deadline may be set
			return context.Cause(ctx)
		}
		return nil
	}
}
