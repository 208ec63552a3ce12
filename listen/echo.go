package listen

import (
	"context"
	"io"

	"sockit/pipe"
)

// Echo is a [Handler] that sends every byte back to the peer. At the
// peer's EOF it half-closes after the last byte, so a client that has
// finished sending still gets everything back, then closes.
func Echo(ctx context.Context, c *pipe.Conn) error {
	defer c.Close()
	if _, err := io.Copy(c, c); err != nil {
		return err
	}
	return c.CloseWrite()
}
