package udp

import (
	"net/netip"
	"sync"
)

// toldPeers remembers the peers a reject event has named, so that a
// refused peer that keeps sending is reported once rather than once a
// datagram. It holds at most [maxToldRejects] peers: past that it
// forgets them all and starts again, so that spoofed sources cannot grow
// it without end (a peer may then be reported again). The zero value is
// empty and ready.
type toldPeers struct {
	mu   sync.Mutex
	seen map[netip.AddrPort]bool
}

// first reports whether peer has not been told of since it was last
// forgotten, and remembers it.
func (p *toldPeers) first(peer netip.AddrPort) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.seen[peer] {
		return false
	}
	if p.seen == nil || len(p.seen) >= maxToldRejects {
		p.seen = map[netip.AddrPort]bool{}
	}
	p.seen[peer] = true
	return true
}

// forget drops peer (it began a session), so that a later refusal is
// reported again.
func (p *toldPeers) forget(peer netip.AddrPort) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.seen, peer)
}

// len is how many peers are remembered.
func (p *toldPeers) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.seen)
}
