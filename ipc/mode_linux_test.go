package ipc

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestBindMode checks the Linux way of creating the socket file no more
// open than asked, before any chmod: bind(2) applies the socket's own
// mode, set with fchmod(2), less the umask.
func TestBindMode(t *testing.T) {
	for _, tc := range []struct {
		mode  fs.FileMode
		umask int
		want  fs.FileMode
	}{
		{0o600, 0, 0o600},
		{0o600, 0o022, 0o600},
		{0o666, 0o022, 0o644}, // Listen's chmod then widens it to 0666
		{0o777, 0, 0o777},
		{0o640, 0o077, 0o600},
	} {
		p := filepath.Join(shortDir(t), "s")
		withUmask(tc.umask, func() {
			l, err := bindMode(t.Context(), p, tc.mode)
			if err != nil {
				t.Fatalf("bindMode(%v) = %v", tc.mode, err)
			}
			defer l.Close()
			fi, err := os.Lstat(p)
			if err != nil || fi.Mode().Perm() != tc.want {
				t.Errorf("bindMode(%v) with umask %#o: file %v, %v; want mode %v", tc.mode, tc.umask, fi, err, tc.want)
			}
		})
	}
}

// TestChmodNoFollow checks that the chmod after bind changes the socket
// file and refuses a symbolic link or another file swapped in for it,
// leaving what the link points to alone: with fchmodat2 and with the
// fallback for older kernels.
func TestChmodNoFollow(t *testing.T) {
	for name, chmod := range map[string]func(string, os.FileInfo, fs.FileMode) error{
		"chmodSocket": chmodSocket, "chmodChecked": chmodChecked,
	} {
		dir := shortDir(t)
		p := filepath.Join(dir, "s")
		staleSocket(t, p)
		fi, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := chmod(p, fi, 0o666); err != nil {
			t.Errorf("%s on the socket = %v", name, err)
		}
		if fi, _ := os.Lstat(p); fi.Mode().Perm() != 0o666 {
			t.Errorf("%s: socket mode %v, want 0666", name, fi.Mode())
		}

		target := filepath.Join(dir, "secret")
		if err := os.WriteFile(target, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		os.Remove(p)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		if err := chmod(p, fi, 0o666); err == nil {
			t.Errorf("%s followed a symbolic link", name)
		}
		if tf, _ := os.Stat(target); tf.Mode().Perm() != 0o600 {
			t.Errorf("%s: link target's mode is now %v", name, tf.Mode())
		}
	}
}
