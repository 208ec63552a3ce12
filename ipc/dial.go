package ipc

import (
	"context"
	"fmt"
	"net"

	"sockit/pipe"
)

// Dial connects to the Unix stream socket path (or @NAME), wraps the
// connection with o and reports a connect event (Attempt 1) to
// o.OnEvent. Buffer sizes in o are set before connecting.
//
// A socket nobody answers on fails with the net package's error, which
// wraps syscall.ECONNREFUSED; a missing socket or directory and a denied
// permission fail with an error that says so and wraps fs.ErrNotExist or
// fs.ErrPermission.
func Dial(ctx context.Context, path string, o pipe.Options) (*pipe.Conn, error) {
	if err := checkPath(path); err != nil {
		return nil, fmt.Errorf("dial unix %s: %w", path, err)
	}
	d := net.Dialer{Control: o.Control}
	raw, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, explain(path, true, err)
	}
	c, err := pipe.Wrap(raw, o)
	if err != nil {
		raw.Close()
		return nil, err
	}
	o.OnEvent.Emit(pipe.Event{Name: pipe.EventConnect, ID: c.ID(), Local: c.LocalAddr(), Remote: c.RemoteAddr(), Host: path, Attempt: 1})
	return c, nil
}
