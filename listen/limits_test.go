package listen

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"sockit/pipe"
)

// TestMaxConnsRejectWhy: a connection over MaxConns is rejected with a
// ConnLimitError that carries the limit and names no flag.
func TestMaxConnsRejectWhy(t *testing.T) {
	rejects := make(chan pipe.Event, 1)
	o := pipe.Options{OnEvent: func(e pipe.Event) {
		if e.Name == pipe.EventReject {
			rejects <- e
		}
	}}
	ln, err := TCP(context.Background(), loopback, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	served := make(chan struct{})
	go func() {
		done <- Serve(ctx, ln, o, Limits{MaxConns: 1}, func(ctx context.Context, c *pipe.Conn) error {
			close(served)
			<-ctx.Done() // hold the one slot
			return nil
		})
	}()
	defer func() { cancel(); <-done }()
	first, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	<-served
	second, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	select {
	case e := <-rejects:
		var cl *ConnLimitError
		if !errors.As(e.Err, &cl) || cl.MaxConns != 1 || strings.Contains(e.Err.Error(), "--") {
			t.Fatalf("reject why %v (%T), want a ConnLimitError of 1 without flag names", e.Err, e.Err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no reject event for the connection over the limit")
	}
}
