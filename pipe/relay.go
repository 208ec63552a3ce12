package pipe

import (
	"context"
	"errors"
	"sync"
)

// Relay copies a to b and b to a until both directions have ended, then
// closes both. The end of stream is relayed exactly: a's EOF becomes a
// half-close of b (FIN, or close_notify then FIN over TLS) and b's EOF a
// half-close of a, and the other direction goes on until it ends too;
// nothing is cut by a timer (an idle timeout is the Conns' own, from
// their Options). Each direction goes through [Conn.ReadFrom] with the
// other Conn as its source, so TCP and Unix sockets are spliced socket to
// socket by the kernel and both Conns count exactly.
//
// It returns nil when both directions ended with an EOF, the first error
// of either direction otherwise (the other is then cut at once: its peer
// has gone), or the context's cause when ctx ends first.
func Relay(ctx context.Context, a, b *Conn) error {
	defer a.Close()
	defer b.Close()
	stop := context.AfterFunc(ctx, func() {
		a.Close()
		b.Close()
	})
	defer stop()
	// One direction runs in a goroutine of its own, the other in the
	// caller's: a short-lived pair (a proxied request) starts one
	// goroutine, not two.
	p := &relayPair{a: a, b: b, done: make(chan struct{})}
	go p.halfThenDone(b, a)
	p.half(a, b)
	<-p.done
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return p.first
}

// relayPair is the state both directions of a Relay share.
type relayPair struct {
	a, b  *Conn
	done  chan struct{} // closed when the goroutine's direction has ended
	once  sync.Once
	first error
}

// half copies src to dst until src's EOF, then half-closes dst. A dst
// that has gone altogether by the time of the half-close (its peer
// closed after reading everything) is no failure: every byte was
// delivered. The first error of either direction is kept, and closes
// both Conns: the other direction cannot end well, so it is woken.
func (p *relayPair) half(dst, src *Conn) {
	_, err := dst.ReadFrom(src)
	if err == nil {
		if err = dst.CloseWrite(); peerGone(err) || errors.Is(err, errors.ErrUnsupported) {
			err = nil
		}
	}
	if err != nil {
		p.once.Do(func() { p.first = err })
		p.a.Close()
		p.b.Close()
	}
}

// halfThenDone is half for the direction that runs in its own
// goroutine.
func (p *relayPair) halfThenDone(dst, src *Conn) {
	defer close(p.done)
	p.half(dst, src)
}
