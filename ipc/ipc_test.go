package ipc

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// shortDir is a temporary directory with a path short enough for sockets.
func shortDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func TestParseAddr(t *testing.T) {
	long := strings.Repeat("a", 108)
	for _, tc := range []struct{ in, want, err string }{
		{"unix:/tmp/s", "/tmp/s", ""},
		{"unix:@name", "@name", ""},
		{"/tmp/s", "/tmp/s", ""},
		{"@x", "@x", ""},
		{"rel/s.sock", "rel/s.sock", ""},
		{"unix:", "", "empty socket path"},
		{"@", "", "empty socket path"},
		{"a\x00b", "", "NUL"},
		{"/" + long, "", "is 109 bytes, longer than the 107"},
		{"@" + long[:107], "@" + long[:107], ""},
	} {
		got, err := ParseAddr(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseAddr(%q) = %q, %v; want error %q", tc.in, got, err, tc.err)
			}
		} else if err != nil || got != tc.want {
			t.Errorf("ParseAddr(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"unix:/a", "@b", "unix:@", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseAddr(s)
		if err != nil {
			return
		}
		if p == "" || strings.IndexByte(p, 0) >= 0 || len(strings.TrimPrefix(p, "@")) > maxPath {
			t.Fatalf("ParseAddr(%q) = %q", s, p)
		}
	})
}

func TestListenHygiene(t *testing.T) {
	dir := shortDir(t)
	ctx := context.Background()

	// a fresh socket: mode 0600, round trip, removed on close
	p := filepath.Join(dir, "a.sock")
	l, err := Listen(ctx, p, ListenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o600 || fi.Mode().Type() != fs.ModeSocket {
		t.Fatalf("socket file %v, %v", fi.Mode(), err)
	}
	// a live socket is not stolen
	if _, err := Listen(ctx, p, ListenOptions{}); !errors.Is(err, ErrInUse) || !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("second Listen = %v, want ErrInUse", err)
	}
	l.Close()
	l.Close()
	if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket file left after Close: %v", err)
	}

	// a stale socket is replaced; --mode is applied
	stale, err := net.Listen("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	l, err = Listen(ctx, p, ListenOptions{Mode: 0o660})
	if err != nil {
		t.Fatalf("Listen over a stale socket = %v", err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o660 {
		t.Errorf("mode %v, want 0660", fi.Mode().Perm())
	}
	// replaced under us: Close leaves the new file alone
	os.Remove(p)
	os.WriteFile(p, []byte("someone else's"), 0o644)
	l.Close()
	if b, _ := os.ReadFile(p); string(b) != "someone else's" {
		t.Error("Close removed a file it did not create")
	}

	// other files are refused and intact
	for _, q := range []string{p, dir} {
		if _, err := Listen(ctx, q, ListenOptions{}); !errors.Is(err, ErrNotSocket) {
			t.Errorf("Listen(%s) = %v, want ErrNotSocket", q, err)
		}
	}
	if b, _ := os.ReadFile(p); string(b) != "someone else's" {
		t.Error("a refused file was changed")
	}

	// missing directory
	if _, err := Listen(ctx, filepath.Join(dir, "no", "s"), ListenOptions{}); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing dir: %v", err)
	}
}

func TestAbstractAndCredentials(t *testing.T) {
	name := "@" + shortDir(t) + "/abstract"
	l, err := Listen(context.Background(), name, ListenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	type res struct {
		c    net.Conn
		cred Cred
		ok   bool
	}
	acc := make(chan res, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			acc <- res{}
			return
		}
		cred, ok := PeerCred(c)
		acc <- res{c, cred, ok}
	}()
	c, err := net.Dial("unix", name)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := <-acc
	if r.c == nil {
		t.Fatal("accept failed")
	}
	defer r.c.Close()
	if !r.ok || r.cred.PID != os.Getpid() || r.cred.UID != os.Getuid() || r.cred.GID != os.Getgid() {
		t.Errorf("PeerCred = %+v, %v; want our own", r.cred, r.ok)
	}
	if ok, _ := AllowUIDs([]int{os.Getuid()})(r.c); !ok {
		t.Error("AllowUIDs refused our own uid")
	}
	if ok, why := AllowUIDs([]int{os.Getuid() + 1})(r.c); ok || !strings.Contains(why, "not allowed") {
		t.Errorf("AllowUIDs admitted another uid: %q", why)
	}
	c.Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(r.c, buf); err != nil || string(buf) != "ping" {
		t.Errorf("read %q, %v", buf, err)
	}
	if _, ok := PeerCred(&net.TCPConn{}); ok {
		t.Error("PeerCred on a TCP conn")
	}
	if env := (Cred{1, 2, 3}).Env(); strings.Join(env, " ") != "SOCKIT_PEER_PID=1 SOCKIT_PEER_UID=2 SOCKIT_PEER_GID=3" {
		t.Errorf("Env = %q", env)
	}
}
