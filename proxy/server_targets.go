package proxy

// Which targets the server may reach: rules by host name, address or
// prefix, each optionally for one port.

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"sockit/addr"
)

// Rule matches targets: by host name (Name), or by address (Prefix, a
// single address being a full-length prefix), on one Port or on any
// (Port zero).
type Rule struct {
	// Name is a host name in lower case, without a trailing dot;
	// "*.example.com" matches every name below example.com (not
	// example.com itself). Empty for an address rule.
	Name string
	// Prefix is the addresses matched when Name is empty.
	Prefix netip.Prefix
	// Port is the only port matched; zero matches every port.
	Port uint16
}

// String returns the rule as ParseRule reads it.
func (r Rule) String() string {
	host := r.Name
	if host == "" {
		host = r.Prefix.String()
		if r.Prefix.IsSingleIP() {
			host = r.Prefix.Addr().String()
		}
		if r.Port != 0 && r.Prefix.Addr().Is6() {
			host = "[" + host + "]"
		}
	}
	if r.Port == 0 {
		return host
	}
	return host + ":" + strconv.Itoa(int(r.Port))
}

// ErrBadRule is wrapped by ParseRule's errors.
var ErrBadRule = errors.New("bad target rule")

// ParseRule reads a rule: an address (192.0.2.1, 2001:db8::1), a CIDR
// prefix (10.0.0.0/8, fd00::/8), a host name (example.com) or every
// name under one (*.example.com), each optionally followed by :PORT
// (an IPv6 address or prefix then goes in brackets: [::1]:22,
// [fd00::/8]:443).
func ParseRule(s string) (Rule, error) {
	bad := func(why string) (Rule, error) { return Rule{}, fmt.Errorf("%w %q: %s", ErrBadRule, s, why) }
	host, port := strings.TrimSpace(s), ""
	switch {
	case strings.HasPrefix(host, "["):
		end := strings.Index(host, "]")
		if end < 0 {
			return bad("missing ]")
		}
		rest := host[end+1:]
		host = host[1:end]
		if rest != "" {
			if !strings.HasPrefix(rest, ":") {
				return bad("want [ADDRESS]:PORT")
			}
			port = rest[1:]
		}
	case strings.Count(host, ":") == 1:
		host, port, _ = strings.Cut(host, ":")
	}
	var r Rule
	if port != "" || strings.HasSuffix(s, ":") {
		p, err := strconv.ParseUint(port, 10, 16)
		if err != nil || p == 0 {
			return bad("the port must be a number from 1 to 65535")
		}
		r.Port = uint16(p)
	}
	if p, err := netip.ParsePrefix(host); err == nil {
		if p.Addr().Zone() != "" {
			return bad("zones are not allowed")
		}
		if p.Addr().Is4In6() {
			return bad("write an IPv4-mapped prefix as IPv4")
		}
		r.Prefix = p.Masked()
		return r, nil
	}
	if strings.Contains(host, "/") {
		return bad("want ADDRESS/BITS")
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() != "" {
			return bad("zones are not allowed")
		}
		a = a.Unmap()
		r.Prefix = netip.PrefixFrom(a, a.BitLen())
		return r, nil
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if !addr.IsHostName(strings.TrimPrefix(name, "*.")) {
		return bad("not an address, prefix or host name")
	}
	r.Name = name
	return r, nil
}

// matchName reports whether r matches the host name name (lower case,
// no trailing dot).
func (r Rule) matchName(name string) bool {
	if r.Name == "" || name == "" {
		return false
	}
	if suffix, ok := strings.CutPrefix(r.Name, "*"); ok {
		return strings.HasSuffix(name, suffix)
	}
	return r.Name == name
}

// matchPort reports whether r matches port.
func (r Rule) matchPort(port uint16) bool { return r.Port == 0 || r.Port == port }

// Targets are the rules for targets. The zero value allows every
// target. A target matching a Deny rule is refused: by its name, or by
// its address or any address its name resolves to. Otherwise, when
// Allow is not empty, the target must match it: by its name, or with
// every address it resolves to.
type Targets struct {
	Allow []Rule
	Deny  []Rule
}

// needsAddrs reports whether some rule matches by address, so that the
// names of targets must be resolved before they are checked.
func (ts Targets) needsAddrs() bool {
	for _, r := range append(ts.Allow[:len(ts.Allow):len(ts.Allow)], ts.Deny...) {
		if r.Name == "" {
			return true
		}
	}
	return false
}

// DeniedError is a target the rules refuse.
type DeniedError struct {
	Target Target
	// Rule is the deny rule it matched; nil when it matched no allow
	// rule.
	Rule *Rule
	// Addr is the address the rule matched, when it matched an address
	// the target's name resolved to.
	Addr netip.Addr
}

func (e *DeniedError) Error() string {
	switch {
	case e.Rule == nil:
		return fmt.Sprintf("target %s is not allowed (no allow rule matches it)", e.Target)
	case e.Addr.IsValid() && e.Target.Name != "":
		return fmt.Sprintf("target %s is denied (%s resolves to %s, denied by %s)", e.Target, e.Target.Name, e.Addr, e.Rule)
	}
	return fmt.Sprintf("target %s is denied by %s", e.Target, e.Rule)
}

// check refuses t, whose name resolves to addrs (t's own address for a
// target given by address), as ts says.
func (ts Targets) check(t Target, addrs []netip.Addr) error {
	name := strings.ToLower(strings.TrimSuffix(t.Name, "."))
	for i, r := range ts.Deny {
		if !r.matchPort(t.Port) {
			continue
		}
		if r.matchName(name) {
			return &DeniedError{Target: t, Rule: &ts.Deny[i]}
		}
		for _, a := range addrs {
			for _, b := range reached(a) {
				if r.Name == "" && r.Prefix.Contains(b) {
					return &DeniedError{Target: t, Rule: &ts.Deny[i], Addr: a}
				}
			}
		}
	}
	if len(ts.Allow) == 0 {
		return nil
	}
	for _, r := range ts.Allow {
		if r.matchPort(t.Port) && r.matchName(name) {
			return nil
		}
	}
	if len(addrs) == 0 {
		return &DeniedError{Target: t}
	}
	for _, a := range addrs {
		for _, b := range reached(a) {
			ok := false
			for _, r := range ts.Allow {
				ok = ok || (r.Name == "" && r.matchPort(t.Port) && r.Prefix.Contains(b))
			}
			if !ok {
				return &DeniedError{Target: t}
			}
		}
	}
	return nil
}

// reached are the addresses a connection to a reaches, as the rules see
// them: a itself and, for an unspecified address (0.0.0.0, ::), which
// a connect(2) takes to this host, the loopback addresses too, so that
// denying 127.0.0.0/8 and ::1 denies them.
func reached(a netip.Addr) []netip.Addr {
	if !a.IsUnspecified() {
		return []netip.Addr{a}
	}
	return []netip.Addr{a, netip.AddrFrom4([4]byte{127, 0, 0, 1}), netip.IPv6Loopback()}
}
