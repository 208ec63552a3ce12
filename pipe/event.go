package pipe

import (
	"net"
	"time"
)

// Event names, after Node's net events. Every event carries Time; the
// fields each one fills are listed beside it.
const (
	EventListening  = "listening"  // Local
	EventLookup     = "lookup"     // Host, Addrs
	EventConnect    = "connect"    // ID, Local, Remote, Attempt: we dialled and connected
	EventProxy      = "proxy"      // Host (the proxy, a URL without credentials), Remote (the first proxy's address), Detail (the host:port asked for), Attempt (the hop, from 1): a proxy opened a tunnel
	EventRetry      = "retry"      // the address dialled (as Host), Attempt, Err, Duration (the wait)
	EventReconnect  = "reconnect"  // Host, Attempt (failed dials in a row), Err (why the last ended), Unsent, Duration (the wait)
	EventConnection = "connection" // ID, Local, Remote, Open, Peer, Upstream (relay): a listener accepted
	EventReject     = "reject"     // Local, Remote, Peer, Err (why): closed before reading a byte
	EventDrop       = "drop"       // ID, Local, Remote, Err (why): a server cut a client off
	EventTLS        = "tls"        // Local, Remote, Peer (version, suite, ALPN, peer certificate)
	EventEnd        = "end"        // ID, Local, Remote: the peer half-closed
	EventTimeout    = "timeout"    // ID, Local, Remote, Duration (the idle time)
	EventError      = "error"      // ID, Local, Remote, Err
	EventClose      = "close"      // ID, Local, Remote, BytesIn, BytesOut, Duration; UDP: Datagrams, DatagramsIn, DatagramsOut
	EventTransfer   = "transfer"   // Detail: a file transfer's step
	EventRequest    = "request"    // ID, Local, Remote (the client), Proto, Host (the target), Peer (the user), Upstream, Result, Err, BytesIn (client to target), BytesOut (target to client), Duration: a proxy request ended
)

// Event is one thing that happened on a listener or a connection, for the
// -v output. Fields that do not apply to the event are zero.
type Event struct {
	Name     string
	Time     time.Time
	ID       int64 // the connection's [Conn.ID]; 0 when none
	Local    net.Addr
	Remote   net.Addr
	Host     string        // the name looked up or dialled
	Peer     string        // more about the peer (a Unix peer's pid, uid, gid)
	Addrs    []string      // lookup results
	Attempt  int           // 1 for the first dial
	Open     int           // open connections, this one included
	Upstream net.Addr      // where a relay forwards the connection; nil when none
	BytesIn  int64         // bytes read from the peer
	BytesOut int64         // bytes written to the peer
	Duration time.Duration // connection lifetime, idle time or retry wait
	Detail   string        // what a transfer event says
	Unsent   int64         // input taken by a connection that ended but never written to it
	Proto    string        // a proxy request's protocol: socks5, socks4, socks4a, http
	Result   string        // how a proxy request ended: ok, denied, failed, ...
	Err      error

	// Datagrams marks an event of a UDP session, whose close event
	// counts datagrams too: DatagramsIn received, DatagramsOut sent
	// (empty ones included).
	Datagrams    bool
	DatagramsIn  int64
	DatagramsOut int64
}

// Observer receives events. It may be called from several goroutines at
// once and must not block for long.
type Observer func(Event)

// Emit calls o with e, stamping e.Time; a nil Observer does nothing.
func (o Observer) Emit(e Event) {
	if o == nil {
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	o(e)
}
