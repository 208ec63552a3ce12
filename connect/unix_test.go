package connect

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sockit/pipe"
)

// shortDir is a fresh directory with a short path: a Unix socket's path
// must fit in 108 bytes, which t.TempDir's may not.
func shortDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sockit")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// TestDialUnix dials a Unix socket the way the binary does (a unix: ADDR
// through Dialer, which dials through ipc.Dial): the bytes go both ways,
// the counters see them, and the connect event names the socket's path.
func TestDialUnix(t *testing.T) {
	path := filepath.Join(shortDir(t), "s.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	served := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			served <- err
			return
		}
		defer c.Close()
		got := make([]byte, 4)
		if _, err := io.ReadFull(c, got); err != nil || string(got) != "ping" {
			served <- errors.New("server read " + string(got))
			return
		}
		_, err = c.Write([]byte("pong"))
		served <- err
	}()

	var rec recorder
	d := Dialer{Socket: pipe.Options{OnEvent: rec.observe}}
	c, err := d.Dial(context.Background(), at(t, "unix:"+path))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 4)
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "pong" {
		t.Fatalf("read %q, %v; want pong", got, err)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	if c.BytesIn() != 4 || c.BytesOut() != 4 {
		t.Errorf("BytesIn %d, BytesOut %d; want 4 and 4", c.BytesIn(), c.BytesOut())
	}
	ev := rec.named(pipe.EventConnect)
	if len(ev) != 1 {
		t.Fatalf("connect events %+v, want one", ev)
	}
	if e := ev[0]; e.Host != path || e.Attempt != 1 || e.Remote == nil || e.Remote.String() != path || e.ID != c.ID() {
		t.Errorf("connect event %+v: want host and remote %s, attempt 1, id %d", e, path, c.ID())
	}
}

// TestDialUnixMissingDirectory: a socket path in a directory that does
// not exist is explained as such (as ipc listen explains it), and no
// connect event is reported.
func TestDialUnixMissingDirectory(t *testing.T) {
	dir := filepath.Join(shortDir(t), "gone")
	path := filepath.Join(dir, "x.sock")
	var rec recorder
	d := Dialer{Socket: pipe.Options{OnEvent: rec.observe}}
	c, err := d.Dial(context.Background(), at(t, "unix:"+path))
	if err == nil {
		c.Close()
		t.Fatal("Dial succeeded")
	}
	if !strings.Contains(err.Error(), "directory "+dir+" does not exist") {
		t.Errorf("Dial = %q, want it to say that directory %s does not exist", err, dir)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Dial = %v, not fs.ErrNotExist", err)
	}
	if ev := rec.named(pipe.EventConnect); len(ev) != 0 {
		t.Errorf("connect events %+v for a failed dial", ev)
	}
}
