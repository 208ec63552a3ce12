package proxy

import (
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
)

const socks4Version = 4

// maxSocks4String bounds a SOCKS4 user id or 4a host name, both
// NUL-terminated on the wire.
const maxSocks4String = 255

// Request4 is a SOCKS4 or SOCKS4a request (VN=4 CD DSTPORT DSTIP USERID
// NUL, then for 4a the host name and NUL).
type Request4 struct {
	// Cmd is CmdConnect or CmdBind (the same numbers as SOCKS5's).
	Cmd byte
	// Target is an IPv4 address (SOCKS4) or a host name (SOCKS4a, sent
	// with DSTIP 0.0.0.1).
	Target Target
	// User is the user id, up to 255 bytes, without NULs.
	User string
}

// Append encodes q after b.
func (q Request4) Append(b []byte) ([]byte, error) {
	if err := socks4String("user id", q.User); err != nil {
		return b, err
	}
	var ip [4]byte
	switch {
	case q.Target.Name != "":
		if err := socks4String("host name", q.Target.Name); err != nil {
			return b, err
		}
		ip = [4]byte{0, 0, 0, 1}
	case q.Target.IP.Unmap().Is4():
		ip = q.Target.IP.Unmap().As4()
	default:
		return b, fmt.Errorf("SOCKS4 reaches IPv4 addresses only, not %s", q.Target.Host())
	}
	b = append(b, socks4Version, q.Cmd)
	b = binary.BigEndian.AppendUint16(b, q.Target.Port)
	b = append(b, ip[:]...)
	b = append(b, q.User...)
	b = append(b, 0)
	if q.Target.Name != "" {
		b = append(b, q.Target.Name...)
		b = append(b, 0)
	}
	return b, nil
}

// socks4String checks a string that travels NUL-terminated.
func socks4String(what, s string) error {
	if len(s) > maxSocks4String {
		return fmt.Errorf("SOCKS4 %s of %d bytes, want at most %d", what, len(s), maxSocks4String)
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return fmt.Errorf("SOCKS4 %s contains a NUL byte", what)
		}
	}
	return nil
}

// ReadRequest4 decodes a Request4, version byte included. A DSTIP of
// 0.0.0.x with x ≠ 0 is SOCKS4a: the host name follows the user id.
func ReadRequest4(r io.Reader) (Request4, error) {
	var h [8]byte
	if err := readFull(r, h[:]); err != nil {
		return Request4{}, err
	}
	if h[0] != socks4Version {
		return Request4{}, malformed("SOCKS4 request", "version %d, want 4", h[0])
	}
	q := Request4{Cmd: h[1]}
	q.Target.Port = binary.BigEndian.Uint16(h[2:4])
	user, err := readNulString(r, "SOCKS4 user id")
	if err != nil {
		return Request4{}, err
	}
	q.User = user
	if h[4] == 0 && h[5] == 0 && h[6] == 0 && h[7] != 0 {
		name, err := readNulString(r, "SOCKS4a host name")
		if err != nil {
			return Request4{}, err
		}
		if name == "" {
			return Request4{}, malformed("SOCKS4a request", "empty host name")
		}
		q.Target.Name = name
	} else {
		q.Target.IP = netip.AddrFrom4([4]byte(h[4:8]))
	}
	return q, nil
}

// readNulString reads bytes up to a NUL, at most maxSocks4String of them.
func readNulString(r io.Reader, what string) (string, error) {
	var s []byte
	var c [1]byte
	for {
		if err := readMore(r, c[:]); err != nil {
			return "", err
		}
		if c[0] == 0 {
			return string(s), nil
		}
		if len(s) == maxSocks4String {
			return "", malformed(what, "longer than %d bytes", maxSocks4String)
		}
		s = append(s, c[0])
	}
}

// Reply4 is a SOCKS4 reply (VN=0 CD DSTPORT DSTIP).
type Reply4 struct {
	// Code is Reply4Granted or the reason for the refusal.
	Code byte
	// Bound is the address and port the proxy bound (often zero).
	Bound netip.AddrPort
}

// Err returns nil when the request was granted and a *ReplyError
// otherwise.
func (p Reply4) Err() error {
	if p.Code == Reply4Granted {
		return nil
	}
	return &ReplyError{Version: 4, Code: p.Code}
}

// Append encodes p after b; an IPv6 or missing Bound address is sent
// as 0.0.0.0.
func (p Reply4) Append(b []byte) []byte {
	b = append(b, 0, p.Code)
	b = binary.BigEndian.AppendUint16(b, p.Bound.Port())
	var ip [4]byte
	if a := p.Bound.Addr().Unmap(); a.Is4() {
		ip = a.As4()
	}
	return append(b, ip[:]...)
}

// ReadReply4 decodes a Reply4. The version byte must be 0 (some servers
// send 4, which is accepted too).
func ReadReply4(r io.Reader) (Reply4, error) {
	var h [8]byte
	if err := readFull(r, h[:]); err != nil {
		return Reply4{}, err
	}
	if h[0] != 0 && h[0] != socks4Version {
		return Reply4{}, malformed("SOCKS4 reply", "version %d, want 0", h[0])
	}
	ip := netip.AddrFrom4([4]byte(h[4:8]))
	return Reply4{Code: h[1], Bound: netip.AddrPortFrom(ip, binary.BigEndian.Uint16(h[2:4]))}, nil
}
