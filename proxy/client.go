package proxy

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"
)

// Errors of a proxy's handshake that cmd tells apart for its hints.
var (
	// ErrAuthRequired: the proxy wants credentials and none were given
	// (SOCKS5: no acceptable method; HTTP: 407, wrapped with its
	// StatusError).
	ErrAuthRequired = errors.New("the proxy requires a user name and password")
	// ErrAuthRefused: the proxy refused the credentials given.
	ErrAuthRefused = errors.New("user name or password refused")
)

// Error is a failure at one proxy of a chain: reaching it, its
// handshake, or its refusal to reach the next hop. Error() names the
// proxy: "proxy 127.0.0.1:1080: host unreachable (SOCKS5 reply 4)".
type Error struct {
	// Proxy is the proxy's host:port.
	Proxy string
	Err   error
}

func (e *Error) Error() string { return "proxy " + e.Proxy + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Resolver returns the addresses of host for a SOCKS5 or SOCKS4 hop that
// resolves names itself; the first suitable one is used.
type Resolver func(ctx context.Context, host string) ([]netip.Addr, error)

// Tunnel asks the proxy h, to which c is connected, for a tunnel to t,
// and returns the connection that carries it: c itself, or for an https
// proxy the TLS connection over c. It runs the TLS handshake with an
// https proxy, authenticates when h.Auth, and resolves t's name with
// resolve when h's scheme resolves locally. ctx bounds the handshake
// (its deadline becomes c's for the while, and ending it aborts the
// handshake); reading stops at the reply's last byte, so the target's
// first bytes stay in the socket. Errors are not wrapped in *Error: the
// caller knows which hop failed.
func (h Hop) Tunnel(ctx context.Context, c net.Conn, t Target, resolve Resolver) (net.Conn, error) {
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	conn, err := h.tunnel(ctx, c, t, resolve)
	if !stop() || ctx.Err() != nil {
		if err == nil {
			err = ctx.Err()
		}
		if cause := context.Cause(ctx); !errors.Is(cause, context.DeadlineExceeded) {
			err = cause // a signal, not a timeout
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return conn, nil
}

// tunnel is Tunnel without the deadline.
func (h Hop) tunnel(ctx context.Context, c net.Conn, t Target, resolve Resolver) (net.Conn, error) {
	if h.Scheme == HTTPS {
		hs := h.Handshake
		if hs == nil {
			hs = func(ctx context.Context, c net.Conn) (net.Conn, error) {
				tc := tls.Client(c, &tls.Config{ServerName: h.Host, MinVersion: tls.VersionTLS12})
				if err := tc.HandshakeContext(ctx); err != nil {
					return nil, fmt.Errorf("tls: %w", err)
				}
				return tc, nil
			}
		}
		tc, err := hs(ctx, c)
		if err != nil {
			return nil, err
		}
		c = tc
	}
	var err error
	switch h.Scheme {
	case SOCKS5, SOCKS5H:
		err = h.socks5(ctx, c, t, resolve)
	case SOCKS4, SOCKS4A:
		err = h.socks4(ctx, c, t, resolve)
	case HTTP, HTTPS:
		err = h.connect(c, t)
	default:
		err = fmt.Errorf("unknown proxy scheme %q", h.Scheme)
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Resolve returns t as h asks for it: for socks5:// and socks4://, which
// resolve names locally, t's name replaced by its first address from
// resolve (an IPv4 one for SOCKS4); t unchanged otherwise.
func (h Hop) Resolve(ctx context.Context, t Target, resolve Resolver) (Target, error) {
	switch h.Scheme {
	case SOCKS5:
		return resolveTarget(ctx, t, resolve, netip.Addr.IsValid, "address")
	case SOCKS4:
		return resolveTarget(ctx, t, resolve, netip.Addr.Is4, "IPv4 address (SOCKS4 reaches IPv4 only; socks4a:// lets the proxy resolve it)")
	}
	return t, nil
}

// resolveTarget turns t's name into an address with resolve, the first
// one ok accepts.
func resolveTarget(ctx context.Context, t Target, resolve Resolver, ok func(netip.Addr) bool, none string) (Target, error) {
	if t.Name == "" {
		return t, nil
	}
	if resolve == nil {
		return t, fmt.Errorf("no resolver for %s", t.Name)
	}
	ips, err := resolve(ctx, t.Name)
	if err != nil {
		return t, err
	}
	for _, ip := range ips {
		if ip = ip.Unmap(); ok(ip) {
			return Target{IP: ip, Port: t.Port}, nil
		}
	}
	return t, fmt.Errorf("%s has no %s", t.Name, none)
}

// socks5 runs the SOCKS5 handshake: greeting, authentication, CONNECT.
func (h Hop) socks5(ctx context.Context, c net.Conn, t Target, resolve Resolver) error {
	t, err := h.Resolve(ctx, t, resolve)
	if err != nil {
		return err
	}
	g := Greeting{Methods: []byte{MethodNoAuth}}
	if h.Auth {
		g.Methods = append(g.Methods, MethodUserPass)
	}
	b, err := g.Append(nil)
	if err != nil {
		return err
	}
	if _, err := c.Write(b); err != nil {
		return err
	}
	m, err := ReadMethodReply(c)
	if err != nil {
		return replyErr(err)
	}
	switch {
	case m.Method == MethodNoAuth:
	case m.Method == MethodUserPass && h.Auth:
		b, err := UserPass{User: h.User, Pass: h.Pass}.Append(nil)
		if err != nil {
			return err
		}
		if _, err := c.Write(b); err != nil {
			return err
		}
		r, err := ReadUserPassReply(c)
		if err != nil {
			return replyErr(err)
		}
		if !r.OK() {
			return ErrAuthRefused
		}
	case m.Method == MethodNoAcceptable && !h.Auth:
		return ErrAuthRequired
	case m.Method == MethodNoAcceptable:
		return errors.New("no acceptable authentication method (SOCKS5 offers no-auth and username/password)")
	default:
		return fmt.Errorf("the proxy chose authentication method %d, which was not offered", m.Method)
	}
	b, err = Request{Cmd: CmdConnect, Target: t}.Append(nil)
	if err != nil {
		return err
	}
	if _, err := c.Write(b); err != nil {
		return err
	}
	p, err := ReadReply(c)
	if err != nil {
		return replyErr(err)
	}
	return p.Err()
}

// socks4 runs the SOCKS4 or 4a request.
func (h Hop) socks4(ctx context.Context, c net.Conn, t Target, resolve Resolver) error {
	t, err := h.Resolve(ctx, t, resolve)
	if err != nil {
		return err
	}
	if t.Name == "" && !t.IP.Unmap().Is4() {
		return fmt.Errorf("SOCKS4 reaches IPv4 addresses only, not %s", t.Host())
	}
	b, err := Request4{Cmd: CmdConnect, Target: t, User: h.User}.Append(nil)
	if err != nil {
		return err
	}
	if _, err := c.Write(b); err != nil {
		return err
	}
	p, err := ReadReply4(c)
	if err != nil {
		return replyErr(err)
	}
	return p.Err()
}

// connect runs the HTTP CONNECT request.
func (h Hop) connect(c net.Conn, t Target) error {
	q := NewConnect(t.String(), "", "")
	if h.Auth {
		q.Header.Set("Proxy-Authorization", BasicAuth(h.User, h.Pass))
	}
	b, err := q.Append(nil)
	if err != nil {
		return err
	}
	if _, err := c.Write(b); err != nil {
		return err
	}
	p, err := ReadResponseHead(c)
	if err != nil {
		return replyErr(err)
	}
	err = p.Err()
	switch {
	case err == nil:
	case (p.Code == 407 || p.Code == 401) && h.Auth:
		err = fmt.Errorf("%w: %w", err, ErrAuthRefused)
	case p.Code == 407:
		err = statusAuth{err}
	}
	return err
}

// statusAuth is a 407 to a request without credentials: it reads as the
// status alone and is also ErrAuthRequired.
type statusAuth struct{ status error }

func (e statusAuth) Error() string   { return e.status.Error() }
func (e statusAuth) Unwrap() []error { return []error{e.status, ErrAuthRequired} }

// replyErr words a reply that never came: the proxy closed the
// connection instead of answering.
func replyErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("closed the connection without a reply")
	}
	return err
}
