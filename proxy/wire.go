// Package proxy speaks the proxy protocols sockit uses as a client
// (--proxy) and serves as a server (sockit proxy): SOCKS5 (RFC 1928)
// with username/password authentication (RFC 1929), SOCKS4 and its 4a
// extension, and HTTP CONNECT (RFC 9110). Both sides share the wire
// formats in the wire*.go files: every message has an Append method
// that encodes it and a Read function that decodes it, so the server
// decodes exactly what the client encodes.
//
// The Read functions take exactly the bytes of one message from the
// reader and never read ahead (HTTP heads are read a byte at a time
// unless the reader is an io.ByteReader), so after a handshake the
// connection can be handed on as it is and keeps its splice path. A
// decoder refuses malformed input with an error wrapping ErrMalformed;
// a refusal the peer sends on purpose is a *ReplyError (SOCKS) or a
// *StatusError (HTTP).
package proxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
)

// ErrMalformed is wrapped by every decoder's error for bytes that do not
// form the message it expects (wrong version, bad lengths, a line too
// long).
var ErrMalformed = errors.New("malformed")

// malformed returns an error wrapping ErrMalformed: "malformed SOCKS5
// reply: version 72, want 5".
func malformed(what, format string, args ...any) error {
	return fmt.Errorf("%w %s: %s", ErrMalformed, what, fmt.Sprintf(format, args...))
}

// Target is the destination a client asks a proxy for, as it travels on
// the wire: a host name or an IP address, and a port. Exactly one of
// Name and IP is set.
type Target struct {
	// Name is a host name the proxy resolves (SOCKS5 domain, SOCKS4a,
	// HTTP); empty when IP is set.
	Name string
	// IP is an IPv4 or IPv6 address; the zero Addr when Name is set.
	IP netip.Addr
	// Port is the TCP port.
	Port uint16
}

// Host returns the name or the address, without the port.
func (t Target) Host() string {
	if t.Name != "" {
		return t.Name
	}
	if !t.IP.IsValid() {
		return ""
	}
	return t.IP.Unmap().String()
}

// String returns host:port, with brackets around an IPv6 address.
func (t Target) String() string {
	return net.JoinHostPort(t.Host(), strconv.Itoa(int(t.Port)))
}

// ParseTarget reads host:port (an IPv6 address in brackets) into a
// Target: an IP when the host is a literal address, a Name otherwise.
func ParseTarget(s string) (Target, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return Target{}, malformed("target", "%q: %v", s, err)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return Target{}, malformed("target", "%q: bad port", s)
	}
	if host == "" {
		return Target{}, malformed("target", "%q: no host", s)
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.Zone() == "" {
		return Target{IP: ip.Unmap(), Port: uint16(p)}, nil
	}
	return Target{Name: host, Port: uint16(p)}, nil
}

// readFull reads len(b) bytes, turning a short read into
// io.ErrUnexpectedEOF (and a read of nothing at all into io.EOF).
func readFull(r io.Reader, b []byte) error {
	_, err := io.ReadFull(r, b)
	return err
}

// readMore reads the rest of a message whose start has been read: an
// EOF here is always io.ErrUnexpectedEOF.
func readMore(r io.Reader, b []byte) error {
	err := readFull(r, b)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}
