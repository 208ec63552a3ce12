package listen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"sockit/addr"
	"sockit/pipe"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// events is a goroutine-safe event log.
type events struct {
	mu sync.Mutex
	ev []pipe.Event
}

func (r *events) observe(e pipe.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ev = append(r.ev, e)
}

func (r *events) named(name string) []pipe.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []pipe.Event
	for _, e := range r.ev {
		if e.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// echo sends every byte back, then half-closes: the accept loop's tests
// bring their own handler (the real ones are in serve).
func echo(ctx context.Context, c *pipe.Conn) error {
	if _, err := c.Echo(); err != nil {
		return err
	}
	return c.CloseWrite()
}

// loopback is 127.0.0.1, port 0: a free port.
var loopback = addr.Addr{Host: "127.0.0.1"}

// startServe runs Serve with h on a fresh loopback listener and returns
// its address and a function that stops it and returns Serve's error.
func startServe(t *testing.T, o pipe.Options, h Handler) (string, func() error) {
	t.Helper()
	ln, err := TCP(context.Background(), loopback, o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, o, Limits{}, h) }()
	return ln.Addr().String(), func() error {
		cancel(errors.New("stopped"))
		return <-done
	}
}

func TestEchoConcurrentClients(t *testing.T) {
	var rec events
	addr, stop := startServe(t, pipe.Options{OnEvent: rec.observe}, echo)
	const clients = 5
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			msg := bytes.Repeat([]byte(fmt.Sprintf("client %d ", i)), 20000)
			go func() {
				c.Write(msg)
				c.(*net.TCPConn).CloseWrite()
			}()
			got, err := io.ReadAll(c) // ends with the server's half-close
			if err != nil || !bytes.Equal(got, msg) {
				t.Errorf("client %d: got %d bytes, %v; want its %d back", i, len(got), err, len(msg))
			}
		}()
	}
	wg.Wait()
	if err := stop(); err == nil || err.Error() != "stopped" {
		t.Errorf("Serve = %v, want the context's cause", err)
	}
	conns := rec.named(pipe.EventConnection)
	if len(conns) != clients {
		t.Errorf("%d connection events, want %d", len(conns), clients)
	}
	if closes := rec.named(pipe.EventClose); len(closes) != clients {
		t.Errorf("%d close events, want %d", len(closes), clients)
	}
}

// TestServeSurvivesHandlerError: one failing handler is an error event,
// and the server goes on serving.
func TestServeSurvivesHandlerError(t *testing.T) {
	errs := make(chan pipe.Event, 10)
	o := pipe.Options{OnEvent: func(e pipe.Event) {
		if e.Name == pipe.EventError {
			errs <- e
		}
	}}
	var n atomic.Int32
	addr, stop := startServe(t, o, func(ctx context.Context, c *pipe.Conn) error {
		if n.Add(1) == 1 {
			c.Close()
			return errors.New("boom")
		}
		return echo(ctx, c)
	})
	defer stop()
	for i := range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("x"))
		c.(*net.TCPConn).CloseWrite()
		got, _ := io.ReadAll(c)
		c.Close()
		if want := []string{"", "x"}[i]; string(got) != want {
			t.Errorf("client %d got %q, want %q", i, got, want)
		}
		if i == 0 {
			select {
			case e := <-errs:
				if e.Err.Error() != "boom" {
					t.Errorf("error event %+v", e)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no error event for the failed handler")
			}
		}
	}
}

// TestServeStopClosesConnections: stopping the server ends handlers that
// are blocked on idle clients.
func TestServeStopClosesConnections(t *testing.T) {
	addr, stop := startServe(t, pipe.Options{}, echo)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("a"))
	io.ReadFull(c, make([]byte, 1)) // the handler runs
	done := make(chan error, 1)
	go func() { done <- stop() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return with a connection open")
	}
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Error("the client's connection is still open")
	}
}

func TestAccept(t *testing.T) {
	ln, err := TCP(context.Background(), loopback, pipe.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			c.Write([]byte("hello"))
			c.Close()
		}
	}()
	var rec events
	c, err := Accept(context.Background(), ln, pipe.Options{OnEvent: rec.observe}, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(c)
	c.Close()
	if string(got) != "hello" || c.BytesIn() != 5 {
		t.Errorf("read %q, BytesIn %d", got, c.BytesIn())
	}
	if ev := rec.named(pipe.EventConnection); len(ev) != 1 || ev[0].Open != 1 {
		t.Errorf("connection events %+v", ev)
	}
}

func TestAcceptCancelled(t *testing.T) {
	ln, err := TCP(context.Background(), loopback, pipe.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("interrupted")
	time.AfterFunc(20*time.Millisecond, func() { cancel(stop) })
	if _, err := Accept(ctx, ln, pipe.Options{}, Limits{}); !errors.Is(err, stop) {
		t.Errorf("Accept = %v, want the context's cause", err)
	}
}

func TestListenInUse(t *testing.T) {
	ln, err := TCP(context.Background(), loopback, pipe.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := TCP(context.Background(), addr.Addr{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port}, pipe.Options{}); err == nil {
		t.Error("a second listener on the same address succeeded")
	}
}
