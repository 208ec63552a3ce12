package tls

import (
	"errors"
	"fmt"
	"net"
)

// The failures callers tell apart with errors.Is. The errors that carry
// them keep their details in fields, so that a caller can word them in
// its own terms (a command line's flag names).
var (
	// ErrBadPin is a pin that is not a SHA-256 fingerprint.
	ErrBadPin = errors.New("bad pin")
	// ErrPinMismatch is a server whose certificate matches none of the
	// pins (see [PinMismatchError]).
	ErrPinMismatch = errors.New("certificate pin mismatch")
	// ErrBadALPN is an ALPN protocol name TLS cannot carry (see
	// [ALPNError]).
	ErrBadALPN = errors.New("bad ALPN protocol name")
	// ErrBadSNI is an SNI certificate spec that is not NAME=CERT,KEY.
	ErrBadSNI = errors.New("bad SNI certificate spec")
	// ErrHalfPair is a certificate file without its key file, or the
	// reverse.
	ErrHalfPair = errors.New("a certificate needs both a certificate file and a key file")
	// ErrNoCertificate is a CA file without a PEM certificate in it.
	ErrNoCertificate = errors.New("no PEM certificate in it")

	// ErrClientCertRequired is a server that requires a client
	// certificate from a client that has none (see [ClientCertError]).
	ErrClientCertRequired = errors.New("the server requires a client certificate")
	// ErrClientCertUntrusted is a server that requires a client
	// certificate signed by one of the CAs it names, from a client whose
	// certificate none of them signed.
	ErrClientCertUntrusted = errors.New("the server requires a client certificate signed by a CA it names, and ours is not")
	// ErrClientCertRefused is a server that refused the client
	// certificate it got.
	ErrClientCertRefused = errors.New("the server refused our client certificate")

	// ErrNotTLS is a server that answered a client's hello with bytes
	// that are not TLS (see [NotTLSError]).
	ErrNotTLS = errors.New("the server does not speak TLS")
)

// NotTLSError is a client's handshake with Peer, a server that does not
// speak TLS: its first bytes (First, at most 16) are not a TLS record,
// or it sent our own hello back (Echo: an echo server). It is
// [ErrNotTLS]; Err is what crypto/tls said.
type NotTLSError struct {
	Peer  net.Addr
	First []byte
	Echo  bool
	Err   error
}

func (e *NotTLSError) Error() string {
	what := fmt.Sprintf("its first bytes are %q", e.First)
	if e.Echo {
		what = "it sent our hello back"
	}
	return fmt.Sprintf("tls with %v: %v (%s)", e.Peer, ErrNotTLS, what)
}

// Is reports target as [ErrNotTLS].
func (e *NotTLSError) Is(target error) bool { return target == ErrNotTLS }
func (e *NotTLSError) Unwrap() error        { return e.Err }

// ALPNError is an ALPN protocol name TLS cannot carry: an empty one, or
// one longer than 255 bytes. It is [ErrBadALPN].
type ALPNError struct{ Proto string }

func (e *ALPNError) Error() string {
	if e.Proto == "" {
		return "empty ALPN protocol name"
	}
	return fmt.Sprintf("ALPN protocol name %.20q... is %d bytes, longer than the 255 TLS allows", e.Proto, len(e.Proto))
}

// Is reports target as [ErrBadALPN].
func (e *ALPNError) Is(target error) bool { return target == ErrBadALPN }

// CAError is a file of CA certificates (ClientOptions.CAFiles or
// ServerOptions.ClientCAFiles) that cannot be read or holds no
// certificate. Err names the file.
type CAError struct {
	File string
	Err  error
}

func (e *CAError) Error() string { return "CA certificates: " + e.Err.Error() }
func (e *CAError) Unwrap() error { return e.Err }

// KeyPairError is a certificate and key that cannot be loaded.
type KeyPairError struct {
	CertFile, KeyFile string
	Err               error
}

func (e *KeyPairError) Error() string {
	return fmt.Sprintf("certificate %s and key %s: %v", e.CertFile, e.KeyFile, e.Err)
}
func (e *KeyPairError) Unwrap() error { return e.Err }

// SNIError is the certificate for SNI name Name that cannot be loaded.
type SNIError struct {
	Name string
	Err  error
}

func (e *SNIError) Error() string { return "certificate for SNI name " + e.Name + ": " + e.Err.Error() }
func (e *SNIError) Unwrap() error { return e.Err }

// PinMismatchError is a server certificate that matches none of the
// pins, with its fingerprint ("" when the server sent none). It is
// [ErrPinMismatch].
type PinMismatchError struct{ Fingerprint string }

func (e *PinMismatchError) Error() string {
	if e.Fingerprint == "" {
		return ErrPinMismatch.Error() + ": no certificate"
	}
	return ErrPinMismatch.Error() + ": server presented SHA-256 " + e.Fingerprint
}

// Is reports target as [ErrPinMismatch].
func (e *PinMismatchError) Is(target error) bool { return target == ErrPinMismatch }

// HandshakeError is a failed handshake with Peer. Why, when not empty,
// says in a few lowercase words what failed to verify.
type HandshakeError struct {
	Peer net.Addr
	// Server is set on a server's handshake: its message leaves the
	// peer to the caller, whose error event names it.
	Server bool
	Why    string
	Err    error
}

func (e *HandshakeError) Error() string {
	switch {
	case e.Why != "":
		return fmt.Sprintf("tls with %v: %s", e.Peer, e.Why)
	case e.Server:
		return "tls handshake: " + e.Err.Error()
	}
	return fmt.Sprintf("tls handshake with %v: %v", e.Peer, e.Err)
}
func (e *HandshakeError) Unwrap() error { return e.Err }

// ClientCertError is a client connection the server ended because it
// wanted a client certificate it did not get, or refused the one it got.
// It is its Reason, one of [ErrClientCertRequired],
// [ErrClientCertUntrusted] and [ErrClientCertRefused]; Err is what the
// client saw (an alert, a broken pipe, a reset).
type ClientCertError struct {
	Peer   net.Addr
	Reason error
	Alert  string // the server's TLS alert, if it sent one
	Err    error
}

func (e *ClientCertError) Error() string {
	why := e.Reason.Error()
	if e.Alert != "" && e.Reason == ErrClientCertRefused {
		why += " (" + e.Alert + ")"
	}
	return fmt.Sprintf("tls with %v: %s", e.Peer, why)
}

// Is reports target as e.Reason.
func (e *ClientCertError) Is(target error) bool { return target == e.Reason }
func (e *ClientCertError) Unwrap() error        { return e.Err }
