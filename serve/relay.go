package serve

import (
	"context"

	"sockit/pipe"
)

// Relay is the handler of sockit relay: for each client it opens an
// upstream connection with Dial and copies both ways with [pipe.Relay]
// until both directions have ended (each side's EOF a half-close of the
// other).
type Relay struct {
	// Dial opens the upstream connection for client (choosing among the
	// upstreams is its business). Its error closes the client at once and
	// is the handler's error.
	Dial func(ctx context.Context, client *pipe.Conn) (*pipe.Conn, error)
}

// Serve relays c to a new upstream connection; it owns c and closes it.
func (r Relay) Serve(ctx context.Context, c *pipe.Conn) error {
	up, err := r.Dial(ctx, c)
	if err != nil {
		c.Close()
		return err
	}
	return pipe.Relay(ctx, c, up)
}
