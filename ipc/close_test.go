package ipc

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"testing"
)

func TestListenClose(t *testing.T) {
	for _, tc := range []struct {
		name string
		// meanwhile runs between Listen and Close; it returns a check of
		// what must be at the path afterwards (nil: nothing).
		meanwhile func(t *testing.T, path string) func(t *testing.T)
	}{
		{"untouched", func(*testing.T, string) func(*testing.T) { return nil }},
		{"already removed", func(t *testing.T, p string) func(*testing.T) {
			os.Remove(p)
			return nil
		}},
		{"replaced by a regular file", func(t *testing.T, p string) func(*testing.T) {
			os.Remove(p)
			if err := os.WriteFile(p, []byte("someone else's"), 0o644); err != nil {
				t.Fatal(err)
			}
			return func(t *testing.T) {
				if b, err := os.ReadFile(p); err != nil || string(b) != "someone else's" {
					t.Errorf("the new file now holds %q, %v", b, err)
				}
			}
		}},
		{"replaced by another server's socket", func(t *testing.T, p string) func(*testing.T) {
			os.Remove(p)
			ln, err := net.Listen("unix", p)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			return func(t *testing.T) {
				c, err := net.Dial("unix", p)
				if err != nil {
					t.Fatalf("the other server's socket is gone: %v", err)
				}
				c.Close()
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := sockPath(t, "s")
			l, err := Listen(t.Context(), unixAddr(p), ListenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			after := tc.meanwhile(t, p)
			errs := make(chan error, 3)
			for range 3 { // Close is idempotent and safe from several goroutines
				go closeInto(l, errs)
			}
			for range 3 {
				if err := <-errs; err != nil {
					t.Errorf("Close = %v", err)
				}
			}
			if _, err := l.Accept(); err == nil {
				t.Error("Accept after Close succeeded")
			}
			if after != nil {
				after(t)
			} else if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("socket file left after Close: %v", err)
			}
		})
	}
}

func closeInto(l *Listener, errs chan<- error) { errs <- l.Close() }
