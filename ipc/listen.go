package ipc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"sockit/addr"
)

// ErrNotSocket is wrapped by the error Listen returns when its path exists
// and is not a socket (a regular file, directory, symbolic link, named
// pipe or device): sockit never replaces such a file.
var ErrNotSocket = errors.New("not a socket")

// ErrInUse is wrapped by the error Listen returns when a server answers on
// its path; it wraps syscall.EADDRINUSE.
var ErrInUse = fmt.Errorf("address in use: a server is answering there: %w", syscall.EADDRINUSE)

// staleTimeout bounds the dial that tells a live socket from a stale one.
const staleTimeout = time.Second

// ListenOptions are the settings of a listening socket file. The zero
// value gives mode 0600: only the owner may connect.
type ListenOptions struct {
	// Mode is the socket file's permission bits, exactly (the umask does
	// not apply); zero means 0600. Abstract names have no file and
	// ignore it.
	Mode fs.FileMode
}

// Listener is a Unix stream listener that removes its socket file when
// closed, but only if the file at its path is still the one it created.
// It implements net.Listener.
type Listener struct {
	ul   *net.UnixListener
	path string
	file os.FileInfo // the socket file as created; nil for an abstract name

	closeOnce sync.Once
	closeErr  error
}

// Listen listens on the Unix stream socket a: a path, or a Linux abstract
// name (@NAME: no file, no hygiene, no mode).
//
// An existing socket file that nobody answers on is removed first; one a
// server answers on fails with [ErrInUse] and is left alone, and so is any
// other file, failing with [ErrNotSocket]. A missing directory or a
// denied permission fails with an error that says so and wraps
// fs.ErrNotExist or fs.ErrPermission.
//
// The socket file is never more open than o.Mode, not even for a moment:
// on Linux the socket is given the mode before bind(2), which creates the
// file with that mode less the umask, and the file is then chmod-ed to
// the exact mode if the umask took bits away. The process umask is not
// touched (see mode_other.go for other systems).
func Listen(ctx context.Context, a addr.Addr, o ListenOptions) (*Listener, error) {
	path := a.Path
	if err := addr.CheckPath(path); err != nil {
		return nil, fmt.Errorf("listen unix %s: %w", path, err)
	}
	if isAbstract(path) {
		var lc net.ListenConfig
		ln, err := lc.Listen(ctx, "unix", path)
		if err != nil {
			return nil, err
		}
		return &Listener{ul: ln.(*net.UnixListener), path: path}, nil
	}
	mode := o.Mode.Perm()
	if mode == 0 {
		mode = 0o600
	}
	if err := clearStale(ctx, path); err != nil {
		return nil, err
	}
	ul, err := bindMode(ctx, path, mode)
	if err != nil {
		return nil, explain(path, false, err)
	}
	ul.SetUnlinkOnClose(false) // Close unlinks only our own file
	l := &Listener{ul: ul, path: path}
	if l.file, err = setMode(path, mode); err != nil {
		l.Close() // removes the file if it is ours
		return nil, fmt.Errorf("listen unix %s: %w", path, err)
	}
	return l, nil
}

// setMode gives the socket file just bound at path the exact mode, and
// returns its description for Close (also on a failed chmod, so that the
// file can be removed). The chmod is skipped when the umask took nothing
// away, and never follows a symbolic link swapped in for the socket by
// someone with write access to the directory (see chmodSocket).
func setMode(path string, mode fs.FileMode) (os.FileInfo, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return nil, replaced(fi)
	}
	if fi.Mode().Perm() == mode {
		return fi, nil
	}
	if err := chmodSocket(path, fi, mode); err != nil {
		return fi, fmt.Errorf("set mode %#o: %w", mode, err)
	}
	return fi, nil
}

// chmodChecked chmods path if it is still the socket fi describes. A
// file swapped in between the check and the chmod is not excluded; the
// caller uses it only where nothing better exists.
func chmodChecked(path string, fi os.FileInfo, mode fs.FileMode) error {
	now, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !os.SameFile(fi, now) || now.Mode().Type() != fs.ModeSocket {
		return replaced(now)
	}
	return os.Chmod(path, mode)
}

// replaced is the error for a socket file found replaced by fi right after
// bind.
func replaced(fi os.FileInfo) error {
	return fmt.Errorf("the socket file was replaced by %s right after bind", fileKind(fi.Mode()))
}

// clearStale removes a socket at path that nobody answers on, and fails
// for a live socket or a file of another type. A server listening on the
// file is found in /proc/net/unix first, without connecting: a connection
// would be a single-shot server's one client, and end it. It removes the socket only
// if it is still the one it dialled, so that a server that has just
// replaced it (another sockit clearing the same stale file) keeps its own.
func clearStale(ctx context.Context, path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a missing directory is reported by bind
	}
	if err != nil {
		return explain(path, false, err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("listen unix %s: %w (%s); not touching it", path, ErrNotSocket, fileKind(fi.Mode()))
	}
	if listeningOn(path, fi) { // seen without connecting to it
		return fmt.Errorf("listen unix %s: %w", path, ErrInUse)
	}
	// Not seen listening: most likely stale. Connecting tells for sure (a
	// server in another network namespace, or one that bound another
	// spelling of the path, answers) without costing a server we can see
	// its one connection.
	d := net.Dialer{Timeout: staleTimeout}
	c, err := d.DialContext(ctx, "unix", path)
	if err == nil {
		c.Close()
		return fmt.Errorf("listen unix %s: %w", path, ErrInUse)
	}
	if errors.Is(err, syscall.EAGAIN) { // a live server with a full backlog
		return fmt.Errorf("listen unix %s: %w", path, ErrInUse)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return explain(path, false, err)
	}
	now, err := os.Lstat(path)
	if err != nil || !os.SameFile(fi, now) {
		return nil // gone or replaced meanwhile: bind will tell
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return explain(path, false, fmt.Errorf("listen unix %s: remove stale socket: %w", path, err))
	}
	return nil
}

// Accept waits for the next connection and returns it unwrapped (a
// *net.UnixConn).
func (l *Listener) Accept() (net.Conn, error) { return l.ul.Accept() }

// Addr is the listener's address: the socket path or @NAME.
func (l *Listener) Addr() net.Addr { return l.ul.Addr() }

// Path is the socket path, or @NAME, the listener was opened on.
func (l *Listener) Path() string { return l.path }

// Close stops listening and removes the socket file if it is still the
// one Listen created (the same device and inode, still a socket): a file
// put in its place meanwhile is left alone. It may be called more than
// once, from several goroutines; later calls return the first one's
// result.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		l.closeErr = l.ul.Close()
		if l.file == nil {
			return
		}
		now, err := os.Lstat(l.path)
		if err != nil || !os.SameFile(l.file, now) || now.Mode().Type() != fs.ModeSocket {
			return
		}
		if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) && l.closeErr == nil {
			l.closeErr = fmt.Errorf("remove socket file: %w", err)
		}
	})
	return l.closeErr
}
