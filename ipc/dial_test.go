package ipc

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"sockit/pipe"
)

// roundTrip sends msg from a to b and back, and checks both arrive.
func roundTrip(t *testing.T, a, b net.Conn, msg string) {
	t.Helper()
	for _, dir := range [][2]net.Conn{{a, b}, {b, a}} {
		if _, err := io.WriteString(dir[0], msg); err != nil {
			t.Fatalf("write: %v", err)
		}
		buf := make([]byte, len(msg))
		if _, err := io.ReadFull(dir[1], buf); err != nil || string(buf) != msg {
			t.Fatalf("read %q, %v; want %q", buf, err, msg)
		}
	}
}

// TestRoundTrip sends bytes both ways over a socket file and over an
// abstract name, and checks the byte counts and the peer's address.
func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name     string
		path     func(dir string) string
		fileless bool
	}{
		{"socket file", func(dir string) string { return filepath.Join(dir, "s") }, false},
		{"abstract name", func(dir string) string { return "@" + dir + "/abstract" }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := shortDir(t)
			p := tc.path(dir)
			l := listenT(t, p, ListenOptions{Mode: 0o640}) // ignored for abstract names
			if got := l.Addr().String(); got != p {
				t.Errorf("Addr = %q, want %q", got, p)
			}
			if tc.fileless {
				if ents, _ := os.ReadDir(dir); len(ents) != 0 {
					t.Errorf("an abstract listener made files: %v", ents)
				}
			}
			c, raw := dialPair(t, l, pipe.Options{})
			s, err := pipe.Wrap(raw, pipe.Options{})
			if err != nil {
				t.Fatal(err)
			}
			up := bytes.Repeat([]byte("0123456789"), 10_000) // 100,000 bytes
			go writeAndHalfClose(c, up)
			got, err := io.ReadAll(s)
			if err != nil || !bytes.Equal(got, up) {
				t.Fatalf("server read %d bytes, %v; want %d", len(got), err, len(up))
			}
			if _, err := io.WriteString(s, "thanks"); err != nil {
				t.Fatal(err)
			}
			s.Close()
			back, err := io.ReadAll(c)
			if err != nil || string(back) != "thanks" {
				t.Fatalf("client read %q, %v", back, err)
			}
			if c.BytesOut() != 100_000 || c.BytesIn() != 6 || s.BytesIn() != 100_000 || s.BytesOut() != 6 {
				t.Errorf("counts: client out %d in %d, server in %d out %d", c.BytesOut(), c.BytesIn(), s.BytesIn(), s.BytesOut())
			}
			if c.RemoteAddr().String() != p {
				t.Errorf("remote address %s, want %s", c.RemoteAddr(), p)
			}
			l.Close()
			if tc.fileless {
				if ents, _ := os.ReadDir(dir); len(ents) != 0 {
					t.Errorf("files left: %v", ents)
				}
			}
		})
	}
}

func writeAndHalfClose(c *pipe.Conn, p []byte) {
	c.Write(p)
	c.CloseWrite()
}

func TestDialErrors(t *testing.T) {
	dir := shortDir(t)
	stale := filepath.Join(dir, "stale")
	staleSocket(t, stale)
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path string
		is   error
		want string
	}{
		{stale, syscall.ECONNREFUSED, "dial unix " + stale + ": connect: connection refused"},
		{filepath.Join(dir, "none"), fs.ErrNotExist, "unix " + dir + "/none: no such socket"},
		{filepath.Join(dir, "no", "s"), fs.ErrNotExist, "unix " + dir + "/no/s: directory " + dir + "/no does not exist"},
		{file, ErrNotSocket, "unix " + file + ": a regular file, not a socket"}, // Linux says "connection refused"
		{"@" + dir + "/nobody", syscall.ECONNREFUSED, "connection refused"},
		{"", nil, "empty socket path"},
	} {
		c, err := Dial(t.Context(), unixAddr(tc.path), nil)
		if err == nil {
			c.Close()
			t.Errorf("Dial(%q) succeeded", tc.path)
			continue
		}
		if (tc.is != nil && !errors.Is(err, tc.is)) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Dial(%q) = %v; want %v saying %q", tc.path, err, tc.is, tc.want)
		}
	}
}
