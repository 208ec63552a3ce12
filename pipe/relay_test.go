package pipe

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// relayed sets up client ⇄ [a | Relay | b] ⇄ server and returns the two
// outer ends and Relay's outcome.
func relayed(t *testing.T, pair func(testing.TB) (net.Conn, net.Conn), ctx context.Context, o Options) (client, server net.Conn, a, b *Conn, done <-chan error) {
	t.Helper()
	client, ar := pair(t)
	br, server := pair(t)
	a, b = wrap(t, ar, o), wrap(t, br, o)
	ch := make(chan error, 1)
	go func() { ch <- Relay(ctx, a, b) }()
	return client, server, a, b, ch
}

// TestRelayHalfClose: each side's EOF becomes a half-close of the other,
// and a reply sent after it still arrives whole, both ways round, over
// TCP, Unix and across the two.
func TestRelayHalfClose(t *testing.T) {
	for name, pair := range map[string]func(testing.TB) (net.Conn, net.Conn){"tcp": tcpPair, "unix": unixPair} {
		for _, clientFirst := range []bool{true, false} {
			client, server, a, b, done := relayed(t, pair, context.Background(), Options{})
			first, second := client, server
			if !clientFirst {
				first, second = server, client
			}
			big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB: several splices
			go func() {
				first.Write(big)
				first.(interface{ CloseWrite() error }).CloseWrite()
			}()
			got, err := io.ReadAll(second)
			if err != nil || !bytes.Equal(got, big) {
				t.Fatalf("%s: first direction: %d bytes, %v", name, len(got), err)
			}
			if _, err := second.Write([]byte("reply after EOF")); err != nil {
				t.Fatal(err)
			}
			second.(interface{ CloseWrite() error }).CloseWrite()
			reply, err := io.ReadAll(first)
			if err != nil || string(reply) != "reply after EOF" {
				t.Fatalf("%s: reply %q, %v", name, reply, err)
			}
			if err := <-done; err != nil {
				t.Fatalf("%s: Relay: %v", name, err)
			}
			if a.BytesIn()+b.BytesIn() != int64(len(big)+15) || a.BytesIn() != b.BytesOut() || b.BytesIn() != a.BytesOut() {
				t.Errorf("%s: counts a in %d out %d, b in %d out %d", name, a.BytesIn(), a.BytesOut(), b.BytesIn(), b.BytesOut())
			}
		}
	}
}

// TestRelayContext: ending the context closes both sides and returns its
// cause.
func TestRelayContext(t *testing.T) {
	cause := errors.New("stopped")
	ctx, cancel := context.WithCancelCause(context.Background())
	client, server, _, _, done := relayed(t, tcpPair, ctx, Options{})
	cancel(cause)
	if err := <-done; !errors.Is(err, cause) {
		t.Fatalf("Relay: %v, want %v", err, cause)
	}
	for _, c := range []net.Conn{client, server} {
		if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
			t.Errorf("read after cancel: %d, %v", n, err)
		}
	}
}

// TestRelayIdleTimeout: a pair idle in both directions ends with
// ErrIdleTimeout; traffic one way keeps it alive.
func TestRelayIdleTimeout(t *testing.T) {
	client, _, _, _, done := relayed(t, tcpPair, context.Background(), Options{IdleTimeout: 200 * time.Millisecond})
	for range 4 { // 400ms of traffic in one direction only
		client.Write([]byte("x"))
		time.Sleep(100 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("Relay ended while busy: %v", err)
	default:
	}
	if err := <-done; !errors.Is(err, ErrIdleTimeout) {
		t.Fatalf("Relay: %v, want ErrIdleTimeout", err)
	}
}
