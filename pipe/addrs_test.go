package pipe

import (
	"io"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// TestWrapAddrs: a Conn wrapped with other addresses reports them, in
// its close event too, and still copies to a socket through its raw
// connection (the splice path), counting exactly.
func TestWrapAddrs(t *testing.T) {
	client, server := tcpPair(t)
	peer, far := tcpPair(t)
	src := net.TCPAddrFromAddrPort(netip.MustParseAddrPort("192.0.2.7:4321"))
	var closed Event
	c, err := WrapAddrs(server, Options{OnEvent: func(e Event) {
		if e.Name == EventClose {
			closed = e
		}
	}}, nil, src)
	if err != nil {
		t.Fatal(err)
	}
	if c.RemoteAddr() != src || c.LocalAddr() != server.LocalAddr() {
		t.Fatalf("addresses %v %v", c.LocalAddr(), c.RemoteAddr())
	}
	if _, ok := c.NetConn().(*net.TCPConn); !ok {
		t.Fatalf("raw connection is %T, not the socket", c.NetConn())
	}
	up, err := Wrap(peer, Options{})
	if err != nil {
		t.Fatal(err)
	}
	go func() { io.WriteString(client, strings.Repeat("x", 100000)); client.Close() }()
	n, err := up.ReadFrom(c)
	if n != 100000 || err != nil || c.BytesIn() != 100000 || up.BytesOut() != 100000 {
		t.Fatalf("ReadFrom = %d, %v; in %d, out %d", n, err, c.BytesIn(), up.BytesOut())
	}
	up.Close()
	io.Copy(io.Discard, far)
	c.Close()
	if closed.Remote != src {
		t.Fatalf("close event from %v", closed.Remote)
	}
}
