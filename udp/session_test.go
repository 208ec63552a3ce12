package udp

import (
	"errors"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sockit/pipe"
)

// events records a table's events by name, and passes each on c
// (while c has room).
type events struct {
	mu     sync.Mutex
	byName map[string][]pipe.Event
	c      chan pipe.Event
}

func newEvents() *events {
	return &events{byName: map[string][]pipe.Event{}, c: make(chan pipe.Event, 1000)}
}

func (e *events) observe(ev pipe.Event) {
	e.mu.Lock()
	e.byName[ev.Name] = append(e.byName[ev.Name], ev)
	e.mu.Unlock()
	select {
	case e.c <- ev:
	default:
	}
}

// named returns the events called name so far.
func (e *events) named(name string) []pipe.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.byName[name])
}

// fakeClock is a table clock the test moves.
type fakeClock struct{ now atomic.Int64 }

func (c *fakeClock) get() time.Duration  { return time.Duration(c.now.Load()) }
func (c *fakeClock) add(d time.Duration) { c.now.Add(int64(d)) }

// clockedTable is a table on a fake clock; the real timer never fires
// within a test (an hour's timeout), so the test ends sessions with
// expireNow.
func clockedTable(o SessionOptions) (*Table, *fakeClock) {
	if o.Timeout == 0 {
		o.Timeout = time.Hour
	}
	t := NewTable(o)
	c := &fakeClock{}
	t.now = c.get
	return t, c
}

// expireNow ends what has timed out by t's clock, as the timer would.
func expireNow(t *Table) {
	t.mu.Lock()
	gone := t.expire(t.now())
	t.mu.Unlock()
	for _, s := range gone {
		t.ended(s)
	}
}

func peer(i int) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, byte(i >> 8), byte(i)}), uint16(1000+i))
}

func TestTableSortsByPeerAndCounts(t *testing.T) {
	ev := newEvents()
	tab, clock := clockedTable(SessionOptions{OnEvent: ev.observe})
	a, fresh := tab.Receive(peer(1), 10)
	if a == nil || !fresh {
		t.Fatalf("first datagram: session %v fresh %v", a, fresh)
	}
	tab.Announce(a, nil)
	b, fresh := tab.Receive(peer(2), 3)
	if !fresh || b == a {
		t.Fatal("a second peer shares the first one's session")
	}
	// the same address on another port is another peer; a v4-mapped
	// address is the v4 one
	mapped := netip.AddrPortFrom(netip.AddrFrom16(peer(1).Addr().As16()), peer(1).Port())
	if again, fresh := tab.Receive(mapped, 5); again != a || fresh {
		t.Fatalf("a datagram from %v did not join the session of %v", mapped, peer(1))
	}
	other := netip.AddrPortFrom(peer(1).Addr(), 9)
	if s, _ := tab.Receive(other, 1); s == a {
		t.Fatal("another port joined the session")
	}
	a.Sent(7)
	a.Sent(0)
	clock.add(time.Second)
	tab.End(a, nil)
	closes := ev.named(pipe.EventClose)
	if len(closes) != 1 {
		t.Fatalf("%d close events, want 1", len(closes))
	}
	c := closes[0]
	if c.ID != a.ID() || c.DatagramsIn != 2 || c.BytesIn != 15 || c.DatagramsOut != 2 || c.BytesOut != 7 || c.Duration != time.Second {
		t.Errorf("close event %+v: want id %d, 2 datagrams (15 B) in, 2 (7 B) out, 1s", c, a.ID())
	}
	if conns := ev.named(pipe.EventConnection); len(conns) != 1 || conns[0].Open != 1 {
		t.Errorf("connection events %+v, want one with 1 open", conns)
	}
	if s, fresh := tab.Receive(peer(1), 1); !fresh || s.ID() <= b.ID() {
		t.Error("a datagram after End did not begin a new session")
	}
}

func TestTableExpiresIdleSessions(t *testing.T) {
	ev := newEvents()
	tab, clock := clockedTable(SessionOptions{Timeout: 300 * time.Millisecond, OnEvent: ev.observe})
	a, _ := tab.Receive(peer(1), 1)
	ended := false
	a.OnEnd(func() { ended = true })
	clock.add(200 * time.Millisecond)
	b, _ := tab.Receive(peer(2), 1)
	clock.add(200 * time.Millisecond)
	tab.Receive(peer(2), 1) // b is heard again: it lives on
	expireNow(tab)
	if !ended || tab.Len() != 1 || tab.Live()[0] != b {
		t.Fatalf("after 400ms: a ended %v, live %v; want only b", ended, tab.Live())
	}
	clock.add(299 * time.Millisecond)
	expireNow(tab)
	if tab.Len() != 1 {
		t.Fatal("b ended before its timeout")
	}
	clock.add(time.Millisecond)
	expireNow(tab)
	if tab.Len() != 0 {
		t.Fatal("b outlived its timeout")
	}
	closes := ev.named(pipe.EventClose)
	if len(closes) != 2 || closes[0].ID != a.ID() || closes[1].Duration != 500*time.Millisecond || closes[1].DatagramsIn != 2 {
		t.Errorf("close events %+v", closes)
	}
}

func TestTableTimerEndsSessions(t *testing.T) {
	ev := newEvents()
	tab := NewTable(SessionOptions{Timeout: 50 * time.Millisecond, OnEvent: ev.observe})
	defer tab.Close()
	tab.Receive(peer(1), 1)
	tab.Receive(peer(2), 1)
	for range 2 {
		select {
		case e := <-ev.c:
			if e.Name != pipe.EventClose {
				t.Fatalf("event %s, want close", e.Name)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no close event 10s after a 50ms timeout")
		}
	}
	if tab.Len() != 0 {
		t.Fatal("sessions left after their close events")
	}
	// the timer is armed again for later sessions
	tab.Receive(peer(3), 1)
	select {
	case <-ev.c:
	case <-time.After(10 * time.Second):
		t.Fatal("a session begun after the table emptied never timed out")
	}
}

func TestTableCapsSessions(t *testing.T) {
	ev := newEvents()
	tab, clock := clockedTable(SessionOptions{MaxSessions: 2, Timeout: time.Second, OnEvent: ev.observe})
	a, _ := tab.Receive(peer(1), 1)
	tab.Receive(peer(2), 1)
	if s, _ := tab.Receive(peer(3), 1); s != nil {
		t.Fatal("a third session beyond MaxSessions 2")
	}
	rej := ev.named(pipe.EventReject)
	var le *SessionLimitError
	if len(rej) != 1 || !errors.As(rej[0].Err, &le) || le.MaxSessions != 2 || rej[0].Remote.String() != "127.0.0.3:1003" {
		t.Fatalf("reject events %+v", rej)
	}
	if s, _ := tab.Receive(peer(1), 1); s != a {
		t.Fatal("a live session's peer was refused at the cap")
	}
	// a held session keeps its place after it leaves the table
	a.Hold()
	tab.End(a, nil)
	if s, _ := tab.Receive(peer(3), 1); s != nil {
		t.Fatal("a held session's place was given away")
	}
	if len(ev.named(pipe.EventClose)) != 0 {
		t.Fatal("close event before the hold was released")
	}
	a.Release()
	if len(ev.named(pipe.EventClose)) != 1 {
		t.Fatal("no close event at the release")
	}
	if s, _ := tab.Receive(peer(3), 1); s == nil {
		t.Fatal("no place after a session ended")
	}
	clock.add(time.Second)
	expireNow(tab)
	if s, _ := tab.Receive(peer(4), 1); s == nil {
		t.Fatal("no place after the sessions timed out")
	}
}

func TestTableAdmits(t *testing.T) {
	ev := newEvents()
	tab, _ := clockedTable(SessionOptions{OnEvent: ev.observe, Admit: func(p netip.AddrPort) (bool, string) {
		return p.Port()%2 == 0, "odd port"
	}})
	if s, _ := tab.Receive(peer(1), 1); s != nil {
		t.Fatal("a refused peer got a session")
	}
	if s, _ := tab.Receive(peer(2), 1); s == nil {
		t.Fatal("an admitted peer got none")
	}
	if rej := ev.named(pipe.EventReject); len(rej) != 1 || rej[0].Err.Error() != "odd port" {
		t.Fatalf("reject events %+v", rej)
	}
}

func TestTableClose(t *testing.T) {
	ev := newEvents()
	tab, _ := clockedTable(SessionOptions{OnEvent: ev.observe})
	a, _ := tab.Receive(peer(1), 1)
	ends := 0
	a.OnEnd(func() { ends++ })
	tab.Receive(peer(2), 1)
	tab.Close()
	tab.End(a, nil) // a second end does nothing
	if ends != 1 || len(ev.named(pipe.EventClose)) != 2 {
		t.Fatalf("after Close: OnEnd ran %d times, %d close events", ends, len(ev.named(pipe.EventClose)))
	}
	if s, _ := tab.Receive(peer(3), 1); s != nil {
		t.Fatal("a closed table began a session")
	}
	called := false
	a.OnEnd(func() { called = true })
	if !called {
		t.Fatal("OnEnd on an ended session did not run at once")
	}
}

// sessionsForMemory is how many sessions the memory measurements hold,
// the number the target names.
const sessionsForMemory = 10000

// heapInUse is the live heap after a collection. It collects twice: what
// earlier tests left in a sync.Pool (x/net's batch buffers, echo -u's)
// survives one collection in the pool's victim cache, and would be freed
// in the middle of a measurement.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestSessionMemory holds 10,000 idle sessions and checks what each
// costs (at most 4 KiB, the target for listen -u -k; it is about 300
// bytes), then lets them time out and checks that the memory is freed.
func TestSessionMemory(t *testing.T) {
	before := heapInUse()
	tab, clock := clockedTable(SessionOptions{Timeout: time.Minute})
	for i := range sessionsForMemory {
		tab.Receive(peer(i), 64)
	}
	held := heapInUse()
	per := float64(int64(held)-int64(before)) / sessionsForMemory
	t.Logf("%.0f bytes per idle session (heap, %d sessions)", per, sessionsForMemory)
	if per > 4096 {
		t.Errorf("%.0f bytes per idle session, want at most 4096", per)
	}
	clock.add(time.Minute)
	expireNow(tab)
	after := heapInUse()
	if tab.Len() != 0 {
		t.Fatalf("%d sessions left after the timeout", tab.Len())
	}
	left := float64(int64(after)-int64(before)) / sessionsForMemory
	t.Logf("%.0f bytes per session left after they timed out", left)
	if left > per/4 {
		t.Errorf("%.0f of %.0f bytes per session still held after they timed out", left, per)
	}
	runtime.KeepAlive(tab)
}

// BenchmarkSessions reports the heap each idle session holds in a
// table of 10,000 (bytes/session) and the cost of a datagram sorted
// into its session.
func BenchmarkSessions(b *testing.B) {
	before := heapInUse()
	tab, _ := clockedTable(SessionOptions{Timeout: time.Minute})
	for i := range sessionsForMemory {
		tab.Receive(peer(i), 64)
	}
	b.ReportMetric(float64(heapInUse()-before)/sessionsForMemory, "bytes/session")
	b.ResetTimer()
	for i := range b.N {
		tab.Receive(peer(i%sessionsForMemory), 64)
	}
}
