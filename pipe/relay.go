package pipe

import (
	"context"
	"errors"
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
	done := make(chan error, 2)
	go relayHalf(b, a, done)
	go relayHalf(a, b, done)
	var first error
	for range 2 {
		if err := <-done; err != nil && first == nil {
			first = err
			a.Close() // the other direction cannot end well: wake it
			b.Close()
		}
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return first
}

// relayHalf copies src to dst until src's EOF, then half-closes dst, and
// reports the outcome on done. A dst that has gone altogether by the
// time of the half-close (its peer closed after reading everything) is
// no failure: every byte was delivered.
func relayHalf(dst, src *Conn, done chan<- error) {
	_, err := dst.ReadFrom(src)
	if err == nil {
		if err = dst.CloseWrite(); peerGone(err) || errors.Is(err, errors.ErrUnsupported) {
			err = nil
		}
	}
	done <- err
}
