package udp

import (
	"context"
	"errors"
	"net"
	"testing"

	"sockit/pipe"
)

// TestRelayRefusedOnce: an upstream whose port is closed refuses every
// datagram a client sends (ICMP port unreachable); the session reports
// that once, not once a datagram.
func TestRelayRefusedOnce(t *testing.T) {
	ev := newEvents()
	gone := listenLoopback(t)
	upAddr := gone.LocalAddr().(*net.UDPAddr)
	gone.Close()
	srv := &Server{Conn: listenLoopback(t), Sessions: SessionOptions{OnEvent: ev.observe}}
	serveInBackground(t, func(ctx context.Context) error {
		return srv.Relay(ctx, func(ctx context.Context) (*net.UDPConn, error) {
			return net.DialUDP("udp", nil, upAddr)
		})
	})
	refusals := func(c *net.UDPConn) int {
		n := 0
		for _, e := range ev.named(pipe.EventError) {
			var re *RefusedError
			if !errors.As(e.Err, &re) {
				t.Fatalf("error event %v", e.Err)
			}
			if e.Remote.String() == c.LocalAddr().String() {
				n++
			}
		}
		return n
	}
	a := dialLoopback(t, srv.Conn.LocalAddr())
	send(t, a, "anyone?")
	for refusals(a) == 0 {
		<-ev.c
	}
	for range 20 {
		send(t, a, "anyone?")
	}
	// b's datagram comes after a's on the relay's socket: once b's
	// refusal is in, a's datagrams have all been sent upstream
	b := dialLoopback(t, srv.Conn.LocalAddr())
	send(t, b, "hello?")
	for refusals(b) == 0 {
		<-ev.c
	}
	if n := refusals(a); n != 1 {
		t.Errorf("%d refusal events for one session's 21 refused datagrams, want 1", n)
	}
}
