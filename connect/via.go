package connect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"

	"sockit/addr"
	"sockit/pipe"
	"sockit/proxy"
)

// dialVia reaches a through d.Via: it dials the first proxy, asks each
// for a tunnel to the next and the last for a, and returns the
// connection that carries the tunnel. A failure names the proxy it
// happened at (*proxy.Error).
func (d Dialer) dialVia(ctx context.Context, a addr.Addr) (net.Conn, error) {
	if a.Kind != addr.TCP {
		return nil, fmt.Errorf("a proxy reaches TCP addresses only, not %s", a)
	}
	network := a.Network()
	first := d.Via[0]
	c, err := d.dialTCP(ctx, network, first.Host, first.Port)
	if err != nil {
		return nil, d.hopError(ctx, first, err)
	}
	remote := c.RemoteAddr()
	resolve := func(ctx context.Context, host string) ([]netip.Addr, error) {
		ips, err := d.lookup(ctx, network, host)
		out := make([]netip.Addr, 0, len(ips))
		for _, ip := range ips {
			if x, ok := netip.AddrFromSlice(ip.IP); ok {
				out = append(out, x.Unmap())
			}
		}
		return out, err
	}
	for i, hop := range d.Via {
		t := target(a.Host, a.Port)
		if i+1 < len(d.Via) {
			t = target(d.Via[i+1].Host, d.Via[i+1].Port)
		}
		t, err := hop.Resolve(ctx, t, resolve)
		if err != nil {
			c.Close()
			return nil, d.hopError(ctx, hop, err)
		}
		tc, err := hop.Tunnel(ctx, c, t, resolve)
		if err != nil {
			c.Close()
			return nil, d.hopError(ctx, hop, err)
		}
		c = tc
		d.Socket.OnEvent.Emit(pipe.Event{Name: pipe.EventProxy, Host: hop.String(), Remote: remote, Detail: t.String(), Attempt: i + 1})
		remote = nil // the next hops' addresses are the proxies' business
	}
	if d.Handshake != nil {
		// The handshake (TLS) is with the target: its errors and events
		// name the target, not the proxy whose socket carries it.
		c = &tunnelConn{Conn: c, remote: tunnelAddr(net.JoinHostPort(a.Host, strconv.Itoa(a.Port)))}
	}
	return c, nil
}

// tunnelConn is a connection through proxies whose RemoteAddr is the
// target asked for; NetConn and CloseWrite reach the socket beneath.
type tunnelConn struct {
	net.Conn
	remote net.Addr
}

func (c *tunnelConn) RemoteAddr() net.Addr { return c.remote }
func (c *tunnelConn) NetConn() net.Conn    { return c.Conn }

func (c *tunnelConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return fmt.Errorf("half-close: %w", errors.ErrUnsupported)
}

// tunnelAddr is a target's host:port as a net.Addr.
type tunnelAddr string

func (a tunnelAddr) Network() string { return "tcp" }
func (a tunnelAddr) String() string  { return string(a) }

// target is host and port as a proxy is asked for them: an IP literal
// as an address, anything else as a name.
func target(host string, port int) proxy.Target {
	if ip, err := netip.ParseAddr(host); err == nil && ip.Zone() == "" {
		return proxy.Target{IP: ip.Unmap(), Port: uint16(port)}
	}
	return proxy.Target{Name: host, Port: uint16(port)}
}

// hopError names the proxy hop in err; a proxy that did not answer in
// time says so with the timeout.
func (d Dialer) hopError(ctx context.Context, hop proxy.Hop, err error) error {
	var ne net.Error
	if d.Timeout > 0 && (errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		(errors.As(err, &ne) && ne.Timeout())) {
		err = &timeoutError{d: d.Timeout}
	}
	return &proxy.Error{Proxy: hop.Addr(), Err: err}
}

// timeoutError is a proxy that did not answer within the dial timeout;
// it is a net.Error whose Timeout is true.
type timeoutError struct{ d time.Duration }

func (e *timeoutError) Error() string   { return "no answer within " + e.d.String() }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return false }
