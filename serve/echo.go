package serve

import (
	"context"

	"sockit/pipe"
)

// Echo is a handler that sends every byte back to the peer. At the
// peer's EOF it half-closes after the last byte, so a client that has
// finished sending still gets everything back, then closes. It echoes
// through [pipe.Conn.Echo]: an idle connection holds its socket and no
// buffer or splice pipe.
func Echo(ctx context.Context, c *pipe.Conn) error {
	defer c.Close()
	if _, err := c.Echo(); err != nil {
		return err
	}
	return c.CloseWrite()
}
