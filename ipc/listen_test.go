package ipc

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"sockit/pipe"
)

// TestListenExisting covers what Listen does with whatever is at its
// path already: nothing or a stale socket are fine; a live socket and any
// other file are refused and left as they were.
func TestListenExisting(t *testing.T) {
	for _, tc := range []struct {
		name string
		// setup prepares dir and returns the path to listen on and a check
		// that what was there is intact after Listen.
		setup   func(t *testing.T, dir string) (path string, intact func(t *testing.T))
		wantIs  []error // nil: Listen succeeds
		wantMsg string
	}{
		{name: "nothing", setup: func(t *testing.T, dir string) (string, func(*testing.T)) {
			return filepath.Join(dir, "s"), nil
		}},
		{name: "stale socket", setup: func(t *testing.T, dir string) (string, func(*testing.T)) {
			p := filepath.Join(dir, "s")
			staleSocket(t, p)
			return p, nil
		}},
		{name: "live socket", setup: liveSocket,
			wantIs: []error{ErrInUse, syscall.EADDRINUSE}, wantMsg: "address in use: a server is answering there"},
		{name: "regular file", setup: regularFile,
			wantIs: []error{ErrNotSocket}, wantMsg: ": not a socket (a regular file); not touching it"},
		{name: "directory", setup: func(t *testing.T, dir string) (string, func(*testing.T)) {
			p := filepath.Join(dir, "d")
			if err := os.Mkdir(p, 0o700); err != nil {
				t.Fatal(err)
			}
			return p, func(t *testing.T) {
				if fi, err := os.Lstat(p); err != nil || !fi.IsDir() {
					t.Errorf("directory changed: %v, %v", fi, err)
				}
			}
		}, wantIs: []error{ErrNotSocket}, wantMsg: "not a socket (a directory)"},
		{name: "symlink to a stale socket", setup: func(t *testing.T, dir string) (string, func(*testing.T)) {
			target := filepath.Join(dir, "target")
			staleSocket(t, target)
			p := filepath.Join(dir, "link")
			if err := os.Symlink(target, p); err != nil {
				t.Fatal(err)
			}
			return p, func(t *testing.T) {
				if got, err := os.Readlink(p); err != nil || got != target {
					t.Errorf("link changed: %q, %v", got, err)
				}
				if fi, err := os.Lstat(target); err != nil || fi.Mode().Type() != fs.ModeSocket {
					t.Errorf("link target changed: %v, %v", fi, err)
				}
			}
		}, wantIs: []error{ErrNotSocket}, wantMsg: "not a socket (a symbolic link)"},
		{name: "named pipe", setup: func(t *testing.T, dir string) (string, func(*testing.T)) {
			p := filepath.Join(dir, "fifo")
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
			return p, func(t *testing.T) {
				if fi, err := os.Lstat(p); err != nil || fi.Mode().Type() != fs.ModeNamedPipe {
					t.Errorf("fifo changed: %v, %v", fi, err)
				}
			}
		}, wantIs: []error{ErrNotSocket}, wantMsg: "not a socket (a named pipe)"},
		{name: "missing directory", setup: func(t *testing.T, dir string) (string, func(*testing.T)) {
			return filepath.Join(dir, "no", "such", "s"), nil
		}, wantIs: []error{fs.ErrNotExist, syscall.ENOENT}, wantMsg: "/no/such does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, intact := tc.setup(t, shortDir(t))
			l, err := Listen(t.Context(), unixAddr(p), ListenOptions{})
			if tc.wantIs == nil {
				if err != nil {
					t.Fatalf("Listen = %v", err)
				}
				defer l.Close()
				if fi, err := os.Lstat(p); err != nil || fi.Mode().Type() != fs.ModeSocket {
					t.Fatalf("no socket file: %v, %v", fi, err)
				}
				c, s := dialPair(t, l, pipe.Options{})
				roundTrip(t, c, s, "ping")
				return
			}
			if err == nil {
				l.Close()
				t.Fatal("Listen succeeded")
			}
			for _, target := range tc.wantIs {
				if !errors.Is(err, target) {
					t.Errorf("Listen = %v; want it to wrap %v", err, target)
				}
			}
			if !strings.Contains(err.Error(), tc.wantMsg) || !strings.Contains(err.Error(), p) {
				t.Errorf("Listen = %q; want it to name %s and say %q", err, p, tc.wantMsg)
			}
			if intact != nil {
				intact(t)
			}
		})
	}
}

// liveSocket has a server listening at dir/s; the check makes sure it
// still has its file and still accepts, after the empty connection of
// Listen's probe.
func liveSocket(t *testing.T, dir string) (string, func(*testing.T)) {
	p := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return p, func(t *testing.T) {
		// On Linux no probe connection came first: Listen saw the server
		// in /proc/net/unix. Elsewhere it connected: an empty connection.
		if _, err := os.Stat(procNetUnix); err != nil {
			if probe := <-acceptOne(ln); probe.err == nil {
				probe.c.Close()
			}
		}
		acc := acceptOne(ln)
		c, err := net.Dial("unix", p)
		if err != nil {
			t.Fatalf("the other server's socket no longer answers: %v", err)
		}
		defer c.Close()
		a := <-acc
		if a.err != nil {
			t.Fatal(a.err)
		}
		roundTrip(t, c, a.c, "still here")
		a.c.Close()
	}
}

// regularFile puts a file with content at dir/file; the check makes sure
// the content is unchanged.
func regularFile(t *testing.T, dir string) (string, func(*testing.T)) {
	p := filepath.Join(dir, "file")
	const content = "precious data\n"
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, func(t *testing.T) {
		if b, err := os.ReadFile(p); err != nil || string(b) != content {
			t.Errorf("file now holds %q, %v", b, err)
		}
	}
}

func TestListenMode(t *testing.T) {
	for _, tc := range []struct {
		mode  fs.FileMode
		umask int
		want  fs.FileMode
	}{
		{0, 0o022, 0o600},
		{0, 0, 0o600},
		{0o666, 0o022, 0o666},
		{0o666, 0o077, 0o666},
		{0o660, 0o002, 0o660},
		{0o777, 0o022, 0o777},
		{0o640, 0, 0o640},
		{0o700 | fs.ModeSetuid, 0o022, 0o700}, // only the permission bits count
	} {
		p := sockPath(t, "s")
		var l *Listener
		var err error
		withUmask(tc.umask, func() { l, err = Listen(t.Context(), unixAddr(p), ListenOptions{Mode: tc.mode}) })
		if err != nil {
			t.Fatalf("Listen(mode %v, umask %#o) = %v", tc.mode, tc.umask, err)
		}
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != tc.want || fi.Mode().Type() != fs.ModeSocket {
			t.Errorf("mode %v, umask %#o: file mode %v, %v; want socket %v", tc.mode, tc.umask, fi.Mode(), err, tc.want)
		}
		l.Close()
	}
}
