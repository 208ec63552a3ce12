package pipe

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ErrPeerClosed means the peer went away for good (a reset or a broken
// pipe) while input was still being sent to it: some input was lost.
var ErrPeerClosed = errors.New("the peer closed before all input was sent")

// JoinOptions choose how [Join] ends. The zero value is sockit's default:
// input EOF half-closes the connection and Join keeps reading until the
// peer's EOF; the peer's EOF ends only the receive direction (out is
// closed) and the input is sent until it ends.
type JoinOptions struct {
	// NoShutdown keeps the connection's write side open after input EOF.
	NoShutdown bool
	// StopAtPeerEnd ends Join at the peer's EOF as soon as the input has
	// nothing ready to send (for a terminal: nobody types into a finished
	// conversation). Input that was already there is still sent.
	StopAtPeerEnd bool
	// SendOnly never writes the peer's bytes to out: they are read and
	// discarded (so the peer never blocks and a close never resets data
	// still in flight) and the peer's EOF does not stop the sending.
	SendOnly bool
	// RecvOnly never reads in and never half-closes.
	RecvOnly bool
}

// Join copies in to c and c to out until the rules of o end it, then
// closes c. At the peer's EOF it closes out when out is an [io.Closer],
// so that a reader downstream sees EOF at once. It returns nil when the
// streams ended as they should, an error wrapping [ErrPeerClosed] when
// the peer went away before all input was sent, the first other I/O
// error, or the context's cause when ctx ends first.
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
		if o.StopAtPeerEnd && !o.SendOnly {
			go s.copyUntilIdle()
		} else {
			go s.copyAll() // the peer's EOF never stops it: keep zero-copy
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
				return s.sendErr()
			}
			if o.SendOnly && o.NoShutdown {
				return nil // the peer may wait for our EOF forever
			}
		case err := <-recvd:
			receiving = false
			if err != nil && sent != nil && peerGone(err) {
				return &PeerClosedError{Sent: c.BytesOut(), Err: err} // input still coming is lost
			}
			if err != nil {
				return err
			}
			if sent != nil && o.StopAtPeerEnd && !o.SendOnly && s.peerEnded() {
				return nil
			}
		}
	}
	return nil
}

// recvLoop copies c to out until the peer's EOF, closes out when it can
// be closed, and reports the outcome on done.
func recvLoop(c *Conn, out io.Writer, done chan<- error) {
	_, err := io.Copy(out, c)
	if cl, ok := out.(io.Closer); ok && err == nil {
		err = cl.Close()
	}
	done <- err
}

// sendErr returns the send loop's error: a peer that reset the
// connection or closed it for good lost us input.
func (s *sender) sendErr() error {
	if peerGone(s.err) {
		return &PeerClosedError{Sent: s.c.BytesOut(), Err: s.err}
	}
	return s.err
}

// PeerClosedError is [ErrPeerClosed] with what was sent before it.
type PeerClosedError struct {
	Sent int64 // bytes written to the connection before it failed
	Err  error // the write's error (a reset or a broken pipe)
}

func (e *PeerClosedError) Error() string {
	return fmt.Sprintf("%v (after %d bytes)", ErrPeerClosed, e.Sent)
}

// Unwrap returns ErrPeerClosed and the write's error.
func (e *PeerClosedError) Unwrap() []error { return []error{ErrPeerClosed, e.Err} }
