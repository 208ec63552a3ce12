// Package connect dials sockit's connections: per-attempt timeouts,
// address family, source address and port, retries with backoff, the TLS
// handshake. TCP addresses are resolved and dialled here; Unix sockets
// are dialled through [ipc.Dial]. Every connection it returns is wrapped
// by [pipe.Wrap].
package connect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"sockit/addr"
	"sockit/ipc"
	"sockit/pipe"
	"sockit/proxy"
)

// maxRetryDelay caps the doubling wait between attempts.
const maxRetryDelay = 30 * time.Second

// Dialer holds the options for dialing. The zero value dials from any
// source address, once, with no timeout but the kernel's; the address
// dialled chooses the family.
type Dialer struct {
	// Timeout bounds each attempt, over all the addresses a name resolves
	// to. Zero means the kernel's own limit (about two minutes on Linux).
	Timeout time.Duration
	// Source is the local IP address or host name to dial from; empty
	// means any. It and SourcePort do not apply to Unix sockets.
	Source string
	// SourcePort is the local port to dial from; zero means any.
	SourcePort int
	// Retries is how many more attempts follow a failed first one.
	Retries int
	// RetryDelay is the wait before the first retry; each later wait
	// doubles, up to 30s. Zero means one second.
	RetryDelay time.Duration
	// Socket is applied to the connection; its OnEvent also receives
	// the lookup, retry and connect events.
	Socket pipe.Options
	// Handshake, when not nil, runs on each new connection before it is
	// wrapped (TLS) and returns the connection to use. Its failure is
	// final: it is not retried.
	Handshake func(ctx context.Context, c net.Conn) (net.Conn, error)
	// Via is the chain of proxies to reach a TCP address through: the
	// first is dialled directly (Timeout, Source and the address's
	// family apply to it), each next one through the previous, and the
	// last asked for the address; Handshake then runs end to end with
	// the address. Nil dials directly.
	Via []proxy.Hop
}

// handshakeError marks a failed Handshake, which Dial does not retry.
type handshakeError struct{ err error }

func (e handshakeError) Error() string { return e.err.Error() }
func (e handshakeError) Unwrap() error { return e.err }

// Dial connects to a, retrying as d says, and returns the wrapped
// connection. A failure after retries wraps the last error. a.TLS is the
// caller's to act on, through Handshake.
func (d Dialer) Dial(ctx context.Context, a addr.Addr) (*pipe.Conn, error) {
	wait := d.RetryDelay
	if wait <= 0 {
		wait = time.Second
	}
	for attempt := 1; ; attempt++ {
		c, err := d.dialOnce(ctx, a, attempt)
		if err == nil {
			return c, nil
		}
		var he handshakeError
		if errors.As(err, &he) {
			return nil, he.err
		}
		if attempt > d.Retries || ctx.Err() != nil {
			if attempt > 1 {
				err = fmt.Errorf("%w (after %d attempts)", err, attempt)
			}
			return nil, err
		}
		d.Socket.OnEvent.Emit(pipe.Event{Name: pipe.EventRetry, Host: a.String(), Attempt: attempt, Err: err, Duration: wait})
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, context.Cause(ctx)
		case <-t.C:
		}
		wait = min(2*wait, maxRetryDelay)
	}
}

// dialOnce resolves a and tries its addresses in order until one
// connects or the attempt's timeout passes.
func (d Dialer) dialOnce(ctx context.Context, a addr.Addr, attempt int) (*pipe.Conn, error) {
	if d.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.Timeout)
		defer cancel()
	}
	if len(d.Via) > 0 {
		raw, err := d.dialVia(ctx, a)
		if err != nil {
			return nil, err
		}
		return d.wrap(ctx, raw, a.Host, attempt)
	}
	if a.Kind == addr.Unix {
		raw, err := ipc.Dial(ctx, a, d.Socket.Control)
		if err != nil {
			return nil, err
		}
		return d.wrap(ctx, raw, a.Path, attempt)
	}
	raw, err := d.dialTCP(ctx, a.Network(), a.Host, a.Port)
	if err != nil {
		return nil, err
	}
	return d.wrap(ctx, raw, a.Host, attempt)
}

// dialTCP resolves host and dials its addresses in turn until one
// connects.
func (d Dialer) dialTCP(ctx context.Context, network, host string, port int) (net.Conn, error) {
	ips, err := d.lookup(ctx, network, host)
	if err != nil {
		return nil, err
	}
	local, err := d.localAddr(ctx, network)
	if err != nil {
		return nil, err
	}
	nd := net.Dialer{LocalAddr: local, KeepAlive: -1, Control: d.Socket.Control}
	var firstErr error
	for _, ip := range ips {
		// ip.String() keeps the zone: [fe80::1%eth0]:port
		raw, err := nd.DialContext(ctx, network, net.JoinHostPort(ip.String(), strconv.Itoa(port)))
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			if ctx.Err() != nil {
				break
			}
			continue
		}
		return raw, nil
	}
	return nil, firstErr
}

// wrap runs the handshake on a new connection to host, wraps it and
// reports the connect event.
func (d Dialer) wrap(ctx context.Context, raw net.Conn, host string, attempt int) (*pipe.Conn, error) {
	if d.Handshake != nil {
		hc, err := d.Handshake(ctx, raw)
		if err != nil {
			raw.Close()
			return nil, handshakeError{err}
		}
		raw = hc
	}
	c, err := pipe.Wrap(raw, d.Socket)
	if err != nil {
		raw.Close()
		return nil, err
	}
	d.Socket.OnEvent.Emit(pipe.Event{Name: pipe.EventConnect, ID: c.ID(), Local: c.LocalAddr(), Remote: c.RemoteAddr(), Host: host, Attempt: attempt})
	return c, nil
}

// lookup resolves host to the addresses of network's family, reporting a
// lookup event for names (not for IP literals). An IPv6 literal keeps its
// zone (fe80::1%eth0): a link-local address means nothing without it.
func (d Dialer) lookup(ctx context.Context, network, host string) ([]net.IPAddr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		ip := ipAddr(a)
		if !familyMatches(network, ip.IP) {
			return nil, &net.AddrError{Err: "address family mismatch", Addr: host}
		}
		return []net.IPAddr{ip}, nil
	}
	ipNet := "ip"
	switch network {
	case "tcp4":
		ipNet = "ip4"
	case "tcp6":
		ipNet = "ip6"
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, ipNet, host)
	if err != nil {
		return nil, err
	}
	ips := make([]net.IPAddr, len(addrs))
	for i, a := range addrs {
		ips[i] = ipAddr(a)
	}
	names := make([]string, len(ips))
	for i, ip := range ips {
		names[i] = ip.String()
	}
	d.Socket.OnEvent.Emit(pipe.Event{Name: pipe.EventLookup, Host: host, Addrs: names})
	return ips, nil
}

// ipAddr converts a to a net.IPAddr with its zone; an IPv4 address in
// IPv6 form (as LookupNetIP returns them) becomes plain IPv4.
func ipAddr(a netip.Addr) net.IPAddr {
	if a.Is4In6() && a.Zone() == "" {
		a = a.Unmap()
	}
	return net.IPAddr{IP: net.IP(a.AsSlice()), Zone: a.Zone()}
}

// localAddr is the source address to bind before connecting, or nil.
func (d Dialer) localAddr(ctx context.Context, network string) (net.Addr, error) {
	if d.Source == "" && d.SourcePort == 0 {
		return nil, nil
	}
	a := &net.TCPAddr{Port: d.SourcePort}
	if d.Source != "" {
		ips, err := d.lookup(ctx, network, d.Source)
		if err != nil {
			return nil, fmt.Errorf("source address: %w", err)
		}
		if len(ips) == 0 {
			return nil, errors.New("source address: no address for " + strconv.Quote(d.Source))
		}
		a.IP, a.Zone = ips[0].IP, ips[0].Zone
	}
	return a, nil
}

// familyMatches reports whether ip can be dialled over network.
func familyMatches(network string, ip net.IP) bool {
	switch network {
	case "tcp4":
		return ip.To4() != nil
	case "tcp6":
		return ip.To4() == nil
	}
	return true
}
