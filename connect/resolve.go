package connect

import (
	"context"
	"net"
	"net/netip"
	"strings"

	"sockit/addr"
	"sockit/pipe"
)

// Resolve returns the addresses of host in the order [Dialer.Dial] tries
// them, restricted to family: an IP literal is itself (with its zone),
// a name is what the system resolver answers (sorted as RFC 6724 says).
// A name's answer is reported to on as a lookup event.
func Resolve(ctx context.Context, family addr.Family, host string, on pipe.Observer) ([]net.IPAddr, error) {
	network := addr.Addr{Family: family}.Network()
	return Dialer{Socket: pipe.Options{OnEvent: on}}.lookup(ctx, network, host)
}

// Reverse returns the names the PTR records of ip give, without their
// final dot.
func Reverse(ctx context.Context, ip netip.Addr) ([]string, error) {
	names, err := net.DefaultResolver.LookupAddr(ctx, ip.String())
	for i, n := range names {
		names[i] = strings.TrimSuffix(n, ".")
	}
	return names, err
}
