package ipc

import (
	"context"
	"fmt"
	"net"
	"syscall"

	"sockit/addr"
)

// Dial connects to the Unix stream socket a (a path or @NAME); control,
// when not nil, runs on the socket before it connects (buffer sizes).
// Every Unix connection sockit makes comes through here.
//
// A socket nobody answers on fails with the net package's error, which
// wraps syscall.ECONNREFUSED; a missing socket or directory, a file that
// is not a socket and a denied permission fail with an error that says so
// and wraps fs.ErrNotExist, [ErrNotSocket] or fs.ErrPermission.
func Dial(ctx context.Context, a addr.Addr, control func(network, address string, c syscall.RawConn) error) (net.Conn, error) {
	if err := addr.CheckPath(a.Path); err != nil {
		return nil, fmt.Errorf("dial unix %s: %w", a.Path, err)
	}
	d := net.Dialer{Control: control}
	raw, err := d.DialContext(ctx, "unix", a.Path)
	if err != nil {
		return nil, explain(a.Path, true, err)
	}
	return raw, nil
}
