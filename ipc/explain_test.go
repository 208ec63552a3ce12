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
)

func TestTooLong(t *testing.T) {
	p := filepath.Join(shortDir(t), strings.Repeat("a", 120))
	const want = "longer than the 107 a Unix socket address can hold"
	if l, err := Listen(t.Context(), unixAddr(p), ListenOptions{}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Listen = %v, want %q", err, want)
		if err == nil {
			l.Close()
		}
	}
	if c, err := Dial(t.Context(), unixAddr(p), nil); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Dial = %v, want %q", err, want)
		if err == nil {
			c.Close()
		}
	}
	if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a file was made: %v", err)
	}
}

func TestExplain(t *testing.T) {
	dir := shortDir(t)
	opErr := func(op string, errno syscall.Errno) error {
		return &net.OpError{Op: op, Net: "unix", Err: os.NewSyscallError("bind", errno)}
	}
	for _, tc := range []struct {
		path    string
		dialing bool
		err     error
		want    string
		is      []error
	}{
		{dir + "/s", false, opErr("listen", syscall.EACCES), "unix " + dir + "/s: permission denied", []error{fs.ErrPermission, syscall.EACCES}},
		{dir + "/s", true, opErr("dial", syscall.EPERM), "unix " + dir + "/s: permission denied", []error{fs.ErrPermission}},
		{dir + "/s", true, opErr("dial", syscall.ENOENT), "unix " + dir + "/s: no such socket", []error{fs.ErrNotExist}},
		{dir + "/x/s", true, opErr("dial", syscall.ENOENT), "unix " + dir + "/x/s: directory " + dir + "/x does not exist", []error{fs.ErrNotExist}},
		{dir + "/s", false, opErr("listen", syscall.EADDRINUSE), "listen unix: bind: address already in use", []error{syscall.EADDRINUSE}},
		{dir + "/s", true, opErr("dial", syscall.ECONNREFUSED), "dial unix: bind: connection refused", []error{syscall.ECONNREFUSED}},
	} {
		err := explain(tc.path, tc.dialing, tc.err)
		if err.Error() != tc.want {
			t.Errorf("explain(%v) = %q, want %q", tc.err, err, tc.want)
		}
		for _, target := range tc.is {
			if !errors.Is(err, target) {
				t.Errorf("explain(%v) = %v, does not wrap %v", tc.err, err, target)
			}
		}
		// a rewording hides the OpError: the CLI's port hints must not fire
		var oe *net.OpError
		if err != tc.err && errors.As(err, &oe) {
			t.Errorf("explain(%v) still wraps the OpError", tc.err)
		}
	}
}

func TestListenPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root is never denied; TestExplain covers the wording")
	}
	dir := shortDir(t)
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	p := filepath.Join(dir, "s")
	_, err := Listen(t.Context(), unixAddr(p), ListenOptions{})
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("Listen in a read-only directory = %v", err)
	}
}
