package udp

import (
	"errors"
	"net"
	"net/netip"
	"sync"

	"golang.org/x/net/ipv4"

	"sockit/pipe"
)

// maxToldRejects bounds how many refused senders [Echo] remembers, so as
// to report each once: past it, further refused senders go unreported
// (spoofed sources must not grow the server without end).
const maxToldRejects = 4096

// gate is Echo's admission of senders: EchoOptions.Admit, with a reject
// event the first time each refused sender is seen.
type gate struct {
	admit   func(netip.Addr) (bool, string)
	onEvent pipe.Observer
	local   net.Addr
	mu      sync.Mutex
	told    map[netip.AddrPort]bool
}

// newGate is the gate of o, or nil when o admits every sender.
func newGate(o EchoOptions, local net.Addr) *gate {
	if o.Admit == nil {
		return nil
	}
	return &gate{admit: o.Admit, onEvent: o.OnEvent, local: local, told: map[netip.AddrPort]bool{}}
}

// lets reports whether m's sender may have its datagram back; nil lets
// every sender.
func (g *gate) lets(m *ipv4.Message) bool {
	if g == nil {
		return true
	}
	ua, ok := m.Addr.(*net.UDPAddr)
	if !ok {
		return false
	}
	ip, ok := netip.AddrFromSlice(ua.IP)
	if !ok {
		return false
	}
	ok, why := g.admit(ip)
	if !ok {
		g.refused(ua, netip.AddrPortFrom(ip, uint16(ua.Port)), why)
	}
	return ok
}

// refused reports sender's first refused datagram as a reject event.
func (g *gate) refused(ua *net.UDPAddr, sender netip.AddrPort, why string) {
	if g.onEvent == nil {
		return
	}
	g.mu.Lock()
	first := !g.told[sender] && len(g.told) < maxToldRejects
	if first {
		g.told[sender] = true
	}
	g.mu.Unlock()
	if first {
		g.onEvent.Emit(pipe.Event{Name: pipe.EventReject, Local: g.local, Remote: ua, Err: errors.New(why)})
	}
}
