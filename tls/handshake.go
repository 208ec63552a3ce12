package tls

import (
	"bytes"
	"context"
	stdtls "crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"
)

// Handshaker runs one end's TLS handshake on each new connection. Build
// it once with [Client] or [Server]; it is safe for concurrent use.
type Handshaker struct {
	cfg     *stdtls.Config
	client  bool
	timeout time.Duration
	onDone  func(raw net.Conn, s Summary)
	leaf    *x509.Certificate // a server's default certificate
}

// Client builds a client's handshaker from o. Its errors are
// [ALPNError], [CAError], [ErrHalfPair], [KeyPairError] and
// [ErrBadPin], in the order the options are checked.
func Client(o ClientOptions) (*Handshaker, error) {
	if err := checkALPN(o.ALPN); err != nil {
		return nil, err
	}
	cfg, err := clientConfig(o)
	if err != nil {
		return nil, err
	}
	return &Handshaker{cfg: cfg, client: true, timeout: o.HandshakeTimeout, onDone: o.OnHandshake}, nil
}

// Server builds a server's handshaker from o. Its errors are
// [ALPNError], [ErrHalfPair], [KeyPairError], [SNIError] and [CAError].
func Server(o ServerOptions) (*Handshaker, error) {
	if err := checkALPN(o.ALPN); err != nil {
		return nil, err
	}
	cfg, leaf, err := serverConfig(o)
	if err != nil {
		return nil, err
	}
	return &Handshaker{cfg: cfg, timeout: o.HandshakeTimeout, onDone: o.OnHandshake, leaf: leaf}, nil
}

// Certificate is a server's default certificate (given or throwaway),
// to tell its fingerprint; nil for a client.
func (h *Handshaker) Certificate() *x509.Certificate { return h.leaf }

// Handshake runs the handshake on raw, within the timeout, and returns
// the TLS connection. Its error is a [HandshakeError], or on a client a
// [ClientCertError] when the server wanted a client certificate; one
// that took too long is also context.DeadlineExceeded. The caller closes
// raw on failure.
func (h *Handshaker) Handshake(ctx context.Context, raw net.Conn) (net.Conn, error) {
	var tc *stdtls.Conn
	var req *certRequest
	var first *firstBytes
	if h.client {
		req = &certRequest{}
		first = &firstBytes{Conn: raw}
		tc = stdtls.Client(first, watchCertRequest(h.cfg, req))
	} else {
		tc = stdtls.Server(raw, h.cfg)
	}
	if err := handshakeWithin(ctx, tc, h.timeout); err != nil {
		if nt := first.notTLS(raw.RemoteAddr(), err); nt != nil {
			return nil, nt
		}
		return nil, h.failure(raw.RemoteAddr(), req, err)
	}
	if h.onDone != nil {
		h.onDone(raw, Describe(tc.ConnectionState()))
	}
	if h.client {
		return &clientConn{tc, req}, nil
	}
	return tc, nil
}

// failure is the error of a handshake with peer that failed with err.
func (h *Handshaker) failure(peer net.Addr, req *certRequest, err error) error {
	if !h.client {
		return &HandshakeError{Peer: peer, Server: true, Err: err}
	}
	if cerr := req.failure(peer, err); cerr != nil {
		return cerr
	}
	return &HandshakeError{Peer: peer, Why: verifyFailure(err), Err: err}
}

// handshakeWithin runs a TLS handshake bounded by timeout (zero: none).
func handshakeWithin(ctx context.Context, tc *stdtls.Conn, timeout time.Duration) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	err := tc.HandshakeContext(ctx)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no handshake within %v: %w", timeout, context.DeadlineExceeded)
	}
	return err
}

// clientConn is a client's TLS connection with what the server asked of
// it, to name the cause when the server then closes it.
type clientConn struct {
	*stdtls.Conn
	req *certRequest
}

// ClientCertFailure returns a [ClientCertError] when conn is a client's
// connection from [Handshaker.Handshake] that the server closed, ending
// it with err, because it wanted a client certificate it did not get
// (TLS 1.3 says so only after the handshake: the client then reads an
// alert, a broken pipe or a reset); else nil.
func ClientCertFailure(conn net.Conn, err error) error {
	ct, ok := conn.(*clientConn)
	if err == nil || !ok {
		return nil
	}
	return ct.req.failure(conn.RemoteAddr(), err)
}

// firstBytes keeps the first bytes a client's handshake writes and
// reads, to tell a server that does not speak TLS. Past them it only
// passes bytes on. Reads and writes each come from one goroutine at a
// time (crypto/tls locks them), and the handshake's end orders both
// before notTLS.
type firstBytes struct {
	net.Conn
	in, out []byte
}

// firstMax is how many bytes firstBytes keeps each way.
const firstMax = 16

func (f *firstBytes) Read(p []byte) (int, error) {
	n, err := f.Conn.Read(p)
	if len(f.in) < firstMax {
		f.in = append(f.in, p[:min(n, firstMax-len(f.in))]...)
	}
	return n, err
}

func (f *firstBytes) Write(p []byte) (int, error) {
	if len(f.out) < firstMax {
		f.out = append(f.out, p[:min(len(p), firstMax-len(f.out))]...)
	}
	return f.Conn.Write(p)
}

// NetConn returns the connection underneath, for those that unwrap.
func (f *firstBytes) NetConn() net.Conn { return f.Conn }

// notTLS returns a [NotTLSError] when the server's first bytes show it
// does not speak TLS: not a TLS record header (a content type from 20 to
// 24, then major version 3), or our own hello sent back; else nil (f
// nil, nothing read: it cannot tell).
func (f *firstBytes) notTLS(peer net.Addr, err error) error {
	switch {
	case f == nil || len(f.in) == 0:
		return nil
	case len(f.in) >= 5 && bytes.HasPrefix(f.out, f.in):
		return &NotTLSError{Peer: peer, First: f.in, Echo: true, Err: err}
	case f.in[0] < 20 || f.in[0] > 24 || (len(f.in) > 1 && f.in[1] != 3):
		return &NotTLSError{Peer: peer, First: f.in, Err: err}
	}
	return nil
}
