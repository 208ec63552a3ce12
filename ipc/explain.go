package ipc

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// pathError says in plain words what went wrong with a socket path. It
// wraps the system error underneath (an errno), so errors.Is finds
// fs.ErrNotExist, fs.ErrPermission and the errno itself, but not the
// *net.OpError it came in: that one's text repeats the path, and a
// "listen" OpError with EACCES would draw the CLI's hint about ports
// below 1024.
type pathError struct {
	msg string
	err error
}

func (e *pathError) Error() string { return e.msg }
func (e *pathError) Unwrap() error { return e.err }

// explain rewords the errors of listening on or dialing path that a user
// can fix: a missing directory, a missing socket or a file that is not
// one (dialing) and a denied permission. Other errors are returned as they are.
func explain(path string, dialing bool, err error) error {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err
	}
	switch errno {
	case syscall.ENOENT:
		if dir := filepath.Dir(path); !isDir(dir) {
			return &pathError{"unix " + path + ": directory " + dir + " does not exist", errno}
		}
		if dialing {
			return &pathError{"unix " + path + ": no such socket", errno}
		}
	case syscall.EACCES, syscall.EPERM:
		return &pathError{"unix " + path + ": permission denied", errno}
	case syscall.ECONNREFUSED: // Linux's answer for a file that is not a socket, too
		if fi, serr := os.Lstat(path); dialing && serr == nil && fi.Mode().Type() != fs.ModeSocket {
			return &pathError{"unix " + path + ": " + fileKind(fi.Mode()) + ", not a socket", ErrNotSocket}
		}
	}
	return err
}

// isDir reports whether path is a directory (following symbolic links).
func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}

// fileKind names a file type for an error message.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "a regular file"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a file of another type"
}
