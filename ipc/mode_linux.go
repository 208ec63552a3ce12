package ipc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// bindMode listens on the socket file path, created with mode less the
// umask. Linux's bind(2) gives a new socket file the mode of the socket
// itself less the umask, and a socket's mode can be set with fchmod(2)
// before it is bound: the file is never more open than mode, and the
// process-wide umask is left alone.
func bindMode(ctx context.Context, path string, mode fs.FileMode) (*net.UnixListener, error) {
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var ferr error
		if err := rc.Control(func(fd uintptr) { ferr = syscall.Fchmod(int(fd), uint32(mode.Perm())) }); err != nil {
			return err
		}
		if ferr != nil {
			return fmt.Errorf("set socket mode: %w", ferr)
		}
		return nil
	}}
	ln, err := lc.Listen(ctx, "unix", path)
	if err != nil {
		return nil, err
	}
	return ln.(*net.UnixListener), nil
}

// chmodSocket sets the mode of the socket file at path, which fi
// describes, without following a symbolic link put in its place:
// fchmodat2(2) with AT_SYMLINK_NOFOLLOW, from Linux 6.6. It fails with
// EOPNOTSUPP on a symbolic link and on older kernels; the file is then
// checked again and chmod-ed by name.
func chmodSocket(path string, fi os.FileInfo, mode fs.FileMode) error {
	err := unix.Fchmodat(unix.AT_FDCWD, path, uint32(mode.Perm()), unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.EOPNOTSUPP) {
		return chmodChecked(path, fi, mode)
	}
	if err != nil {
		return &fs.PathError{Op: "chmod", Path: path, Err: err}
	}
	return nil
}
