//go:build !linux

package ipc

import (
	"context"
	"io/fs"
	"net"
	"os"
	"sync"
	"syscall"
)

// umaskMu serialises this package's changes of the process umask.
var umaskMu sync.Mutex

// bindMode listens on the socket file path, created with mode less the
// umask. Without Linux's fchmod-before-bind, the umask is narrowed to
// mode around bind(2). The umask is process-wide: a file another
// goroutine creates meanwhile gets the narrower umask too (never a wider
// one).
func bindMode(ctx context.Context, path string, mode fs.FileMode) (*net.UnixListener, error) {
	umaskMu.Lock()
	old := syscall.Umask(0o777) // read it, narrowing only
	syscall.Umask(old | int(0o777&^mode.Perm()))
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "unix", path)
	syscall.Umask(old)
	umaskMu.Unlock()
	if err != nil {
		return nil, err
	}
	return ln.(*net.UnixListener), nil
}

// chmodSocket sets the mode of the socket file at path, which fi
// describes, if it is still that file.
func chmodSocket(path string, fi os.FileInfo, mode fs.FileMode) error {
	return chmodChecked(path, fi, mode)
}
