package proxyproto

import (
	"errors"
	"net"
	"net/netip"
)

// ErrNoHeader is returned when a connection does not begin with a PROXY
// protocol header at all.
var ErrNoHeader = errors.New("no PROXY protocol header")

// ErrBadHeader is wrapped by the errors of a header that begins like one
// but is malformed; the error says what is wrong.
var ErrBadHeader = errors.New("bad PROXY protocol header")

// Header is one PROXY protocol header. Source and Dest are both valid
// (same family, as the wire needs) or both the zero value: a header that
// says nothing about the addresses (v1 UNKNOWN, v2 AF_UNSPEC or AF_UNIX,
// the v2 LOCAL command), when the receiver keeps the connection's own.
type Header struct {
	// Version is 1 (the text line) or 2 (binary).
	Version int
	// Local is the v2 LOCAL command: the proxy's own connection (a
	// health check), not a relayed one.
	Local bool
	// Source is the client's address and port; Dest is the address and
	// port the client connected to.
	Source, Dest netip.AddrPort
}

// Known reports whether h carries the client's addresses.
func (h Header) Known() bool { return !h.Local && h.Source.IsValid() && h.Dest.IsValid() }

// Addrs returns h's source and destination as TCP addresses, or nils when
// h does not carry them.
func (h Header) Addrs() (src, dst net.Addr) {
	if !h.Known() {
		return nil, nil
	}
	return net.TCPAddrFromAddrPort(h.Source), net.TCPAddrFromAddrPort(h.Dest)
}

// FromAddrs builds the header of version (1 or 2) for a relayed
// connection from src, the client's address, and dst, the address the
// client reached. Addresses that are not TCP (a Unix socket's) make a
// header without addresses (v1 UNKNOWN, v2 AF_UNSPEC). When one address
// is IPv4 and the other IPv6, the IPv4 one is written in its IPv6 form.
func FromAddrs(version int, src, dst net.Addr) Header {
	h := Header{Version: version}
	s, ok1 := addrPort(src)
	d, ok2 := addrPort(dst)
	if !ok1 || !ok2 {
		return h
	}
	if s.Addr().Is4() != d.Addr().Is4() {
		s = netip.AddrPortFrom(netip.AddrFrom16(s.Addr().As16()), s.Port())
		d = netip.AddrPortFrom(netip.AddrFrom16(d.Addr().As16()), d.Port())
	}
	h.Source, h.Dest = s, d
	return h
}

// addrPort is a's address and port, IPv4-mapped addresses unmapped and
// zones dropped (the wire has no room for them).
func addrPort(a net.Addr) (netip.AddrPort, bool) {
	ta, ok := a.(*net.TCPAddr)
	if !ok || ta == nil {
		return netip.AddrPort{}, false
	}
	ap := ta.AddrPort()
	if !ap.Addr().IsValid() {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port()), true
}
