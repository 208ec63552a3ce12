package tls

import (
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
	if h.client {
		req = &certRequest{}
		tc = stdtls.Client(raw, watchCertRequest(h.cfg, req))
	} else {
		tc = stdtls.Server(raw, h.cfg)
	}
	if err := handshakeWithin(ctx, tc, h.timeout); err != nil {
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
