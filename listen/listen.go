// Package listen accepts connections for sockit: opening TCP listeners,
// accepting one connection or serving many concurrently, with limits and
// access control. Every accepted connection is wrapped by [pipe.Wrap]
// before a handler sees it; the handlers themselves are in serve.
package listen

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"

	"sockit/addr"
	"sockit/pipe"
)

// TCP opens a TCP listener on a; an empty host means every interface
// (of a's family, when it has one). Buffer sizes in o are set on the
// listening socket, so accepted connections inherit them. Unix sockets
// are ipc's (ipc.Listen).
func TCP(ctx context.Context, a addr.Addr, o pipe.Options) (net.Listener, error) {
	if a.Host == "" {
		switch a.Family {
		case addr.IPv4:
			a.Host = "0.0.0.0"
		case addr.IPv6:
			a.Host = "::"
		}
	}
	lc := net.ListenConfig{KeepAlive: -1, Control: o.Control}
	return lc.Listen(ctx, a.Network(), a.HostPort())
}

// Accept waits for one connection on ln that lim admits (refusing the
// others), wraps it with o and reports a connection event. It returns the
// context's cause if ctx ends first.
func Accept(ctx context.Context, ln net.Listener, o pipe.Options, lim Limits) (*pipe.Conn, error) {
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		raw, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			return nil, err
		}
		local, remote, err := lim.proxied(ctx, raw)
		if err != nil { // neither does a bad PROXY header
			raw.Close()
			if ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			o.OnEvent.Emit(pipe.Event{Name: pipe.EventError, Local: raw.LocalAddr(), Remote: raw.RemoteAddr(), Err: err})
			continue
		}
		if ok, why := lim.admits(raw, remote); !ok {
			lim.reject(raw, local, remote, o, errors.New(why))
			continue
		}
		peer := lim.peerInfo(raw)
		hc, err := lim.handshake(ctx, raw)
		if err != nil { // a failed handshake does not end the wait
			if ctx.Err() != nil {
				return nil, context.Cause(ctx)
			}
			o.OnEvent.Emit(pipe.Event{Name: pipe.EventError, Local: local, Remote: remote, Err: err})
			continue
		}
		c, err := pipe.WrapAddrs(hc, o, local, remote)
		if err != nil {
			hc.Close()
			return nil, err
		}
		o.OnEvent.Emit(pipe.Event{Name: pipe.EventConnection, ID: c.ID(), Local: c.LocalAddr(), Remote: c.RemoteAddr(), Open: 1, Peer: peer})
		return c, nil
	}
}

// Handler serves one accepted connection. It owns c and must close it;
// ctx ends when the server stops.
type Handler func(ctx context.Context, c *pipe.Conn) error

// Serve accepts connections on ln until ctx ends, serving each that lim
// admits with h in its own goroutine (the others are closed before a byte
// is read, with a reject event). A handler's error is reported as an
// error event and never stops the server. Each of workers runs in a
// goroutine of its own beside the handlers (the fan-out's input reader),
// with the same context; it must return when that context ends. Serve
// closes ln, waits for the handlers and the workers to return (closing
// the connections when ctx ends) and returns the context's cause, or the
// error that stopped accepting.
func Serve(ctx context.Context, ln net.Listener, o pipe.Options, lim Limits, h Handler, workers ...func(ctx context.Context)) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()

	s := &server{ctx: ctx, o: o, lim: lim, h: h}
	for _, w := range workers {
		s.wg.Add(1)
		go s.runWorker(w)
	}
	err := s.acceptLoop(ln)
	ln.Close()
	cancel(err)
	s.wg.Wait()
	return err
}

// server is the state shared by Serve's goroutines.
type server struct {
	ctx context.Context
	o   pipe.Options
	lim Limits
	h   Handler
	wg  sync.WaitGroup

	mu   sync.Mutex
	open int
}

// runWorker runs one of Serve's workers.
func (s *server) runWorker(w func(ctx context.Context)) {
	defer s.wg.Done()
	w(s.ctx)
}

// acceptLoop accepts until ln fails for good, backing off on temporary
// errors such as running out of file descriptors.
func (s *server) acceptLoop(ln net.Listener) error {
	var backoff time.Duration
	for {
		raw, err := ln.Accept()
		if err != nil {
			if s.ctx.Err() != nil {
				return context.Cause(s.ctx)
			}
			if !isTemporary(err) {
				return err
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.o.OnEvent.Emit(pipe.Event{Name: pipe.EventError, Local: ln.Addr(), Err: err})
			select {
			case <-time.After(backoff):
			case <-s.ctx.Done():
				return context.Cause(s.ctx)
			}
			continue
		}
		backoff = 0
		if !s.lim.AcceptProxy { // else once the header names the client
			if ok, why := s.lim.admits(raw, raw.RemoteAddr()); !ok {
				s.lim.reject(raw, raw.LocalAddr(), raw.RemoteAddr(), s.o, errors.New(why))
				continue
			}
		}
		s.mu.Lock()
		full := s.lim.MaxConns > 0 && s.open >= s.lim.MaxConns
		if !full {
			s.open++
		}
		open := s.open
		s.mu.Unlock()
		if full {
			s.lim.reject(raw, raw.LocalAddr(), raw.RemoteAddr(), s.o, &ConnLimitError{MaxConns: s.lim.MaxConns})
			continue
		}
		s.wg.Add(1)
		go s.serveConn(raw, open)
	}
}

// serveConn wraps raw and runs the handler on it; open is the number of
// connections open with this one.
func (s *server) serveConn(raw net.Conn, open int) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		s.open--
		s.mu.Unlock()
	}()
	local, remote, err := s.lim.proxied(s.ctx, raw)
	if err != nil {
		raw.Close()
		if s.ctx.Err() == nil {
			s.o.OnEvent.Emit(pipe.Event{Name: pipe.EventError, Local: raw.LocalAddr(), Remote: raw.RemoteAddr(), Err: err})
		}
		return
	}
	if s.lim.AcceptProxy {
		if ok, why := s.lim.admits(raw, remote); !ok {
			s.lim.reject(raw, local, remote, s.o, errors.New(why))
			return
		}
	}
	peer := s.lim.peerInfo(raw)
	hc, err := s.lim.handshake(s.ctx, raw)
	if err == nil {
		var c *pipe.Conn
		if c, err = pipe.WrapAddrs(hc, s.o, local, remote); err == nil {
			s.serve(c, open, peer)
			return
		}
		hc.Close()
	}
	if s.ctx.Err() == nil {
		s.o.OnEvent.Emit(pipe.Event{Name: pipe.EventError, Local: local, Remote: remote, Err: err})
	}
}

// serve runs the handler on c.
func (s *server) serve(c *pipe.Conn, open int, peer string) {
	s.o.OnEvent.Emit(pipe.Event{Name: pipe.EventConnection, ID: c.ID(), Local: c.LocalAddr(), Remote: c.RemoteAddr(), Open: open, Peer: peer})
	stop := context.AfterFunc(s.ctx, func() { c.Close() })
	defer stop()
	if err := s.h(s.ctx, c); err != nil && s.ctx.Err() == nil {
		s.o.OnEvent.Emit(pipe.Event{Name: pipe.EventError, ID: c.ID(), Local: c.LocalAddr(), Remote: c.RemoteAddr(), Err: err})
	}
	c.Close()
}

// isTemporary reports accept errors worth retrying (EMFILE, ENFILE,
// ECONNABORTED and the like).
func isTemporary(err error) bool {
	var te interface{ Temporary() bool }
	return errors.As(err, &te) && te.Temporary()
}
