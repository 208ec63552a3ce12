package pipe

import (
	"context"
	"io"
)

// JoinOptions choose how [Join] ends. The zero value is sockit's default:
// input EOF half-closes the connection and Join keeps reading until the
// peer's EOF; the peer's EOF ends Join at once, even with input left.
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
// blocked in in.Read until that returns; the caller should close in if it
// can (os.Stdin in a process about to exit need not be).
func Join(ctx context.Context, c *Conn, in io.Reader, out io.Writer, o JoinOptions) error {
	defer c.Close()
	sent := make(chan error, 1)
	recvd := make(chan error, 1)
	if o.RecvOnly {
		sent = nil // never ready
	} else {
		go sendLoop(c, in, !o.NoShutdown, sent)
	}
	if o.SendOnly {
		out = io.Discard
	}
	go recvLoop(c, out, recvd)

	sending := !o.RecvOnly
	receiving := true
	for sending || receiving {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case err := <-sent:
			sending = false
			if err != nil {
				return err
			}
			if o.SendOnly && o.NoShutdown {
				return nil // the peer may wait for our EOF forever
			}
		case err := <-recvd:
			receiving = false
			if err != nil {
				return err
			}
			if !o.HalfOpen && !o.SendOnly {
				return nil
			}
		}
	}
	return nil
}

// sendLoop copies in to c, half-closes c at in's EOF if shutdown is set,
// and reports the outcome on done.
func sendLoop(c *Conn, in io.Reader, shutdown bool, done chan<- error) {
	_, err := io.Copy(c, in)
	if err == nil && shutdown {
		err = c.CloseWrite()
	}
	done <- err
}

// recvLoop copies c to out until the peer's EOF and reports the outcome
// on done.
func recvLoop(c *Conn, out io.Writer, done chan<- error) {
	_, err := io.Copy(out, c)
	done <- err
}
