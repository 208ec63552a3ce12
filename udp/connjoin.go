package udp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"sockit/pipe"
)

// DefaultLinger is how long [Join] keeps receiving after the input ended
// when [JoinOptions.Linger] is zero.
const DefaultLinger = 2 * time.Second

// ErrIdleTimeout is returned (wrapped, with the duration) by [Join] when
// no datagram has moved either way for [JoinOptions.IdleTimeout] while
// the input was still open. It is [pipe.ErrIdleTimeout]: one error for
// streams and datagrams.
var ErrIdleTimeout = pipe.ErrIdleTimeout

// JoinOptions choose how [Join] splits the input and when it ends. The
// zero value sends each read of the input as one datagram of at most
// [DefaultDatagramSize] bytes and, once the input ends, receives until
// no datagram has come for [DefaultLinger].
type JoinOptions struct {
	// DatagramSize is the most input bytes sent in one datagram, up to
	// [MaxDatagram]. Zero means [DefaultDatagramSize].
	DatagramSize int
	// Lines sends each line of the input (up to DatagramSize bytes, its
	// newline included) as one datagram: for a terminal.
	Lines bool
	// Linger is how long Join keeps receiving after the input ended:
	// it returns nil once no datagram has come for that long. Zero means
	// [DefaultLinger]; negative means for ever (until ctx ends).
	Linger time.Duration
	// IdleTimeout ends Join with [ErrIdleTimeout] when no datagram has
	// moved either way for that long while the input is still open (or
	// never read: RecvOnly). Zero means no timeout.
	IdleTimeout time.Duration
	// SendOnly never reads the socket (DESIGN.md's --send-only; an ICMP
	// port unreachable still fails the next send), and Join returns as
	// soon as the input has ended.
	SendOnly bool
	// RecvOnly never reads the input.
	RecvOnly bool
}

// Join sends in to c, one datagram per read (or per line), and writes
// each datagram c receives to out in one write, until the rules of o end
// it; then it closes c. It returns nil when the input ended and the peer
// then fell quiet, an error wrapping [ErrIdleTimeout], a [*RefusedError]
// when the peer's host answered ICMP port unreachable, the first other
// I/O error, or ctx's cause when ctx ends first.
//
// When Join returns before in reached EOF, the goroutine reading in
// stays blocked in in.Read until that returns, then exits without
// sending.
func Join(ctx context.Context, c *Conn, in io.Reader, out io.Writer, o JoinOptions) error {
	defer c.Close()
	if o.DatagramSize <= 0 {
		o.DatagramSize = DefaultDatagramSize
	}
	o.DatagramSize = min(o.DatagramSize, MaxDatagram)
	if o.Linger == 0 {
		o.Linger = DefaultLinger
	}
	if o.SendOnly {
		out = io.Discard
	}
	cl := &clock{c: c, linger: o.Linger, idle: o.IdleTimeout, last: time.Now()}
	sent := make(chan error, 1)
	if !o.RecvOnly {
		go sendLoop(c, in, o, cl, sent)
	}
	recvd := make(chan error, 1)
	if !o.SendOnly { // --send-only never reads the socket (DESIGN.md)
		go recvLoop(c, out, cl, recvd)
	}
	stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case err := <-sent:
			if err != nil || o.SendOnly {
				return err
			}
			cl.inputEnded()
		case err := <-recvd:
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return err
		}
	}
}

// clock keeps the receive loop's read deadline: none, or the idle
// timeout from the last datagram either way while the input is open,
// or the linger from the last datagram received (or the input's end)
// once it has ended. Every change of state resets the deadline under
// mu, so that the receive loop never sleeps on a stale one.
type clock struct {
	c            *Conn
	linger, idle time.Duration

	mu    sync.Mutex
	ended bool      // the input ended
	last  time.Time // the last datagram (either way while open, received once ended)
}

// deadline is when the receive loop gives up, or zero for never.
func (k *clock) deadline() time.Time {
	switch {
	case k.ended && k.linger > 0:
		return k.last.Add(k.linger)
	case !k.ended && k.idle > 0:
		return k.last.Add(k.idle)
	}
	return time.Time{}
}

// arm sets the read deadline from the state.
func (k *clock) arm() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.c.SetReadDeadline(k.deadline())
}

// moved records a datagram sent or received.
func (k *clock) moved(received bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if received || !k.ended {
		k.last = time.Now()
	}
}

// inputEnded starts the linger.
func (k *clock) inputEnded() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.ended, k.last = true, time.Now()
	k.c.SetReadDeadline(k.deadline())
}

// expired reports, after a read timed out, whether the deadline has
// really passed (the idle timer is not reset on every send), and the
// error to end with: nil once the linger is over.
func (k *clock) expired() (bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	d := k.deadline()
	if d.IsZero() || time.Now().Before(d) {
		k.c.SetReadDeadline(d)
		return false, nil
	}
	if k.ended {
		return true, nil
	}
	return true, fmt.Errorf("%w after %v", ErrIdleTimeout, k.idle)
}

// recvLoop writes each datagram to out until the clock expires or an
// error, and reports the outcome on done.
func recvLoop(c *Conn, out io.Writer, k *clock, done chan<- error) {
	buf := make([]byte, MaxDatagram+1)
	k.arm()
	for {
		n, err := c.Read(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if over, err := k.expired(); over {
				done <- err
				return
			}
			continue
		}
		if err != nil {
			done <- err
			return
		}
		k.moved(true)
		if n > 0 {
			if _, err := out.Write(buf[:n]); err != nil {
				done <- err
				return
			}
		}
		k.arm()
	}
}

// sendLoop sends in as datagrams until its EOF (nil on done) or an
// error.
func sendLoop(c *Conn, in io.Reader, o JoinOptions, k *clock, done chan<- error) {
	next := reads(in, o.DatagramSize)
	if o.Lines {
		next = lines(in, o.DatagramSize)
	}
	for {
		p, err := next()
		if len(p) > 0 {
			if _, werr := c.Write(p); werr != nil {
				done <- werr
				return
			}
			k.moved(false)
		}
		if err == io.EOF {
			done <- nil
			return
		}
		if err != nil {
			done <- fmt.Errorf("read input: %w", err)
			return
		}
	}
}

// reads returns the input's next read of at most size bytes each call.
func reads(in io.Reader, size int) func() ([]byte, error) {
	buf := make([]byte, size)
	return func() ([]byte, error) {
		n, err := in.Read(buf)
		return buf[:n], err
	}
}

// lines returns the input's next line (newline included), or the next
// size bytes of a longer line, each call.
func lines(in io.Reader, size int) func() ([]byte, error) {
	r := bufio.NewReaderSize(in, max(size, 16))
	var rest []byte // the part of the last line beyond size
	var restErr error
	return func() ([]byte, error) {
		if len(rest) > 0 {
			p := rest[:min(len(rest), size)]
			rest = rest[len(p):]
			if len(rest) > 0 {
				return p, nil
			}
			return p, restErr
		}
		p, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			err = nil
		}
		if len(p) > size {
			rest, restErr = append([]byte(nil), p[size:]...), err
			return p[:size], nil
		}
		return p, err
	}
}
