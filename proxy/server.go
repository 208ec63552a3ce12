package proxy

// The server side (sockit proxy): one handler per client connection that
// tells the protocol by its first byte, runs the handshake with the wire
// formats of wire*.go, checks the credentials and the target, dials it
// and hands both sockets to pipe.Relay.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"

	"sockit/pipe"
)

// Server is the handler of sockit proxy. One port speaks SOCKS5
// (CONNECT, without authentication or with username/password), SOCKS4
// and 4a, and HTTP (CONNECT, and absolute-form requests to plain http
// targets, forwarded one per connection); the first byte of a
// connection chooses the protocol (5, 4, anything else is HTTP). Once a
// tunnel is granted, the client and the target are spliced socket to
// socket by [pipe.Relay]. Its zero value serves nobody (Dial is
// required); a Server is safe for concurrent use.
type Server struct {
	// Dial opens the connection to a target's host (a name, or an IP
	// address Server has resolved and checked against Targets) and
	// port. Its error is the client's refusal: a SOCKS reply code or an
	// HTTP status (see [ReplyError], net.DNSError, syscall errors).
	Dial func(ctx context.Context, host string, port uint16) (*pipe.Conn, error)
	// Users are the credentials a client must present, user name to
	// password (SOCKS5 username/password, HTTP Proxy-Authorization
	// Basic; SOCKS4 clients, which have no password, are refused).
	// Empty means no authentication.
	Users map[string]string
	// Targets decides which targets may be reached; the zero value
	// allows every one.
	Targets Targets
	// Resolver resolves the names of targets when Targets has address
	// rules; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// HandshakeTimeout bounds the wait for a client's request, from its
	// first byte to its last (not the dial). Zero means no limit.
	HandshakeTimeout time.Duration
	// OnEvent receives a request event for each client once its request
	// has ended (see [pipe.EventRequest]). Nil means no events.
	OnEvent pipe.Observer
}

// Results of a request, as its event's Result says them.
const (
	ResultOK           = "ok"            // tunnelled or forwarded
	ResultBadRequest   = "bad request"   // malformed, or a command or scheme not served
	ResultTimeout      = "timeout"       // the handshake did not finish in time
	ResultAuthRequired = "auth required" // no credentials offered
	ResultAuthFailed   = "auth failed"   // wrong credentials
	ResultDenied       = "denied"        // the target is not allowed
	ResultFailed       = "failed"        // the target could not be reached
)

// request is what the request event reports about one client.
type request struct {
	client *pipe.Conn
	start  time.Time
	proto  string
	user   string
	target Target
	up     *pipe.Conn
	result string
	// fwd is the body of a forwarded HTTP request, nil for a tunnel.
	fwd *forward
}

// Serve serves one client; it owns c and closes it. It returns nil
// for a request that was refused or failed (its request event says
// why), and the relay's error, if any, once a tunnel has ended.
func (s *Server) Serve(ctx context.Context, c *pipe.Conn) error {
	defer c.Close()
	r := &request{client: c, start: time.Now()}
	err := s.serve(ctx, c, r)
	s.report(r, err)
	if r.result != ResultOK {
		return nil
	}
	return err
}

// serve runs the handshake of the protocol c's first byte names and
// relays the tunnel it opens.
func (s *Server) serve(ctx context.Context, c *pipe.Conn, r *request) error {
	if s.HandshakeTimeout > 0 {
		c.SetReadDeadline(time.Now().Add(s.HandshakeTimeout))
	}
	br := readers.Get().(*bufio.Reader)
	br.Reset(c)
	up, err := s.handshake(ctx, br, c, r)
	var rest []byte // a forwarded request's: what of its body br holds
	if err == nil {
		r.up, r.result = up, ResultOK
		// Bytes the client sent after its request (optimistic data, an
		// HTTP body) are in br: they go first, then the sockets are
		// spliced. A forwarded request's body is framed (see forward).
		if n := br.Buffered(); n > 0 {
			b, _ := br.Peek(n)
			if r.fwd != nil {
				rest = bytes.Clone(b)
			} else if _, err = up.Write(b); err != nil {
				up.Close()
			}
		}
	}
	br.Reset(nil)
	readers.Put(br)
	if err != nil {
		return err
	}
	if r.fwd != nil {
		return r.fwd.relay(ctx, io.MultiReader(bytes.NewReader(rest), c), c, up)
	}
	return pipe.Relay(ctx, c, up)
}

// handshake reads the request through br, in the protocol its first
// byte names, and returns the connection to its target once the client
// has been told.
func (s *Server) handshake(ctx context.Context, br *bufio.Reader, c *pipe.Conn, r *request) (*pipe.Conn, error) {
	first, err := br.Peek(1)
	if err != nil {
		return nil, r.fail(s.readError("request", err))
	}
	switch first[0] {
	case socks5Version:
		r.proto = "socks5"
		return s.socks5(ctx, br, c, r)
	case socks4Version:
		r.proto = "socks4"
		return s.socks4(ctx, br, c, r)
	}
	r.proto = "http"
	return s.http(ctx, br, c, r)
}

// readers are the handshakes' buffered readers, reused: a short-lived
// tunnel would otherwise allocate one (4 KiB) per client. A reader goes
// back once the handshake has ended and its buffered bytes went on.
var readers = sync.Pool{New: func() any { return bufio.NewReader(nil) }}

// fail records a refusal's result (from err) and returns err.
func (r *request) fail(err error) error {
	r.result = resultOf(err)
	return err
}

// endHandshake lifts the handshake's deadline once the request is read:
// the dial has --connect-timeout, the tunnel the idle timeout.
func endHandshake(c *pipe.Conn) { c.SetReadDeadline(time.Time{}) }

// authRequired reports whether clients must present credentials.
func (s *Server) authRequired() bool { return len(s.Users) > 0 }

// authenticate reports whether user and pass are among s.Users.
func (s *Server) authenticate(user, pass string) bool {
	want, ok := s.Users[user]
	eq := subtle.ConstantTimeCompare([]byte(want), []byte(pass)) == 1
	return ok && eq
}

// connect checks t against s.Targets (resolving its name when an
// address rule needs it) and dials it: a name that was resolved is
// dialled at the addresses checked, in order, so that a second lookup
// cannot lead elsewhere.
func (s *Server) connect(ctx context.Context, t Target) (*pipe.Conn, error) {
	if t.Name == "" && !t.IP.IsValid() {
		return nil, &RequestError{Why: "no target host"}
	}
	if t.Port == 0 {
		return nil, &RequestError{Why: "no target port (port 0)"}
	}
	var addrs []netip.Addr
	switch {
	case t.IP.IsValid():
		addrs = []netip.Addr{t.IP.Unmap()}
	case s.Targets.needsAddrs():
		r := s.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		ips, err := r.LookupNetIP(ctx, "ip", t.Name)
		if err != nil {
			return nil, err
		}
		for _, ip := range ips {
			addrs = append(addrs, ip.Unmap())
		}
	}
	if err := s.Targets.check(t, addrs); err != nil {
		return nil, err
	}
	if t.Name != "" && len(addrs) == 0 { // no address rule: Dial resolves
		return s.Dial(ctx, t.Name, t.Port)
	}
	var first error
	for _, a := range addrs {
		up, err := s.Dial(ctx, a.String(), t.Port)
		if err == nil {
			return up, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// RequestError is a client's request refused before any dial: malformed,
// or asking for what the server does not serve.
type RequestError struct {
	Why string
	Err error // the decoder's error, if any
}

func (e *RequestError) Error() string {
	if e.Err != nil {
		return e.Why + ": " + e.Err.Error()
	}
	return e.Why
}

func (e *RequestError) Unwrap() error { return e.Err }

// AuthError is a client refused for its credentials: none offered
// (Missing), or wrong ones.
type AuthError struct {
	Missing bool
	User    string
}

func (e *AuthError) Error() string {
	switch {
	case e.Missing:
		return "authentication required, and the client offered none"
	case e.User == "":
		return "authentication failed"
	}
	return fmt.Sprintf("authentication failed for user %q", e.User)
}

// readError words a failed read of the handshake message what: a
// timeout names its limit, an EOF says the client left, bytes that are
// not the message say so.
func (s *Server) readError(what string, err error) error {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return &HandshakeTimeoutError{Limit: s.HandshakeTimeout}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return &RequestError{Why: "the client closed before its " + what + " was complete"}
	case errors.Is(err, ErrMalformed):
		return &RequestError{Why: "bad " + what, Err: err}
	}
	return err
}

// HandshakeTimeoutError is a client that did not complete its request
// within [Server.HandshakeTimeout].
type HandshakeTimeoutError struct{ Limit time.Duration }

func (e *HandshakeTimeoutError) Error() string {
	return fmt.Sprintf("no complete request within %v", e.Limit)
}

// resultOf names the result of a request that ended with err.
func resultOf(err error) string {
	var re *RequestError
	var ae *AuthError
	var de *DeniedError
	switch {
	case errors.As(err, &de):
		return ResultDenied
	case errors.As(err, &ae):
		if ae.Missing {
			return ResultAuthRequired
		}
		return ResultAuthFailed
	case errors.As(err, new(*HandshakeTimeoutError)):
		return ResultTimeout
	case errors.As(err, &re):
		return ResultBadRequest
	}
	return ResultFailed
}

// report emits r's request event.
func (s *Server) report(r *request, err error) {
	if s.OnEvent == nil {
		return
	}
	ev := pipe.Event{
		Name: pipe.EventRequest, ID: r.client.ID(), Local: r.client.LocalAddr(), Remote: r.client.RemoteAddr(),
		Proto: r.proto, Result: r.result, Duration: time.Since(r.start),
	}
	if r.target.Port != 0 || r.target.Host() != "" {
		ev.Host = r.target.String()
	}
	if r.user != "" {
		ev.Peer = "user " + r.user
	}
	if r.up != nil {
		ev.Upstream = r.up.RemoteAddr()
		ev.BytesIn, ev.BytesOut = r.up.BytesOut(), r.up.BytesIn()
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		ev.Err = err
	}
	s.OnEvent.Emit(ev)
}
