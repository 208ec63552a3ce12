package udp

// relay udp:FROM udp:TO: every client (peer of FROM) gets a connected
// socket of its own to an upstream, and the replies that come back on
// it go to that client alone.

import (
	"context"
	"errors"
	"net"
	"sync"
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
			ss.user = up
			ss.Hold()
			ss.OnEnd(func() { up.Close() })
			s.table.Announce(ss, up.RemoteAddr())
			wg.Add(1)
			go s.relayReplies(ss, up, &wg)
		}
		up, ok := ss.user.(*net.UDPConn)
		if !ok {
			return nil // its dial failed: the session has ended
		}
		if _, err := up.Write(p); err != nil && !errors.Is(err, net.ErrClosed) {
			s.table.emitError(ss, upstreamErr(up, err))
		}
		return nil
	})
}

// relayReplies sends what comes back on up to ss's client until up is
// closed (the session ended).
func (s *Server) relayReplies(ss *Session, up *net.UDPConn, wg *sync.WaitGroup) {
	defer wg.Done()
	defer ss.Release()
	err := readDatagrams(up, func(p []byte) {
		if err := s.send(ss, p); err != nil && !errors.Is(err, net.ErrClosed) {
			s.table.emitError(ss, err)
		}
	}, func(err error) { s.table.emitError(ss, upstreamErr(up, err)) })
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
