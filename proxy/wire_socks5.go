package proxy

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
)

// SOCKS5 method numbers (RFC 1928 section 3).
const (
	MethodNoAuth       byte = 0x00
	MethodUserPass     byte = 0x02
	MethodNoAcceptable byte = 0xFF
)

// SOCKS5 commands (RFC 1928 section 4).
const (
	CmdConnect      byte = 1
	CmdBind         byte = 2
	CmdUDPAssociate byte = 3
)

// SOCKS5 address types (RFC 1928 section 5).
const (
	ATypIPv4   byte = 1
	ATypDomain byte = 3
	ATypIPv6   byte = 4
)

const (
	socks5Version   = 5
	userPassVersion = 1
)

// Greeting is a SOCKS5 client's first message: the authentication
// methods it offers (VER NMETHODS METHODS...).
type Greeting struct {
	// Methods are the offered methods, 1 to 255 of them.
	Methods []byte
}

// Append encodes g after b.
func (g Greeting) Append(b []byte) ([]byte, error) {
	if len(g.Methods) == 0 || len(g.Methods) > 255 {
		return b, fmt.Errorf("SOCKS5 greeting: %d methods, want 1 to 255", len(g.Methods))
	}
	b = append(b, socks5Version, byte(len(g.Methods)))
	return append(b, g.Methods...), nil
}

// Offers reports whether g offers method m.
func (g Greeting) Offers(m byte) bool {
	for _, x := range g.Methods {
		if x == m {
			return true
		}
	}
	return false
}

// ReadGreeting decodes a Greeting, version byte included.
func ReadGreeting(r io.Reader) (Greeting, error) {
	var h [2]byte
	if err := readFull(r, h[:]); err != nil {
		return Greeting{}, err
	}
	if h[0] != socks5Version {
		return Greeting{}, malformed("SOCKS5 greeting", "version %d, want 5", h[0])
	}
	if h[1] == 0 {
		return Greeting{}, malformed("SOCKS5 greeting", "no methods")
	}
	m := make([]byte, h[1])
	if err := readMore(r, m); err != nil {
		return Greeting{}, err
	}
	return Greeting{Methods: m}, nil
}

// MethodReply is the server's choice among the offered methods (VER
// METHOD); MethodNoAcceptable refuses them all.
type MethodReply struct {
	Method byte
}

// Append encodes m after b.
func (m MethodReply) Append(b []byte) []byte {
	return append(b, socks5Version, m.Method)
}

// ReadMethodReply decodes a MethodReply.
func ReadMethodReply(r io.Reader) (MethodReply, error) {
	var h [2]byte
	if err := readFull(r, h[:]); err != nil {
		return MethodReply{}, err
	}
	if h[0] != socks5Version {
		return MethodReply{}, malformed("SOCKS5 method reply", "version %d, want 5", h[0])
	}
	return MethodReply{Method: h[1]}, nil
}

// UserPass is the RFC 1929 username/password request (VER ULEN UNAME
// PLEN PASSWD, VER 1).
type UserPass struct {
	// User is 1 to 255 bytes.
	User string
	// Pass is 0 to 255 bytes (RFC 1929 says 1 to 255; an empty password
	// is accepted as many clients send one).
	Pass string
}

// Append encodes u after b.
func (u UserPass) Append(b []byte) ([]byte, error) {
	if len(u.User) == 0 || len(u.User) > 255 {
		return b, fmt.Errorf("SOCKS5 user name of %d bytes, want 1 to 255", len(u.User))
	}
	if len(u.Pass) > 255 {
		return b, fmt.Errorf("SOCKS5 password of %d bytes, want at most 255", len(u.Pass))
	}
	b = append(b, userPassVersion, byte(len(u.User)))
	b = append(b, u.User...)
	b = append(b, byte(len(u.Pass)))
	return append(b, u.Pass...), nil
}

// ReadUserPass decodes a UserPass.
func ReadUserPass(r io.Reader) (UserPass, error) {
	var h [2]byte
	if err := readFull(r, h[:]); err != nil {
		return UserPass{}, err
	}
	if h[0] != userPassVersion {
		return UserPass{}, malformed("SOCKS5 username/password request", "version %d, want 1", h[0])
	}
	if h[1] == 0 {
		return UserPass{}, malformed("SOCKS5 username/password request", "empty user name")
	}
	user := make([]byte, int(h[1])+1) // the name and PLEN
	if err := readMore(r, user); err != nil {
		return UserPass{}, err
	}
	pass := make([]byte, user[len(user)-1])
	if err := readMore(r, pass); err != nil {
		return UserPass{}, err
	}
	return UserPass{User: string(user[:len(user)-1]), Pass: string(pass)}, nil
}

// UserPassReply is the server's verdict on a UserPass (VER STATUS):
// status 0 is success, anything else failure.
type UserPassReply struct {
	Status byte
}

// OK reports whether the credentials were accepted.
func (u UserPassReply) OK() bool { return u.Status == 0 }

// Append encodes u after b.
func (u UserPassReply) Append(b []byte) []byte {
	return append(b, userPassVersion, u.Status)
}

// ReadUserPassReply decodes a UserPassReply.
func ReadUserPassReply(r io.Reader) (UserPassReply, error) {
	var h [2]byte
	if err := readFull(r, h[:]); err != nil {
		return UserPassReply{}, err
	}
	// Some servers answer with VER 5 here; the status is what counts.
	if h[0] != userPassVersion && h[0] != socks5Version {
		return UserPassReply{}, malformed("SOCKS5 username/password reply", "version %d, want 1", h[0])
	}
	return UserPassReply{Status: h[1]}, nil
}

// Request is a SOCKS5 request (VER CMD RSV ATYP DST.ADDR DST.PORT).
type Request struct {
	// Cmd is CmdConnect, CmdBind or CmdUDPAssociate.
	Cmd byte
	// Target is where to connect.
	Target Target
}

// Append encodes q after b.
func (q Request) Append(b []byte) ([]byte, error) {
	return appendSocks5(b, q.Cmd, q.Target)
}

// ReadRequest decodes a Request. An unknown address type is an error
// wrapping ErrMalformed (the server answers ReplyAddressNotSupported).
func ReadRequest(r io.Reader) (Request, error) {
	cmd, t, err := readSocks5(r, "SOCKS5 request")
	return Request{Cmd: cmd, Target: t}, err
}

// Reply is a SOCKS5 reply (VER REP RSV ATYP BND.ADDR BND.PORT).
type Reply struct {
	// Code is ReplySucceeded or the reason for the refusal.
	Code byte
	// Bound is the address the proxy bound for the connection (often
	// 0.0.0.0:0).
	Bound Target
}

// Err returns nil for success and a *ReplyError otherwise.
func (p Reply) Err() error {
	if p.Code == ReplySucceeded {
		return nil
	}
	return &ReplyError{Version: 5, Code: p.Code}
}

// Append encodes p after b; a zero Bound is sent as 0.0.0.0:0.
func (p Reply) Append(b []byte) ([]byte, error) {
	t := p.Bound
	if t.Name == "" && !t.IP.IsValid() {
		t.IP = netip.IPv4Unspecified()
	}
	return appendSocks5(b, p.Code, t)
}

// ReadReply decodes a Reply.
func ReadReply(r io.Reader) (Reply, error) {
	code, t, err := readSocks5(r, "SOCKS5 reply")
	return Reply{Code: code, Bound: t}, err
}

// appendSocks5 encodes the shared shape of requests and replies.
func appendSocks5(b []byte, code byte, t Target) ([]byte, error) {
	b = append(b, socks5Version, code, 0)
	switch {
	case t.Name != "":
		if len(t.Name) > 255 {
			return b, fmt.Errorf("host name of %d bytes is too long for SOCKS5 (at most 255)", len(t.Name))
		}
		b = append(b, ATypDomain, byte(len(t.Name)))
		b = append(b, t.Name...)
	case t.IP.Is4():
		a := t.IP.As4()
		b = append(b, ATypIPv4)
		b = append(b, a[:]...)
	case t.IP.Is6(): // an IPv4-mapped address too: unmap it to send IPv4
		a := t.IP.As16()
		b = append(b, ATypIPv6)
		b = append(b, a[:]...)
	default:
		return b, fmt.Errorf("SOCKS5 address: no host")
	}
	return binary.BigEndian.AppendUint16(b, t.Port), nil
}

// readSocks5 decodes the shared shape of requests and replies.
func readSocks5(r io.Reader, what string) (byte, Target, error) {
	var h [5]byte // VER CODE RSV ATYP and the first address byte
	if err := readFull(r, h[:]); err != nil {
		return 0, Target{}, err
	}
	if h[0] != socks5Version {
		return 0, Target{}, malformed(what, "version %d, want 5", h[0])
	}
	var t Target
	var rest []byte
	switch h[3] {
	case ATypIPv4:
		rest = make([]byte, 3+2)
	case ATypIPv6:
		rest = make([]byte, 15+2)
	case ATypDomain:
		if h[4] == 0 {
			return h[1], Target{}, malformed(what, "empty host name")
		}
		rest = make([]byte, int(h[4])+2)
	default:
		return h[1], Target{}, malformed(what, "address type %d", h[3])
	}
	if err := readMore(r, rest); err != nil {
		return 0, Target{}, err
	}
	n := len(rest) - 2
	switch h[3] {
	case ATypIPv4:
		t.IP = netip.AddrFrom4([4]byte{h[4], rest[0], rest[1], rest[2]})
	case ATypIPv6:
		var a [16]byte
		a[0] = h[4]
		copy(a[1:], rest[:n])
		t.IP = netip.AddrFrom16(a)
	case ATypDomain:
		t.Name = string(rest[:n])
	}
	t.Port = binary.BigEndian.Uint16(rest[n:])
	return h[1], t, nil
}
