package tls

import (
	stdtls "crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// certRequest records what a server asked of one client connection: a
// server that requires a client certificate and does not get one (or
// refuses it) closes the connection, and under TLS 1.3 it does so after
// the client's handshake has succeeded, so the client then reads an
// alert, a broken pipe or a reset. certRequest lets the client name the
// real cause. Use one per connection, with [watchCertRequest].
type certRequest struct {
	Asked bool // the server sent a CertificateRequest
	Had   bool // the client had a certificate to offer
	Sent  bool // the client sent one
}

// watchCertRequest returns a copy of cfg that records in r whether the
// server asked for a certificate and whether one was sent. It picks the
// certificate as crypto/tls does: the first of cfg.Certificates the
// server's request supports, else none.
func watchCertRequest(cfg *stdtls.Config, r *certRequest) *stdtls.Config {
	cfg = cfg.Clone()
	certs := cfg.Certificates
	cfg.Certificates = nil
	cfg.GetClientCertificate = func(cri *stdtls.CertificateRequestInfo) (*stdtls.Certificate, error) {
		r.Asked, r.Had = true, len(certs) > 0
		for i := range certs {
			if cri.SupportsCertificate(&certs[i]) == nil {
				r.Sent = true
				return &certs[i], nil
			}
		}
		return new(stdtls.Certificate), nil // none: the server decides
	}
	return cfg
}

// failure returns a [ClientCertError] with peer when the certificate
// request explains why the server ended a connection that failed with
// err, or nil when it does not (the server did not ask, or err is not
// the server closing: a local file's error, a timeout).
func (r *certRequest) failure(peer net.Addr, err error) error {
	if r == nil || !r.Asked || !serverClosed(err) {
		return nil
	}
	e := &ClientCertError{Peer: peer, Alert: remoteAlert(err), Err: err}
	switch {
	case !r.Had:
		e.Reason = ErrClientCertRequired
	case !r.Sent:
		e.Reason = ErrClientCertUntrusted
	case e.Alert != "":
		e.Reason = ErrClientCertRefused
	default:
		return nil
	}
	return e
}

// serverClosed reports an error that the peer's closing explains: a TLS
// alert it sent, a broken pipe, a reset, or an end in mid-stream.
func serverClosed(err error) bool {
	var pe *os.PathError
	if err == nil || errors.As(err, &pe) { // a file's error (stdout), not the socket's
		return false
	}
	return remoteAlert(err) != "" || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// remoteAlert returns the text of the TLS alert the peer sent ("tls:
// certificate required"), or "".
func remoteAlert(err error) string {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "remote error" && oe.Err != nil {
		return oe.Err.Error()
	}
	return ""
}
