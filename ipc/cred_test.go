package ipc

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"sockit/pipe"
)

// TestPeerCred checks both ends of a connection see this process, through
// wrappers too, and that other connections have no credentials.
func TestPeerCred(t *testing.T) {
	l := listenT(t, filepath.Join(shortDir(t), "s"), ListenOptions{})
	client, server := dialPair(t, l, pipe.Options{})
	wrapped, err := pipe.Wrap(server, pipe.Options{})
	if err != nil {
		t.Fatal(err)
	}
	own := Cred{PID: os.Getpid(), UID: os.Getuid(), GID: os.Getgid()}
	for name, c := range map[string]net.Conn{
		"server, raw":         server,
		"server, wrapped":     wrapped,
		"server, wrapped x2":  nested{wrapped},
		"client (*pipe.Conn)": client,
		"client, raw":         client.NetConn(),
	} {
		if got, ok := PeerCred(c); !ok || got != own {
			t.Errorf("%s: PeerCred = %+v, %v; want %+v", name, got, ok, own)
		}
	}

	tcpLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcpLn.Close()
	acc := acceptOne(tcpLn)
	tc, err := net.Dial("tcp", tcpLn.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	a := <-acc
	if a.err != nil {
		t.Fatal(a.err)
	}
	defer a.c.Close()
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	for name, c := range map[string]net.Conn{
		"TCP client": tc, "TCP server": a.c, "net.Pipe": p1, "nil": nil,
		"zero UnixConn": &net.UnixConn{}, "nil NetConn": nested{nil},
	} {
		if got, ok := PeerCred(c); ok {
			t.Errorf("%s: PeerCred = %+v, true; want false", name, got)
		}
	}
	if env := (Cred{1, 2, 3}).Env(); strings.Join(env, " ") != "SOCKIT_PEER_PID=1 SOCKIT_PEER_UID=2 SOCKIT_PEER_GID=3" {
		t.Errorf("Env = %q", env)
	}
	if s := (Cred{1, 2, 3}).String(); s != "pid 1, uid 2, gid 3" {
		t.Errorf("String = %q", s)
	}
}

// nested wraps a connection the way a *tls.Conn does: a NetConn method.
type nested struct{ net.Conn }

func (n nested) NetConn() net.Conn { return n.Conn }

func TestAllowUID(t *testing.T) {
	l := listenT(t, filepath.Join(shortDir(t), "s"), ListenOptions{})
	_, server := dialPair(t, l, pipe.Options{})
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	me := os.Getuid()
	for _, tc := range []struct {
		c    net.Conn
		uids []int
		want bool
		why  string
	}{
		{server, nil, true, ""},
		{server, []int{}, true, ""},
		{server, []int{me}, true, ""},
		{server, []int{me + 1, me}, true, ""},
		{server, []int{me + 1}, false, "uid " + strconv.Itoa(me) + " not allowed"},
		{p1, nil, true, ""},
		{p1, []int{me}, false, "peer credentials unavailable"},
	} {
		if got, _ := AllowUIDs(tc.uids)(tc.c); got != tc.want {
			t.Errorf("AllowUID(%T, %v) = %v, want %v", tc.c, tc.uids, got, tc.want)
		}
		if ok, why := AllowUIDs(tc.uids)(tc.c); ok != tc.want || why != tc.why {
			t.Errorf("AllowUIDs(%v)(%T) = %v, %q; want %v, %q", tc.uids, tc.c, ok, why, tc.want, tc.why)
		}
	}
}
