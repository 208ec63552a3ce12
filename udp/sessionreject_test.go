package udp

import (
	"net/netip"
	"testing"

	"sockit/pipe"
)

// TestTableRejectsOncePerPeer: a refused peer that keeps sending is
// reported once, not once per datagram (a flood is not a flood of
// events); a peer admitted in between is reported again when refused
// again; and the peers remembered are bounded.
func TestTableRejectsOncePerPeer(t *testing.T) {
	ev := newEvents()
	tab, _ := clockedTable(SessionOptions{MaxSessions: 1, OnEvent: ev.observe})
	a, _ := tab.Receive(peer(1), 1)
	for range 100 {
		tab.Receive(peer(2), 1)
	}
	tab.Receive(peer(3), 1)
	if rej := ev.named(pipe.EventReject); len(rej) != 2 || rej[0].Remote.String() != "127.0.0.2:1002" || rej[1].Remote.String() != "127.0.0.3:1003" {
		t.Fatalf("%d reject events %+v: want one for each refused peer", len(rej), rej)
	}
	tab.End(a, nil)
	b, _ := tab.Receive(peer(2), 1)
	if b == nil {
		t.Fatal("no session for a peer once there was room")
	}
	tab.End(b, nil)
	tab.Receive(peer(4), 1)
	tab.Receive(peer(2), 1)
	if rej := ev.named(pipe.EventReject); len(rej) != 3 || rej[2].Remote.String() != "127.0.0.2:1002" {
		t.Fatalf("reject events %+v: want the peer refused again after its session reported again", rej)
	}

	var told int
	admitNone, _ := clockedTable(SessionOptions{
		Admit:   func(netip.AddrPort) (bool, string) { return false, "no" },
		OnEvent: func(pipe.Event) { told++ },
	})
	for i := range 3 * maxToldRejects {
		admitNone.Receive(netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 1), 1)
	}
	if n := admitNone.told.len(); n > maxToldRejects || told != 3*maxToldRejects {
		t.Fatalf("%d refused peers remembered, %d told: want at most %d, and every new peer told", n, told, maxToldRejects)
	}
}
