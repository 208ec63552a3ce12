package listen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"

	"sockit/addr"
)

// Access decides which peers a listener serves. The zero value serves
// everyone. A peer matching Deny is refused; otherwise, when Allow is not
// empty, a peer must match it. Unix-socket peers have no IP and are never
// refused by address.
type Access struct {
	Allow []netip.Prefix
	Deny  []netip.Prefix
}

// Permits reports whether the peer at addr may be served, and if not,
// why.
func (a Access) Permits(addr net.Addr) (bool, string) {
	if len(a.Allow) == 0 && len(a.Deny) == 0 {
		return true, ""
	}
	var raw net.IP
	switch ta := addr.(type) {
	case *net.TCPAddr:
		raw = ta.IP
	case *net.UDPAddr:
		raw = ta.IP
	default:
		return true, ""
	}
	ip, ok := netip.AddrFromSlice(raw)
	if !ok {
		return false, "no address"
	}
	return a.PermitsIP(ip)
}

// PermitsIP is [Access.Permits] for a peer known by its IP address (a
// UDP datagram's sender).
func (a Access) PermitsIP(ip netip.Addr) (bool, string) {
	ip = ip.Unmap().WithZone("")
	for _, p := range a.Deny {
		if p.Contains(ip) {
			return false, "denied by " + p.String()
		}
	}
	if len(a.Allow) == 0 {
		return true, ""
	}
	for _, p := range a.Allow {
		if p.Contains(ip) {
			return true, ""
		}
	}
	return false, "not in the allow list"
}

// ErrBadSpec is wrapped by the errors of [ParseSpec] for malformed specs.
var ErrBadSpec = errors.New("bad address spec")

// ParseSpec reads one access spec: an IPv4 or IPv6 address, a CIDR
// prefix, or a host name, which it resolves with r (nil: the default
// resolver) to every address it has, as single-address prefixes.
func ParseSpec(ctx context.Context, r *net.Resolver, spec string) ([]netip.Prefix, error) {
	s := strings.TrimSpace(spec)
	if p, err := netip.ParsePrefix(s); err == nil {
		if p.Addr().Zone() != "" {
			return nil, fmt.Errorf("%w %q: zones are not allowed", ErrBadSpec, spec)
		}
		return []netip.Prefix{unmapPrefix(p).Masked()}, nil
	}
	if strings.Contains(s, "/") {
		return nil, fmt.Errorf("%w %q: want ADDRESS/BITS", ErrBadSpec, spec)
	}
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap().WithZone("")
		return []netip.Prefix{netip.PrefixFrom(a, a.BitLen())}, nil
	}
	if !addr.IsHostName(s) {
		return nil, fmt.Errorf("%w %q: not an address, prefix or host name", ErrBadSpec, spec)
	}
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", s)
	if err != nil {
		return nil, fmt.Errorf("access spec %q: %w", spec, err)
	}
	var ps []netip.Prefix
	for _, a := range addrs {
		a = a.Unmap().WithZone("")
		ps = append(ps, netip.PrefixFrom(a, a.BitLen()))
	}
	return ps, nil
}

// unmapPrefix turns an IPv4-mapped IPv6 prefix (::ffff:10.0.0.0/104)
// into its IPv4 form.
func unmapPrefix(p netip.Prefix) netip.Prefix {
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		return netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p
}

// ReadSpecs reads access specs from r (the file name), one per line;
// blank lines and text after '#' are ignored.
func ReadSpecs(r io.Reader, name string) ([]string, error) {
	var specs []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		s, _, _ := strings.Cut(sc.Text(), "#")
		if s = strings.TrimSpace(s); s != "" {
			specs = append(specs, s)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return specs, nil
}
