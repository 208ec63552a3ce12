package listen

// What a listener checks before a handler sees a connection: the limits,
// access lists, the PROXY protocol header and the handshake.

import (
	"context"
	"fmt"
	"net"
	"time"

	"sockit/pipe"
	"sockit/proxyproto"
)

// Limits are what a listener checks before a handler sees a connection.
// The zero value admits everyone, any number at once.
type Limits struct {
	// MaxConns is how many connections may be open at once; the next one
	// is closed at once. Zero means no limit.
	MaxConns int
	// Access refuses peers by address.
	Access Access
	// Admit, when not nil, is asked about each connection that Access
	// let through (ipc checks peer credentials with it).
	Admit func(net.Conn) (ok bool, why string)
	// PeerInfo, when not nil, describes the peer of each admitted
	// connection for its connection event (ipc: pid, uid and gid).
	PeerInfo func(net.Conn) string
	// Handshake, when not nil, runs on each admitted connection before
	// it is wrapped (TLS) and returns the connection to serve; it should
	// bound its own time. A failed handshake is an error event and never
	// stops the listener.
	Handshake func(ctx context.Context, c net.Conn) (net.Conn, error)
	// AcceptProxy reads a PROXY protocol header (v1 or v2) first on
	// every connection, within ProxyTimeout, and serves the connection
	// as from the client the header names: Access checks that address,
	// events and handlers see it. A connection without a valid header is
	// closed with an error event. Headers without addresses (LOCAL,
	// UNKNOWN) keep the connection's own.
	AcceptProxy bool
	// ProxyTimeout bounds the wait for the header; zero means
	// [DefaultProxyTimeout].
	ProxyTimeout time.Duration
}

// DefaultProxyTimeout is how long a client has to send its PROXY
// protocol header when Limits.ProxyTimeout is zero.
const DefaultProxyTimeout = 10 * time.Second

// ProxyHeaderError is the error event of a connection closed because it
// did not begin with a valid PROXY protocol header.
type ProxyHeaderError struct{ Err error }

func (e *ProxyHeaderError) Error() string { return e.Err.Error() }
func (e *ProxyHeaderError) Unwrap() error { return e.Err }

// proxied returns the addresses to serve raw as: those of its PROXY
// protocol header when l asks for one, else raw's own. ctx ending
// stops the wait.
func (l Limits) proxied(ctx context.Context, raw net.Conn) (local, remote net.Addr, err error) {
	local, remote = raw.LocalAddr(), raw.RemoteAddr()
	if !l.AcceptProxy {
		return local, remote, nil
	}
	d := l.ProxyTimeout
	if d <= 0 {
		d = DefaultProxyTimeout
	}
	stop := context.AfterFunc(ctx, func() { raw.SetReadDeadline(time.Unix(1, 0)) })
	h, err := proxyproto.Receive(raw, d)
	if !stop() && err != nil {
		return nil, nil, context.Cause(ctx)
	}
	if err != nil {
		return nil, nil, &ProxyHeaderError{Err: err}
	}
	if src, dst := h.Addrs(); src != nil {
		local, remote = dst, src
	}
	return local, remote, nil
}

// handshake runs lim.Handshake on raw, if any.
func (l Limits) handshake(ctx context.Context, raw net.Conn) (net.Conn, error) {
	if l.Handshake == nil {
		return raw, nil
	}
	c, err := l.Handshake(ctx, raw)
	if err != nil {
		raw.Close()
		return nil, err
	}
	return c, nil
}

// peerInfo describes raw's peer, or "".
func (l Limits) peerInfo(raw net.Conn) string {
	if l.PeerInfo == nil {
		return ""
	}
	return l.PeerInfo(raw)
}

// admits reports whether raw, from remote, may be served, and if not,
// why.
func (l Limits) admits(raw net.Conn, remote net.Addr) (bool, string) {
	if ok, why := l.Access.Permits(remote); !ok {
		return false, why
	}
	if l.Admit != nil {
		return l.Admit(raw)
	}
	return true, ""
}

// ConnLimitError is the why of a connection rejected because
// Limits.MaxConns were open already.
type ConnLimitError struct{ MaxConns int }

func (e *ConnLimitError) Error() string {
	return fmt.Sprintf("too many connections (at most %d at once)", e.MaxConns)
}

// reject closes a connection refused before any byte was read (but a
// PROXY protocol header's), and says why.
func (l Limits) reject(raw net.Conn, local, remote net.Addr, o pipe.Options, why error) {
	peer := l.peerInfo(raw) // a Unix client has no address: its credentials name it
	raw.Close()
	o.OnEvent.Emit(pipe.Event{Name: pipe.EventReject, Local: local, Remote: remote, Peer: peer, Err: why})
}
