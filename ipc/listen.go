package ipc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// ErrNotSocket is returned when a listen path exists and is not a socket:
// sockit never replaces such a file.
var ErrNotSocket = errors.New("not a socket")

// ErrInUse is returned when a server answers on the listen path.
var ErrInUse = fmt.Errorf("address in use: a server is answering there: %w", syscall.EADDRINUSE)

// ListenOptions are the settings of a socket file. The zero value gives
// mode 0600: only the owner may connect.
type ListenOptions struct {
	// Mode is the socket file's permission bits; zero means 0600.
	Mode fs.FileMode
}

// Listener is a Unix stream listener that removes its socket file when
// closed, but only if the file at the path is still the one it created.
type Listener struct {
	*net.UnixListener
	path string
	dev  uint64 // of the socket file we created; 0 for an abstract name
	ino  uint64

	closeOnce sync.Once
	closeErr  error
}

// umaskMu serialises the process-wide umask change around bind(2).
var umaskMu sync.Mutex

// Listen listens on the Unix socket path (or @name). An existing socket
// that nobody answers on is replaced; a live one fails with [ErrInUse];
// any other file fails with [ErrNotSocket] and is left alone. The socket
// file is created with mode 0600 at most (umask 0177 around bind) and then
// set to o.Mode, so it is never more open than asked, even for a moment.
func Listen(ctx context.Context, path string, o ListenOptions) (*Listener, error) {
	mode := o.Mode
	if mode == 0 {
		mode = 0o600
	}
	if !IsAbstract(path) {
		if err := clearStale(ctx, path); err != nil {
			return nil, err
		}
	}
	umaskMu.Lock()
	old := syscall.Umask(0o177)
	ln, err := (&net.ListenConfig{}).Listen(ctx, "unix", path)
	syscall.Umask(old)
	umaskMu.Unlock()
	if err != nil {
		return nil, explain(path, err)
	}
	ul := ln.(*net.UnixListener)
	l := &Listener{UnixListener: ul, path: path}
	if IsAbstract(path) {
		return l, nil
	}
	ul.SetUnlinkOnClose(false) // Close unlinks only our own file
	var st syscall.Stat_t
	if err := syscall.Lstat(path, &st); err != nil {
		ul.Close()
		return nil, fmt.Errorf("listen unix %s: %w", path, err)
	}
	l.dev, l.ino = st.Dev, st.Ino
	if err := os.Chmod(path, mode.Perm()); err != nil {
		l.Close()
		return nil, fmt.Errorf("listen unix %s: set mode: %w", path, err)
	}
	return l, nil
}

// clearStale removes a socket at path that nobody answers on, and fails
// for a live socket or a file of another type.
func clearStale(ctx context.Context, path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return explain(path, err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("listen unix %s: %w (%s); not touching it", path, ErrNotSocket, fileKind(fi.Mode()))
	}
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "unix", path)
	if err == nil {
		c.Close()
		return fmt.Errorf("listen unix %s: %w", path, ErrInUse)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return explain(path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("listen unix %s: remove stale socket: %w", path, err)
	}
	return nil
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
	}
	return "not a socket"
}

// explain rewords the errors of listening or dialing that a user can fix.
func explain(path string, err error) error {
	switch {
	case errors.Is(err, syscall.ENOENT):
		if dir := filepath.Dir(path); !exists(dir) {
			return fmt.Errorf("unix %s: directory %s does not exist: %w", path, dir, fs.ErrNotExist)
		}
	case errors.Is(err, syscall.EACCES):
		return fmt.Errorf("unix %s: permission denied: %w", path, fs.ErrPermission)
	}
	return err
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Path is the socket path the listener was opened on.
func (l *Listener) Path() string { return l.path }

// Close stops listening and removes the socket file if it is still the
// one Listen created (same device and inode). It may be called more than
// once.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		l.closeErr = l.UnixListener.Close()
		if l.ino == 0 {
			return
		}
		var st syscall.Stat_t
		if syscall.Lstat(l.path, &st) == nil && st.Dev == l.dev && st.Ino == l.ino {
			if err := os.Remove(l.path); err != nil && l.closeErr == nil {
				l.closeErr = err
			}
		}
	})
	return l.closeErr
}
