package connect

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sockit/addr"
	"sockit/pipe"
)

// lastedFor is how long a connection must have lasted for the wait
// before the next dial to start again from the first delay.
const lastedFor = 10 * time.Second

// Reconnect runs a session on a connection to an address, and dials
// again each time the connection ends or a dial fails (a reconnecting
// client). The waits between dials start at the Dialer's RetryDelay and
// double up to 30s; a connection that lasted 10s or more starts them
// again from the first.
type Reconnect struct {
	// Failures is how many failed dials in a row end the loop with the
	// last one's error; zero means never. A connection resets the count.
	Failures int
	// Session runs on each connection and returns when it is over, with
	// how many bytes of input it took but did not write (they are not
	// sent again) and why it ended.
	Session func(ctx context.Context, c *pipe.Conn) (unsent int64, err error)
	// Done reports that the input has ended and was all taken: the loop
	// stops after the connection it is on.
	Done func() bool
}

// Run dials a with d (its Retries are not used: r retries) and runs
// r.Session on each connection until the input is done, ctx ends, or
// r.Failures dials in a row failed. Before each new dial it emits a
// reconnect event with why the last connection or dial ended, the bytes
// it did not send and the wait. It returns the last session's error once
// the input is done, the last dial's error after too many failures, or
// ctx's cause. A failed handshake (TLS) is final.
func (r Reconnect) Run(ctx context.Context, d Dialer, a addr.Addr) error {
	first := d.RetryDelay
	if first <= 0 {
		first = time.Second
	}
	wait, fails := first, 0
	for attempt := 1; ; attempt++ {
		var unsent int64
		c, err := d.dialOnce(ctx, a, attempt)
		var he handshakeError
		switch {
		case ctx.Err() != nil:
			return context.Cause(ctx)
		case errors.As(err, &he):
			return he.err
		case err != nil:
			fails++
			if r.Failures > 0 && fails >= r.Failures {
				return fmt.Errorf("%w (gave up after %d failed connection attempts in a row)", err, fails)
			}
		default:
			fails = 0
			start := time.Now()
			unsent, err = r.Session(ctx, c)
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			if r.Done() {
				return err
			}
			if time.Since(start) >= lastedFor {
				wait = first
			}
		}
		d.Socket.OnEvent.Emit(pipe.Event{Name: pipe.EventReconnect, Host: a.String(), Attempt: fails, Err: err, Unsent: unsent, Duration: wait})
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		case <-t.C:
		}
		wait = min(2*wait, maxRetryDelay)
	}
}
