package udp

// The end of sessions: their users' holds, the timeout (kept by one
// timer for the whole table) and the table's Close.

import (
	"net/netip"
	"time"

	"sockit/pipe"
)

// arm starts the timer for the deadline of the least recently heard
// session, unless it runs already. A timer that fires for a session
// heard from since finds nothing to end and is armed again for the new
// first one, so a datagram never touches the timer. t.mu is held.
func (t *Table) arm() {
	if t.timer != nil || t.head == nil || t.closed || t.timeout < 0 {
		return
	}
	d := t.head.last + t.timeout - t.now()
	t.timer = time.AfterFunc(max(d, 0), t.tick)
}

// tick ends the sessions that timed out and arms the timer again.
func (t *Table) tick() {
	t.mu.Lock()
	t.timer = nil
	gone := t.expire(t.now())
	t.arm()
	t.mu.Unlock()
	for _, s := range gone {
		t.ended(s)
	}
}

// expire takes out of the table the sessions not heard from for the
// timeout at now and returns them, oldest first. t.mu is held.
func (t *Table) expire(now time.Duration) []*Session {
	var gone []*Session
	for s := t.head; s != nil && now-s.last >= t.timeout; s = t.head {
		t.leave(s)
		gone = append(gone, s)
	}
	return gone
}

// Close ends every session (each one's OnEnd, then its close event once
// released) and refuses new ones.
func (t *Table) Close() {
	t.mu.Lock()
	t.closed = true
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
	var gone []*Session
	for s := t.head; s != nil; s = t.head {
		t.leave(s)
		gone = append(gone, s)
	}
	t.mu.Unlock()
	for _, s := range gone {
		t.ended(s)
	}
}

// OnEnd sets what to do when s leaves the table (it times out, or End
// ends it): close its upstream, end its program's input. f runs once,
// without the table's lock; when s has left already it runs at once.
func (s *Session) OnEnd(f func()) {
	t := s.t
	t.mu.Lock()
	live := s.live
	if live {
		s.onEnd = f
	}
	t.mu.Unlock()
	if !live {
		f()
	}
}

// Hold keeps s's close event (and its place under MaxSessions) until
// the matching Release: a user that still sends for s after it left
// the table (a program finishing its output) holds it.
func (s *Session) Hold() {
	s.t.mu.Lock()
	s.holds++
	s.t.mu.Unlock()
}

// Release lets go of a Hold; the last one of a session that has left
// the table reports its close event.
func (s *Session) Release() {
	t := s.t
	t.mu.Lock()
	s.holds--
	done := s.holds == 0 && !s.live
	t.mu.Unlock()
	if done {
		t.finish(s)
	}
}

// End takes s out of the table at once (its user is done with it): a
// later datagram from its peer begins a new session. err, when not nil,
// is reported as an error event first.
func (t *Table) End(s *Session, err error) {
	if err != nil {
		t.emitError(s, err)
	}
	t.mu.Lock()
	ended := t.leave(s)
	t.mu.Unlock()
	if ended {
		t.ended(s)
	}
}

// leave takes s out of the peers and the list; false when it had left
// already. t.mu is held.
func (t *Table) leave(s *Session) bool {
	if !s.live {
		return false
	}
	s.live = false
	delete(t.peers, s.peer)
	t.shrink()
	t.unlink(s)
	if t.head == nil {
		t.someone = make(chan struct{})
	}
	return true
}

// ended runs s's OnEnd and, unless s is held, reports its close.
func (t *Table) ended(s *Session) {
	t.mu.Lock()
	f, held := s.onEnd, s.holds > 0
	s.onEnd = nil
	t.mu.Unlock()
	if f != nil {
		f()
	}
	if !held {
		t.finish(s)
	}
}

// finish frees s's place and reports its close event.
func (t *Table) finish(s *Session) {
	t.mu.Lock()
	t.open--
	dgIn, bytesIn, lifetime := s.dgIn, s.bytesIn, t.now()-s.start
	t.mu.Unlock()
	t.o.OnEvent.Emit(pipe.Event{
		Name: pipe.EventClose, ID: s.id, Local: t.o.Local, Remote: udpAddr(s.peer), Upstream: s.upstream,
		BytesIn: bytesIn, BytesOut: s.bytesOut.Load(), DatagramsIn: dgIn, DatagramsOut: s.dgOut.Load(),
		Duration: lifetime, Datagrams: true,
	})
}

// shrink moves the peers to a new map once they are a quarter of what
// the map held at its largest: a Go map never gives back the room it
// grew to, and sessions that end must free their memory. t.mu is held.
func (t *Table) shrink() {
	n := len(t.peers)
	if t.peak < 1024 || n > t.peak/4 {
		return
	}
	peers := make(map[netip.AddrPort]*Session, n)
	for p, s := range t.peers {
		peers[p] = s
	}
	t.peers, t.peak = peers, n
}
