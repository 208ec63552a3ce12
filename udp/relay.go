package udp

// relay udp:FROM udp:TO: every client (peer of FROM) gets a connected
// socket of its own to an upstream, and the replies that come back on
// it go to that client alone.

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
)

// Relay serves each session with a socket of its own to an upstream,
// opened by dial when the session's first datagram comes, until ctx
// ends: the client's datagrams are sent on it as they came, and every
// datagram that comes back on it is sent to the client. The upstream
// socket is closed when the session times out. A failed dial drops the
// datagram and ends the session at once, with an error event (the
// client's next datagram dials again).
func (s *Server) Relay(ctx context.Context, dial func(ctx context.Context) (*net.UDPConn, error)) error {
	s.start()
	var wg sync.WaitGroup
	defer wg.Wait()
	return s.serve(ctx, func(ss *Session, fresh bool, p []byte) error {
		if fresh {
			up, err := dial(ctx)
			if err != nil { // reported as a session with no upstream
				s.table.Announce(ss, nil)
				s.table.End(ss, err)
				return nil
			}
			u := &upstream{conn: up}
			ss.user = u
			ss.Hold()
			ss.OnEnd(func() { up.Close() })
			s.table.Announce(ss, up.RemoteAddr())
			wg.Add(1)
			go s.relayReplies(ss, u, &wg)
		}
		u, ok := ss.user.(*upstream)
		if !ok {
			return nil // its dial failed: the session has ended
		}
		if _, err := u.conn.Write(p); err != nil && !errors.Is(err, net.ErrClosed) && u.tell(err) {
			s.table.emitError(ss, upstreamErr(u.conn, err))
		}
		return nil
	})
}

// upstream is a relay session's socket to its upstream.
type upstream struct {
	conn    *net.UDPConn
	refused atomic.Bool // a refusal was reported, and no reply has come since
}

// tell reports whether err deserves an error event: a refusal (ICMP
// port unreachable) does once until a reply comes, so that a client
// that keeps sending to a closed port is not a flood of events.
func (u *upstream) tell(err error) bool {
	return !errors.Is(err, syscall.ECONNREFUSED) || !u.refused.Swap(true)
}

// relayReplies sends what comes back on u to ss's client until u is
// closed (the session ended).
func (s *Server) relayReplies(ss *Session, u *upstream, wg *sync.WaitGroup) {
	defer wg.Done()
	defer ss.Release()
	err := readDatagrams(u.conn, func(p []byte) {
		u.refused.Store(false)
		if err := s.send(ss, p); err != nil && !errors.Is(err, net.ErrClosed) {
			s.table.emitError(ss, err)
		}
	}, func(err error) {
		if u.tell(err) {
			s.table.emitError(ss, upstreamErr(u.conn, err))
		}
	})
	if err != nil && !errors.Is(err, net.ErrClosed) {
		s.table.End(ss, err)
	}
}

// upstreamErr names an ICMP port unreachable after the upstream that
// sent it: for one datagram the session goes on (the next may find the
// port open).
func upstreamErr(up *net.UDPConn, err error) error {
	if errors.Is(err, syscall.ECONNREFUSED) {
		return &RefusedError{Peer: up.RemoteAddr(), Err: err}
	}
	return err
}
