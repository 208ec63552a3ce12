package udp

// listen -u -k: every peer of one unconnected socket is a session;
// their datagrams go to one output, the input to all of them, or each
// session gets a program of its own.

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"sockit/pipe"
)

// recvBufSize is a buffer that never cuts a datagram: the largest UDP
// payload (65,527 bytes over IPv6) rounded up.
const recvBufSize = 64 << 10

// Server serves the peers of one unconnected UDP socket as sessions,
// sorted by peer address and port in user space (listen -u -k, relay
// udp:). The zero value is not usable: Conn must be set.
type Server struct {
	// Conn is the socket; Server closes it when it returns.
	Conn *net.UDPConn
	// Sessions are the table's rules (timeout, cap, admission, events).
	Sessions SessionOptions
	// DatagramSize is the most bytes one datagram sent carries; zero
	// means [DefaultDatagramSize].
	DatagramSize int
	// Lines sends each line of the input (up to DatagramSize bytes) as
	// a datagram, as [JoinOptions.Lines] does (a terminal on stdin).
	Lines bool
	// Tap, when not nil, sees every datagram, In from a peer and Out to
	// it, under its session's ID.
	Tap pipe.Tap
	// ProgramGrace is how long a session's program may run on after
	// its session timed out (its stdin is closed then) before it is
	// stopped as at shutdown. Zero means 2s.
	ProgramGrace time.Duration

	table *Table
}

// Fanout serves the sessions until ctx ends: every datagram from any
// peer is written to out in one Write, as it came, and each read of in
// (of at most DatagramSize bytes; each line with Lines) is sent as one
// datagram to every live session. in is read only while a session is live, and not at all
// when nil; its end stops the sending, not the server. Fanout returns
// ctx's cause, or the error that stopped it (a failed write to out).
func (s *Server) Fanout(ctx context.Context, in io.Reader, out io.Writer) error {
	s.start()
	if in != nil {
		go s.sendInput(ctx, in)
	}
	return s.serve(ctx, func(ss *Session, fresh bool, p []byte) error {
		if fresh {
			s.table.Announce(ss, nil)
		}
		_, err := out.Write(p)
		return err
	})
}

// start makes the session table.
func (s *Server) start() {
	if s.Sessions.Local == nil {
		s.Sessions.Local = s.Conn.LocalAddr()
	}
	s.table = NewTable(s.Sessions)
}

// serve reads datagrams until ctx ends or handle fails, sorting each
// into its session and handing it to handle (with whether it began the
// session). The datagram's bytes are valid only during the call. It
// closes the socket and ends every session before it returns.
func (s *Server) serve(ctx context.Context, handle func(ss *Session, fresh bool, p []byte) error) error {
	stop := context.AfterFunc(ctx, func() { s.Conn.Close() })
	defer stop()
	defer s.table.Close()
	defer s.Conn.Close()
	buf := make([]byte, recvBufSize)
	for {
		n, from, err := s.Conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			if transient(err) {
				continue
			}
			return err
		}
		ss, fresh := s.table.Receive(from, n)
		if ss == nil {
			continue
		}
		if s.Tap != nil {
			s.Tap(ss.id, pipe.In, buf[:n])
		}
		if err := handle(ss, fresh, buf[:n]); err != nil {
			return err
		}
	}
}

// transient reports a read error that says nothing about the socket:
// an ICMP error for an earlier datagram, queued on the socket.
func transient(err error) bool {
	for _, e := range []error{syscall.ECONNREFUSED, syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ECONNRESET} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// send sends p to ss's peer as one datagram and counts it.
func (s *Server) send(ss *Session, p []byte) error {
	n, err := s.Conn.WriteToUDPAddrPort(p, ss.peer)
	if err != nil {
		return err
	}
	ss.Sent(n)
	if s.Tap != nil {
		s.Tap(ss.id, pipe.Out, p)
	}
	return nil
}

// size is the most bytes a datagram sent carries.
func (s *Server) size() int {
	if s.DatagramSize > 0 {
		return s.DatagramSize
	}
	return DefaultDatagramSize
}

// sendInput reads in while a session is live and sends each read to
// every live session, until in ends or ctx does. A read of in cannot be
// interrupted: when ctx ends during one, sendInput returns once it
// does, without sending.
func (s *Server) sendInput(ctx context.Context, in io.Reader) {
	next := reads(in, s.size())
	if s.Lines {
		next = lines(in, s.size())
	}
	for {
		select {
		case <-s.table.waitLive():
		case <-ctx.Done():
			return
		}
		p, err := next()
		if ctx.Err() != nil {
			return
		}
		if len(p) > 0 {
			for _, ss := range s.table.Live() {
				if serr := s.send(ss, p); serr != nil {
					s.table.emitError(ss, serr)
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// emitError reports err as an error event of ss.
func (t *Table) emitError(ss *Session, err error) {
	t.o.OnEvent.Emit(pipe.Event{Name: pipe.EventError, ID: ss.id, Local: t.o.Local, Remote: udpAddr(ss.peer), Err: err, Datagrams: true})
}
