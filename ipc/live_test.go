package ipc

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestBoundPaths(t *testing.T) {
	const table = `Num       RefCount Protocol Flags    Type St Inode Path
00000000d0ba3e39: 00000003 00000000 00000000 0001 03  1157
000000009ae970ec: 00000002 00000000 00010000 0001 01  1158 /run/a.sock
000000009ae970ed: 00000002 00000000 00010000 0001 01 123456 /tmp/with space.sock
000000009ae970ee: 00000003 00000000 00000000 0001 03 123457 /run/a.sock
000000009ae970ef: 00000002 00000000 00010000 0001 01 123458 @abstract
000000009ae970f0: 00000002 00000000 00010000 0005 01 123459 rel.sock
000000009ae970f1: 00000002 00000000 00000000 0001 01 123460 /run/bound-only.sock
000000009ae970f2: 00000003 00000000 00000000 0001 03 123461 /run/accepted.sock
`
	got := boundPaths(strings.NewReader(table))
	want := []string{"/run/a.sock", "/tmp/with space.sock", "rel.sock", "/run/bound-only.sock"}
	if !slices.Equal(got, want) {
		t.Fatalf("boundPaths = %q, want %q", got, want)
	}
}

// TestListeningOnNoConnect: a second Listen on the path of a live
// listener fails with ErrInUse without connecting to it, so the first
// listener's first Accept gets the first real client.
func TestListeningOnNoConnect(t *testing.T) {
	if _, err := os.Stat(procNetUnix); err != nil {
		t.Skip("no /proc/net/unix")
	}
	path := filepath.Join(shortDir(t), "live.sock")
	ln, err := Listen(context.Background(), unixAddr(path), ListenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !listeningOn(path, fi) {
		t.Fatalf("listeningOn(%s) = false for a live listener", path)
	}
	if _, err := Listen(context.Background(), unixAddr(path), ListenOptions{}); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second Listen: %v, want address in use", err)
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("x"))
	a, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b := make([]byte, 1)
	if n, err := a.Read(b); n != 1 || b[0] != 'x' {
		t.Fatalf("the first accepted connection read %q, %v: the probe was accepted first", b[:n], err)
	}
}

// TestBoundNotListening: a socket file whose socket is bound but not yet
// listening (a server between bind and listen) is in use, not stale: a
// connection would be refused and the file taken from a live server.
func TestBoundNotListening(t *testing.T) {
	if _, err := os.Stat(procNetUnix); err != nil {
		t.Skip("no /proc/net/unix")
	}
	path := filepath.Join(shortDir(t), "bound.sock")
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: path}); err != nil {
		t.Fatal(err)
	}
	before, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(context.Background(), unixAddr(path), ListenOptions{}); !errors.Is(err, ErrInUse) {
		t.Fatalf("Listen on a bound socket's file: %v, want ErrInUse", err)
	}
	if now, err := os.Lstat(path); err != nil || !os.SameFile(before, now) {
		t.Fatalf("the bound socket's file was replaced or removed: %v", err)
	}
}
