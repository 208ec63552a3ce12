package serve

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"sockit/addr"
	"sockit/listen"
	"sockit/pipe"
)

func TestSplitCommand(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"cat", []string{"cat"}},
		{"  printf  '%s\\n'  a\tb ", []string{"printf", `%s\n`, "a", "b"}},
		{`echo "two words" 'and more' x\ y`, []string{"echo", "two words", "and more", "x y"}},
		{`echo "say \"hi\" \\ \$"`, []string{"echo", `say "hi" \ \$`}},
		{`a''b ""`, []string{"ab", ""}},
		{"", nil},
		{"   ", nil},
		{`echo "open`, nil},
		{`echo 'open`, nil},
		{`echo \`, nil},
	} {
		got, err := SplitCommand(tc.in)
		if tc.want == nil {
			if err == nil {
				t.Errorf("SplitCommand(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func FuzzSplitCommand(f *testing.F) {
	for _, s := range []string{`a "b c" 'd'`, `x\ y`, `"\"`, `''`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := SplitCommand(s)
		if err == nil && len(words) == 0 {
			t.Fatalf("SplitCommand(%q) gave no words and no error", s)
		}
	})
}

func TestChatLine(t *testing.T) {
	for in, want := range map[string]string{
		"hi\n":            "user1: hi\n",
		"hi\r\n":          "user1: hi\n",
		"no newline":      "user1: no newline\n",
		"\x1b[31mred\n":   "user1: \\x1b[31mred\n",
		"tab\there\x7f\n": "user1: tab\there\\x7f\n",
		"nul\x00\n":       "user1: nul\\x00\n",
	} {
		if got := string(chatLine("user1", []byte(in))); got != want {
			t.Errorf("chatLine(%q) = %q, want %q", in, got, want)
		}
	}
}

// connPair returns a wrapped server end and the raw client end of a
// loopback TCP connection.
func connPair(t *testing.T) (*pipe.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	c, err := pipe.Wrap(raw, pipe.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); client.Close() })
	return c, client
}

// TestExecDrainsAfterEOF: the child reads to EOF, then writes; every byte
// arrives and the connection is half-closed after it.
func TestExecDrainsAfterEOF(t *testing.T) {
	c, client := connPair(t)
	done := make(chan error, 1)
	x := Exec{Argv: []string{"sh", "-c", `n=$(wc -c); sleep 0.1; echo "got $n bytes"; echo "from $SOCKIT_REMOTE_ADDR"`}}
	go func() { done <- x.Serve(context.Background(), c) }()
	client.Write(bytes.Repeat([]byte("x"), 100000))
	client.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(client)
	if err != nil || string(got) != "got 100000 bytes\nfrom 127.0.0.1\n" {
		t.Errorf("client read %q, %v", got, err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve = %v", err)
	}
}

func TestExecFailureAndCancel(t *testing.T) {
	c, _ := connPair(t)
	err := Exec{Argv: []string{"sh", "-c", "exit 4"}}.Serve(context.Background(), c)
	if err == nil || !strings.Contains(err.Error(), "exit status 4") {
		t.Errorf("Serve = %v, want exit status 4", err)
	}

	c2, _ := connPair(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("stopped")
	time.AfterFunc(50*time.Millisecond, func() { cancel(stop) })
	err = Exec{Argv: []string{"sleep", "30"}, KillDelay: 100 * time.Millisecond}.Serve(ctx, c2)
	if !errors.Is(err, stop) {
		t.Errorf("Serve after cancel = %v, want the cause", err)
	}
}

// signalWriter discards what it is given and signals each write.
type signalWriter chan struct{}

func (w signalWriter) Write(p []byte) (int, error) {
	w <- struct{}{}
	return len(p), nil
}

// TestFanoutDropsStalledClient: a client that never reads is dropped
// after the stall time; the other gets every byte. The drop event's
// observer calls back into the hub, which it may: the event is emitted
// with no lock held.
func TestFanoutDropsStalledClient(t *testing.T) {
	drops := make(chan pipe.Event, 4)
	var f *Fanout
	sock := pipe.Options{SendBuffer: 16 << 10, OnEvent: func(e pipe.Event) {
		if e.Name == pipe.EventDrop {
			f.hub.names(nil)
			drops <- e
		}
	}}
	inR, inW := io.Pipe()
	joined := make(signalWriter, 2)
	f = NewFanout(inR, joined, FanoutOptions{QueueBytes: 64 << 10, Stall: 200 * time.Millisecond, Socket: sock})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan struct{})
	go func() { f.Run(ctx); close(ran) }()

	stalled, stalledClient := connPair(t)
	// small socket buffers, so that the kernel cannot absorb the data for
	// the client that never reads
	stalled.NetConn().(*net.TCPConn).SetWriteBuffer(4 << 10)
	stalledClient.(*net.TCPConn).SetReadBuffer(4 << 10)
	fast, fastClient := connPair(t)
	served := make(chan error, 2)
	go func() { served <- f.Serve(ctx, stalled) }()
	go func() { served <- f.Serve(ctx, fast) }()
	// a client's bytes reach the output only once it has joined
	stalledClient.Write([]byte("s"))
	fastClient.Write([]byte("f"))
	<-joined
	<-joined
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	go func() { inW.Write(data); inW.Close() }()
	got, err := io.ReadAll(fastClient)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("fast client got %d bytes, %v; want %d", len(got), err, len(data))
	}
	select {
	case e := <-drops:
		if !strings.Contains(e.Err.Error(), "too slow") || e.ID != stalled.ID() {
			t.Errorf("drop event for connection %d: %v; want %d too slow", e.ID, e.Err, stalled.ID())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stalled client was not dropped")
	}
	select {
	case e := <-drops:
		t.Errorf("a second drop, of connection %d: %v", e.ID, e.Err)
	default:
	}
	<-ran // the input ended: Run returned by itself
	fastClient.Close()
	stalledClient.Close()
	for range 2 {
		if err := <-served; err != nil {
			t.Errorf("Serve = %v", err)
		}
	}
}

// blockedReader blocks every Read until it is closed.
type blockedReader chan struct{}

func (r blockedReader) Read([]byte) (int, error) {
	<-r
	return 0, io.EOF
}

// TestFanoutRunEndsWithContext: Run, blocked reading an input that
// nothing will ever come from, returns as soon as its context ends; the
// Read is left to a goroutine that exits when the Read returns.
func TestFanoutRunEndsWithContext(t *testing.T) {
	in := make(blockedReader)
	defer close(in) // lets the abandoned Read return before goleak looks
	joined := make(signalWriter, 1)
	f := NewFanout(in, joined, FanoutOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { f.Run(ctx); close(ran) }()
	c, client := connPair(t)
	served := make(chan error, 1)
	go func() { served <- f.Serve(ctx, c) }()
	client.Write([]byte("x"))
	<-joined // a member: Run is now blocked in the input's Read
	cancel()
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
	client.Close()
	if err := <-served; err != nil {
		t.Errorf("Serve = %v", err)
	}
}

// TestServeWaitsForFanoutInput: listen.Serve runs the fan-out's input
// reader as a worker and returns only after it has: the input is read
// and sent to the client, and once Serve has returned nothing more is.
func TestServeWaitsForFanoutInput(t *testing.T) {
	inR, inW := io.Pipe()
	defer inW.Close()
	ran := make(chan struct{})
	f := NewFanout(inR, io.Discard, FanoutOptions{})
	ln, err := listen.TCP(context.Background(), addr.Addr{Host: "127.0.0.1"}, pipe.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- listen.Serve(ctx, ln, pipe.Options{}, listen.Limits{}, f.Serve, func(ctx context.Context) {
			defer close(ran)
			f.Run(ctx)
		})
	}()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	go inW.Write([]byte("hello")) // read once the client has joined
	if _, err := io.ReadFull(client, make([]byte, 5)); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	select {
	case <-ran:
	default:
		t.Error("Serve returned before the input reader ended")
	}
}
