package pipe

import (
	"context"
	"io"
)

// JoinOptions choose how [Join] ends. The zero value is sockit's default:
// input EOF half-closes the connection and Join keeps reading until the
// peer's EOF; the peer's EOF ends Join as soon as the input has nothing
// ready to send (input that is still open but idle, such as a terminal or
// a quiet pipe, is not waited for).
type JoinOptions struct {
	// NoShutdown keeps the connection's write side open after input EOF.
	NoShutdown bool
	// HalfOpen keeps sending input after the peer's EOF until the input
	// ends (Node's allowHalfOpen).
	HalfOpen bool
	// SendOnly never writes the peer's bytes to out: they are read and
	// discarded (so the peer never blocks and a close never resets data
	// still in flight) and the peer's EOF does not stop the sending.
	SendOnly bool
	// RecvOnly never reads in and never half-closes.
	RecvOnly bool
}

// Join copies in to c and c to out until the rules of o end it, then
// closes c. It returns nil when the streams ended as they should, the first
// I/O error otherwise, or the context's cause when ctx ends first.
//
// When Join returns before in reached EOF, the goroutine reading in stays
// blocked in in.Read until that returns, then exits without writing; the
// caller should close in if it can (os.Stdin in a process about to exit
// need not be).
func Join(ctx context.Context, c *Conn, in io.Reader, out io.Writer, o JoinOptions) error {
	defer c.Close()
	var s *sender
	if !o.RecvOnly {
		s = newSender(c, in, !o.NoShutdown)
		if o.HalfOpen || o.SendOnly {
			go s.copyAll() // the peer's EOF never stops it: keep zero-copy
		} else {
			go s.copyUntilIdle()
		}
	}
	if o.SendOnly {
		out = io.Discard
	}
	recvd := make(chan error, 1)
	go recvLoop(c, out, recvd)

	var sent, idle <-chan struct{}
	if s != nil {
		sent, idle = s.done, s.idle
	}
	receiving := true
	for sent != nil || receiving {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-idle:
			return nil // the peer ended and the input had nothing more
		case <-sent:
			sent = nil
			if s.err != nil {
				return s.err
			}
			if o.SendOnly && o.NoShutdown {
				return nil // the peer may wait for our EOF forever
			}
		case err := <-recvd:
			receiving = false
			if err != nil {
				return err
			}
			if sent == nil || o.HalfOpen || o.SendOnly {
				continue
			}
			if s.peerEnded() {
				return nil
			}
		}
	}
	return nil
}

// recvLoop copies c to out until the peer's EOF and reports the outcome
// on done.
func recvLoop(c *Conn, out io.Writer, done chan<- error) {
	_, err := io.Copy(out, c)
	done <- err
}
