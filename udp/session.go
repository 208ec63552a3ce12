package udp

// The session table of a UDP server (listen -u -k, relay): one
// unconnected socket's datagrams sorted by peer in user space.

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"sockit/pipe"
)

// DefaultSessionTimeout is how long a session lives without a datagram
// from its peer when [SessionOptions.Timeout] is zero.
const DefaultSessionTimeout = 60 * time.Second

// SessionOptions are the rules of a session table. The zero value keeps
// a session for [DefaultSessionTimeout] after its peer's last datagram,
// admits every peer and any number of sessions at once, and reports no
// events.
type SessionOptions struct {
	// Timeout ends a session once no datagram has come from its peer
	// for this long. Zero means [DefaultSessionTimeout]; negative, that
	// sessions never time out.
	Timeout time.Duration
	// MaxSessions is how many sessions may be live at once; a datagram
	// from a new peer beyond it is dropped with a reject event. Zero
	// means no limit.
	MaxSessions int
	// Admit, when not nil, is asked about each new peer before its
	// first datagram is used; a peer it refuses has its datagram
	// dropped with a reject event giving why.
	Admit func(peer netip.AddrPort) (ok bool, why string)
	// Local is the address events name as the local one.
	Local net.Addr
	// OnEvent receives the connection, reject, error and close events.
	OnEvent pipe.Observer
}

// SessionLimitError is the why of a datagram dropped because
// [SessionOptions.MaxSessions] sessions were live already.
type SessionLimitError struct{ MaxSessions int }

func (e *SessionLimitError) Error() string {
	return "too many sessions (at most " + strconv.Itoa(e.MaxSessions) + " at once)"
}

// Session is one peer (address and port) of a UDP server, from its
// first datagram until it times out or its user ends it. It costs its
// table about 200 bytes: no goroutine and no buffer of its own.
type Session struct {
	t    *Table
	peer netip.AddrPort
	id   int64

	// Under t.mu:
	start, last time.Duration // since t.epoch
	prev, next  *Session      // t's list of live sessions, least recently heard first
	live        bool          // in t.peers and the list
	holds       int32         // users that must let go before the close event
	upstream    net.Addr      // for the events of a relay
	onEnd       func()        // called once the session leaves the table
	user        any           // what the server keeps for the session (a program's conn)

	dgIn, bytesIn   int64 // under t.mu
	dgOut, bytesOut atomic.Int64
}

// Peer is the session's peer.
func (s *Session) Peer() netip.AddrPort { return s.peer }

// ID is the session's number (see [NextID]); events and hex dumps name
// the session by it.
func (s *Session) ID() int64 { return s.id }

// Sent counts a datagram of n bytes sent to the peer.
func (s *Session) Sent(n int) {
	s.dgOut.Add(1)
	s.bytesOut.Add(int64(n))
}

// Table sorts datagrams into sessions by peer and ends the sessions
// that time out. Its methods may be called from several goroutines.
type Table struct {
	o       SessionOptions
	timeout time.Duration
	epoch   time.Time
	now     func() time.Duration // since epoch; tests replace it

	mu         sync.Mutex
	peers      map[netip.AddrPort]*Session
	peak       int         // the most peers since the map was made
	head, tail *Session    // live sessions, least recently heard first
	open       int         // live sessions and ended ones still held
	timer      *time.Timer // fires at head's deadline; nil when idle
	due        time.Duration
	someone    chan struct{} // closed while a session is live
	closed     bool

	told toldPeers // the refused peers a reject event has named
}

// NewTable returns an empty table with the rules of o.
func NewTable(o SessionOptions) *Table {
	t := &Table{o: o, timeout: o.Timeout, epoch: time.Now(), peers: map[netip.AddrPort]*Session{}, someone: make(chan struct{})}
	if t.timeout == 0 {
		t.timeout = DefaultSessionTimeout
	}
	t.now = func() time.Duration { return time.Since(t.epoch) }
	return t
}

// errTableClosed refuses datagrams that arrive after Close.
var errTableClosed = errors.New("session table closed")

// Receive counts a datagram of n bytes from peer in its session and
// returns the session, and whether the datagram began it. A new
// session is reported by [Table.Announce] once its user has set it up
// (or ended by [Table.End]). A datagram from a peer that may not begin
// a session (Admit, MaxSessions) is reported as a reject event, and
// Receive returns nil.
func (t *Table) Receive(peer netip.AddrPort, n int) (s *Session, fresh bool) {
	peer = netip.AddrPortFrom(peer.Addr().Unmap(), peer.Port())
	t.mu.Lock()
	if s = t.peers[peer]; s != nil {
		t.touch(s, n)
		t.mu.Unlock()
		return s, false
	}
	t.mu.Unlock()
	if t.o.Admit != nil { // outside the lock: it may be slow
		if ok, why := t.o.Admit(peer); !ok {
			t.reject(peer, errors.New(why))
			return nil, false
		}
	}
	t.mu.Lock()
	if s = t.peers[peer]; s != nil { // begun meanwhile: the reader is not alone
		t.touch(s, n)
		t.mu.Unlock()
		return s, false
	}
	var why error
	switch {
	case t.closed:
		why = errTableClosed
	case t.o.MaxSessions > 0 && t.open >= t.o.MaxSessions:
		why = &SessionLimitError{MaxSessions: t.o.MaxSessions}
	}
	if why != nil {
		t.mu.Unlock()
		t.reject(peer, why)
		return nil, false
	}
	now := t.now()
	s = &Session{t: t, peer: peer, id: NextID(), start: now, last: now, live: true}
	t.peers[peer] = s
	t.peak = max(t.peak, len(t.peers))
	t.open++
	if t.head == nil {
		close(t.someone)
	}
	t.push(s)
	t.touch(s, n)
	t.arm()
	t.mu.Unlock()
	t.told.forget(peer)
	return s, true
}

// touch counts a datagram of n bytes from s's peer and moves s to the
// back of the list. t.mu is held.
func (t *Table) touch(s *Session, n int) {
	s.dgIn++
	s.bytesIn += int64(n)
	s.last = t.now()
	if t.tail != s {
		t.unlink(s)
		t.push(s)
	}
}

// push appends s to the list. t.mu is held.
func (t *Table) push(s *Session) {
	s.prev, s.next = t.tail, nil
	if t.tail != nil {
		t.tail.next = s
	} else {
		t.head = s
	}
	t.tail = s
}

// unlink takes s out of the list. t.mu is held.
func (t *Table) unlink(s *Session) {
	if s.prev != nil {
		s.prev.next = s.next
	} else {
		t.head = s.next
	}
	if s.next != nil {
		s.next.prev = s.prev
	} else {
		t.tail = s.prev
	}
	s.prev, s.next = nil, nil
}

// Announce reports s's connection event, naming upstream (a relay's)
// when not nil.
func (t *Table) Announce(s *Session, upstream net.Addr) {
	t.mu.Lock()
	s.upstream = upstream
	open := t.open
	t.mu.Unlock()
	t.o.OnEvent.Emit(pipe.Event{Name: pipe.EventConnection, ID: s.id, Local: t.o.Local, Remote: udpAddr(s.peer), Upstream: upstream, Open: open, Datagrams: true})
}

// reject reports a datagram from peer that begins no session, the
// first of each such peer's (see toldPeers).
func (t *Table) reject(peer netip.AddrPort, why error) {
	if t.o.OnEvent == nil || !t.told.first(peer) {
		return
	}
	t.o.OnEvent.Emit(pipe.Event{Name: pipe.EventReject, Local: t.o.Local, Remote: udpAddr(peer), Err: why, Datagrams: true})
}

// Live returns the sessions live now, least recently heard first.
func (t *Table) Live() []*Session {
	t.mu.Lock()
	defer t.mu.Unlock()
	ss := make([]*Session, 0, len(t.peers))
	for s := t.head; s != nil; s = s.next {
		ss = append(ss, s)
	}
	return ss
}

// Len is the number of live sessions.
func (t *Table) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.peers)
}

// waitLive returns a channel closed while at least one session is
// live (at once if one is now).
func (t *Table) waitLive() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.someone
}

// udpAddr is peer as the net.Addr events carry.
func udpAddr(peer netip.AddrPort) net.Addr { return net.UDPAddrFromAddrPort(peer) }
