package serve

import (
	"context"
	"errors"
	"testing"

	"go.uber.org/goleak"

	"sockit/addr"
	"sockit/listen"
	"sockit/pipe"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// startServe runs the handler h behind listen.Serve on a fresh loopback
// listener and returns its address and a function that stops it and
// returns Serve's error.
func startServe(t *testing.T, o pipe.Options, h listen.Handler) (string, func() error) {
	t.Helper()
	ln, err := listen.TCP(context.Background(), addr.Addr{Host: "127.0.0.1"}, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() { done <- listen.Serve(ctx, ln, o, listen.Limits{}, h) }()
	return ln.Addr().String(), func() error {
		cancel(errors.New("stopped"))
		return <-done
	}
}
