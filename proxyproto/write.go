package proxyproto

import (
	"encoding/binary"
	"net/netip"
	"strconv"
)

// Append appends h, in its Version's form (2, or else 1), to b. A header
// without addresses is v1's UNKNOWN line, or v2's AF_UNSPEC (LOCAL when
// h.Local); addresses of two families are both written as IPv6.
func (h Header) Append(b []byte) []byte {
	src, dst := h.Source.Addr(), h.Dest.Addr()
	v4 := src.Is4() && dst.Is4()
	if h.Known() && !v4 {
		src, dst = netip.AddrFrom16(src.As16()), netip.AddrFrom16(dst.As16())
	}
	if h.Version == 2 {
		return h.appendV2(b, src, dst, v4)
	}
	if !h.Known() {
		return append(b, "PROXY UNKNOWN\r\n"...)
	}
	proto := "TCP6 "
	if v4 {
		proto = "TCP4 "
	}
	b = append(append(b, v1Prefix...), proto...)
	b = append(src.AppendTo(b), ' ')
	b = append(dst.AppendTo(b), ' ')
	b = append(strconv.AppendUint(b, uint64(h.Source.Port()), 10), ' ')
	b = strconv.AppendUint(b, uint64(h.Dest.Port()), 10)
	return append(b, "\r\n"...)
}

// appendV2 appends h as a v2 header with src and dst, both of one
// family, v4 or IPv6.
func (h Header) appendV2(b []byte, src, dst netip.Addr, v4 bool) []byte {
	b = append(b, v2Sig...)
	switch {
	case h.Local:
		return append(b, 0x20, afUnspec<<4|tpUnspec, 0, 0)
	case !h.Known():
		return append(b, 0x20|cmdProxy, afUnspec<<4|tpUnspec, 0, 0)
	case v4:
		b = append(b, 0x20|cmdProxy, afInet<<4|tpStream, 0, 12)
		s, d := src.As4(), dst.As4()
		b = append(append(b, s[:]...), d[:]...)
	default:
		b = append(b, 0x20|cmdProxy, afInet6<<4|tpStream, 0, 36)
		s, d := src.As16(), dst.As16()
		b = append(append(b, s[:]...), d[:]...)
	}
	b = binary.BigEndian.AppendUint16(b, h.Source.Port())
	return binary.BigEndian.AppendUint16(b, h.Dest.Port())
}
