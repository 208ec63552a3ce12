package serve

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"sockit/pipe"
)

// DefaultQueueBytes is how much data a hub queues for one client, in
// bytes; a sender waits while a client's queue is full.
const DefaultQueueBytes = 1 << 20

// DefaultStall is how long a client's queue may stay full with nothing
// sent to it before the client is dropped.
const DefaultStall = 2 * time.Second

// hub is a set of connected clients that data is sent to through one
// queue per member, drained by the member's own writer goroutine. A
// sender waits while a member's queue is full, so the data moves at the
// pace of the slowest client that keeps reading; a member whose full
// queue has not moved for the stall time is dropped, so a client that
// stops reading never holds up the others for long.
type hub struct {
	o          pipe.Options // for drop events
	queueBytes int
	stall      time.Duration

	mu      sync.Mutex
	space   chan struct{} // closed (and replaced) whenever a writer frees queue space
	members map[*member]struct{}
	ended   bool          // no more data will come: new members get EOF at once
	nonzero chan struct{} // closed while the hub has members; replaced when it empties
	lastID  int
	cut     []*member // dropped under h.mu: told of and closed by unlock
}

// member is one client of a hub.
type member struct {
	c      *pipe.Conn
	name   string        // user1, user2, ... in the order they joined
	q      chan []byte   // chunks to send; closed when nothing more will come
	queued int           // bytes in q, under hub.mu
	moved  time.Time     // when the writer last sent a chunk or its empty queue got one, under hub.mu
	drop   bool          // the hub dropped the member, under hub.mu
	why    error         // why it was dropped, under hub.mu
	done   chan struct{} // closed when the writer has finished
	closed bool          // q is closed, under hub.mu
}

// newHub returns a hub; zero queueBytes and stall mean the defaults.
func newHub(o pipe.Options, queueBytes int, stall time.Duration) *hub {
	if queueBytes <= 0 {
		queueBytes = DefaultQueueBytes
	}
	if stall <= 0 {
		stall = DefaultStall
	}
	return &hub{o: o, queueBytes: queueBytes, stall: stall, members: map[*member]struct{}{},
		nonzero: make(chan struct{}), space: make(chan struct{})}
}

// join adds c and starts its writer. halfClose tells the writer to
// half-close c once the hub's data ends.
func (h *hub) join(c *pipe.Conn, halfClose bool) *member {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastID++
	m := &member{c: c, name: fmt.Sprintf("user%d", h.lastID), q: make(chan []byte, 1024), done: make(chan struct{}), moved: time.Now()}
	if len(h.members) == 0 {
		close(h.nonzero)
	}
	h.members[m] = struct{}{}
	if h.ended {
		m.closed = true
		close(m.q)
	}
	go memberWriter(h, m, halfClose)
	return m
}

// leave removes m; what is still queued for it is dropped. It waits for
// m's writer to stop.
func (h *hub) leave(m *member) {
	h.mu.Lock()
	h.remove(m)
	h.mu.Unlock()
	m.c.Close() // wakes a writer blocked on a client that does not read
	<-m.done
}

// finish removes m once the client has finished sending: what is already
// queued for it is still sent (then its writer half-closes it), as a
// single session sends input that was ready at the peer's EOF. It waits
// for the writer.
func (h *hub) finish(m *member) {
	h.mu.Lock()
	h.remove(m)
	h.mu.Unlock()
	<-m.done
}

// remove takes m out of the hub and ends its queue; h.mu is held.
func (h *hub) remove(m *member) {
	if _, ok := h.members[m]; !ok {
		return
	}
	delete(h.members, m)
	if len(h.members) == 0 {
		h.nonzero = make(chan struct{})
	}
	if !m.closed {
		m.closed = true
		close(m.q)
	}
}

// waitMembers returns a channel that is closed while the hub has members.
func (h *hub) waitMembers() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.nonzero
}

// send queues p (which it keeps: the caller must not change it) for
// every member but except. It waits while a member's queue is full, and
// drops members that stay full and stalled.
func (h *hub) send(p []byte, except *member) {
	h.mu.Lock()
	defer h.unlock()
	for h.waitForRoom(len(p), except) {
	}
	for m := range h.members {
		if m != except {
			h.enqueue(m, p)
		}
	}
}

// waitForRoom drops the members whose queue cannot take n more bytes and
// has not moved for the stall time; if others are full but moving, it
// waits (releasing h.mu) until a writer frees space or a stall time
// passes, and reports true to be called again. h.mu is held.
func (h *hub) waitForRoom(n int, except *member) bool {
	now := time.Now()
	wait := time.Duration(-1)
	for m := range h.members {
		if m == except || m.closed || m.fits(n, h.queueBytes) {
			continue
		}
		if left := h.stall - now.Sub(m.moved); left <= 0 {
			h.drop(m, fmt.Errorf("too slow: %d KiB queued and nothing sent for %v", m.queued>>10, h.stall))
		} else if wait < 0 || left < wait {
			wait = left
		}
	}
	if wait < 0 {
		return false
	}
	space := h.space
	h.unlock()
	t := time.NewTimer(wait)
	select {
	case <-space:
	case <-t.C:
	}
	t.Stop()
	h.mu.Lock()
	return true
}

// fits reports whether n more bytes fit m's queue; an empty queue takes
// any chunk.
func (m *member) fits(n, limit int) bool {
	return m.queued == 0 || (m.queued+n <= limit && len(m.q) < cap(m.q))
}

// sendTo queues p for m alone, if it fits.
func (h *hub) sendTo(m *member, p []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if m.fits(len(p), h.queueBytes) {
		h.enqueue(m, p)
	}
}

// enqueue queues p for m, which has room; h.mu is held.
func (h *hub) enqueue(m *member, p []byte) {
	if m.closed {
		return
	}
	if m.queued == 0 { // an idle writer is not a stalled one: the wait starts now
		m.moved = time.Now()
	}
	m.q <- p
	m.queued += len(p)
}

// drop cuts a member off; h.mu is held. Its drop event and the close of
// its connection wait for [hub.unlock]: an observer may call back into
// the hub, and Close may block briefly.
func (h *hub) drop(m *member, why error) {
	m.drop, m.why = true, why
	h.remove(m)
	h.cut = append(h.cut, m)
}

// unlock releases h.mu, then reports the members dropped under it and
// closes their connections (drop event first, then the close): no event
// is emitted with the lock held.
func (h *hub) unlock() {
	ms := h.cut
	h.cut = nil
	h.mu.Unlock()
	for _, m := range ms {
		h.o.OnEvent.Emit(pipe.Event{Name: pipe.EventDrop, ID: m.c.ID(), Local: m.c.LocalAddr(), Remote: m.c.RemoteAddr(), Err: m.why})
		go m.c.Close() // wakes the member's writer and handler; Close may block on a stalled peer
	}
}

// dropped reports whether the hub cut m off.
func (h *hub) dropped(m *member) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return m.drop
}

// end marks the end of the hub's data: every member's writer finishes its
// queue and half-closes.
func (h *hub) end() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ended = true
	for m := range h.members {
		if !m.closed {
			m.closed = true
			close(m.q)
		}
	}
}

// names lists the members' names but except's, in the order they joined.
func (h *hub) names(except *member) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var ns []string
	for m := range h.members {
		if m != except {
			ns = append(ns, m.name)
		}
	}
	slices.SortFunc(ns, func(a, b string) int { // user2 before user10
		return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
	})
	return ns
}

// memberWriter sends m's queue to its connection, then half-closes it if
// asked to and the connection is still healthy.
func memberWriter(h *hub, m *member, halfClose bool) {
	defer close(m.done)
	for p := range m.q {
		_, err := m.c.Write(p)
		h.mu.Lock()
		m.queued -= len(p)
		m.moved = time.Now()
		close(h.space) // wake senders waiting for room
		h.space = make(chan struct{})
		h.mu.Unlock()
		if err != nil {
			h.mu.Lock()
			h.remove(m)
			h.mu.Unlock()
			for range m.q { // let send go on without blocking
			}
			return
		}
	}
	if halfClose {
		if err := m.c.CloseWrite(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
			return
		}
	}
}
