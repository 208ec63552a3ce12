package tls

import (
	"context"
	stdtls "crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// MaxPeek bounds how many bytes [PeekServerName] reads looking for the
// end of a ClientHello: far more than any real one (a few KiB, post-
// quantum key shares included) and little to hold per client.
const MaxPeek = 64 << 10

// ErrNoClientHello is a connection that does not begin with a TLS
// ClientHello that [PeekServerName] can read: not TLS, malformed, or
// longer than [MaxPeek].
var ErrNoClientHello = errors.New("no TLS ClientHello")

// errPeeked stops the handshake once the ClientHello has been read.
var errPeeked = errors.New("ClientHello read")

// PeekServerName reads the TLS ClientHello that begins c without
// answering it and returns the server name it asks for ("" when it has
// none, as a client dialling an IP address sends) and every byte read
// from c, to be sent on unchanged before the rest of the connection.
// Nothing is written to c. It reads at most [MaxPeek] bytes and gives
// the client up to timeout (zero: no limit of its own) and ctx; c's read
// deadline is cleared afterwards.
//
// Its errors wrap [ErrNoClientHello], or c's error (a deadline's wraps
// os.ErrDeadlineExceeded).
func PeekServerName(ctx context.Context, c net.Conn, timeout time.Duration) (name string, peeked []byte, err error) {
	if timeout > 0 {
		if err := c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
			return "", nil, err
		}
		defer c.SetReadDeadline(time.Time{})
	}
	rec := &recorder{Conn: c}
	seen := false
	srv := stdtls.Server(rec, &stdtls.Config{
		GetConfigForClient: func(h *stdtls.ClientHelloInfo) (*stdtls.Config, error) {
			name, seen = h.ServerName, true
			return nil, errPeeked
		},
	})
	err = srv.HandshakeContext(ctx)
	if seen {
		return name, rec.buf, nil
	}
	switch {
	case errors.Is(rec.err, io.EOF) && len(rec.buf) == 0:
		return "", nil, fmt.Errorf("%w: the connection ended before sending one", ErrNoClientHello)
	case errors.Is(rec.err, io.EOF):
		return "", rec.buf, fmt.Errorf("%w: the connection ended inside it", ErrNoClientHello)
	case rec.err != nil && !errors.Is(rec.err, errTooLong):
		return "", rec.buf, fmt.Errorf("reading the TLS ClientHello: %w", rec.err)
	case ctx.Err() != nil:
		return "", rec.buf, context.Cause(ctx)
	case errors.Is(rec.err, errTooLong):
		return "", rec.buf, fmt.Errorf("%w in the first %d bytes", ErrNoClientHello, MaxPeek)
	}
	return "", rec.buf, fmt.Errorf("%w: %v", ErrNoClientHello, err)
}

// errTooLong is a ClientHello that does not end within MaxPeek bytes.
var errTooLong = errors.New("too long")

// recorder is the connection crypto/tls reads the ClientHello from: it
// keeps every byte it reads, reads no more than MaxPeek in all, and
// writes nothing (the alert that ends the handshake goes nowhere).
type recorder struct {
	net.Conn
	buf []byte
	err error // the first read error
}

func (r *recorder) Read(p []byte) (int, error) {
	if len(r.buf)+len(p) > MaxPeek {
		p = p[:MaxPeek-len(r.buf)]
	}
	if len(p) == 0 {
		r.err = errTooLong
		return 0, r.err
	}
	n, err := r.Conn.Read(p)
	r.buf = append(r.buf, p[:n]...)
	if err != nil && r.err == nil {
		r.err = err
	}
	return n, err
}

func (r *recorder) Write(p []byte) (int, error) { return 0, io.ErrClosedPipe }
