package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/connect"
	"sockit/pipe"
)

// reconnectFlags are connect's flags for a client that dials again.
func reconnectFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "reconnect", Usage: "dial again (after --retry-delay, doubling up to 30s) whenever the connection ends or fails, carrying on with stdin; bare, for ever; =`N`, until N dials in a row fail", DefaultText: "off"},
	}
}

// reconnect is connect --reconnect: one reader of stdin feeds each
// connection in turn, so that nothing read is lost between them but what
// a connection that died took without writing (counted in the reconnect
// event). stdout stays open from one connection to the next.
func (e *env) reconnect(c *cli.Context, d connect.Dialer, a addr.Addr, in io.Reader, jo pipe.JoinOptions) error {
	n := c.Int("reconnect")
	if n < 0 {
		return usagef(commandName(c), "bad --reconnect %d: must not be negative", n)
	}
	done := func() bool { return false } // --recv-only: stdin is never read, and never ends
	var feed *pipe.Feed
	if !jo.RecvOnly {
		feed = pipe.NewFeed(in)
		done = feed.Done
	}
	out := struct{ io.Writer }{e.stdout} // not an io.Closer: Join must not close stdout
	jo.StopAtPeerEnd = true              // a connection that ended is over; stdin waits for the next
	r := connect.Reconnect{
		Failures: n,
		Done:     done,
		Session: func(ctx context.Context, conn *pipe.Conn) (int64, error) {
			if feed == nil {
				return 0, pipe.Join(ctx, conn, nil, out, jo)
			}
			fr := feed.Reader()
			err := pipe.Join(ctx, conn, fr, out, jo)
			fr.Stop()
			return max(0, fr.Handed()-conn.BytesOut()), err
		},
	}
	return r.Run(c.Context, d, a)
}

// reconnectText renders a reconnect event: why the last connection or
// dial ended, the input it lost, and the wait.
func reconnectText(e pipe.Event) string {
	why := "connection ended"
	if e.Err != nil {
		why = e.Err.Error()
		if e.Attempt == 0 {
			why = "connection ended: " + why
		}
	}
	lost := ""
	if e.Unsent > 0 {
		lost = fmt.Sprintf(" (%s of input not sent)", size(e.Unsent))
	}
	return fmt.Sprintf("reconnect %s: %s%s; dialing again in %v", e.Host, why, lost, e.Duration)
}
