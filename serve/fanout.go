package serve

import (
	"bytes"
	"context"
	"io"
	"sync"
	"time"

	"sockit/pipe"
)

// FanoutOptions choose how a [Fanout] treats its streams. The zero value
// reads the input, writes every client's bytes out, and half-closes every
// client when the input ends.
type FanoutOptions struct {
	// NoShutdown keeps the clients' write side open after the input ends.
	NoShutdown bool
	// SendOnly never writes the clients' bytes out (they are discarded).
	SendOnly bool
	// RecvOnly never reads the input.
	RecvOnly bool
	// QueueBytes is how much input may wait for one client; reading the
	// input waits while a client's queue is full. Zero means
	// [DefaultQueueBytes].
	QueueBytes int
	// Stall is how long a client's queue may stay full without moving
	// before the client is dropped. Zero means [DefaultStall].
	Stall time.Duration
	// Socket receives the drop events.
	Socket pipe.Options
}

// Fanout is the keep-open (-k) handler: the bytes every client sends go to
// one output, a chunk at a time, and the input goes to every client
// connected when it is read, as fast as the slowest client takes it; a
// client whose queue stays full without moving for the stall time is
// dropped, so it holds up the others no longer than that. Input is read,
// by [Fanout.Run], only while at least one client is connected. A client
// that finishes sending gets what is queued for it and is closed; when
// the input ends, every client is half-closed (unless NoShutdown).
type Fanout struct {
	in  io.Reader
	o   FanoutOptions
	hub *hub

	outMu sync.Mutex
	out   io.Writer
}

// NewFanout returns a Fanout reading in and writing out.
func NewFanout(in io.Reader, out io.Writer, o FanoutOptions) *Fanout {
	if o.SendOnly {
		out = io.Discard
	}
	return &Fanout{in: in, out: out, o: o, hub: newHub(o.Socket, o.QueueBytes, o.Stall)}
}

// Serve is the handler for one client.
func (f *Fanout) Serve(ctx context.Context, c *pipe.Conn) error {
	m := f.hub.join(c, !f.o.NoShutdown)
	if _, err := io.Copy(lockedWriter{f}, c); err != nil {
		f.hub.leave(m)
		if f.hub.dropped(m) {
			return nil // the drop event said why
		}
		return err
	}
	f.hub.finish(m) // the client is done: send what is queued, then close
	return nil
}

// lockedWriter writes one client's chunk to the Fanout's output whole.
type lockedWriter struct{ f *Fanout }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.f.outMu.Lock()
	defer w.f.outMu.Unlock()
	return w.f.out.Write(p)
}

// Run reads the input while clients are connected and sends each chunk
// to all of them, until the input ends (then the clients are
// half-closed, unless NoShutdown) or ctx does; with RecvOnly it returns
// at once. Run it beside the handlers, for as long as they serve (as a
// worker of listen.Serve), so that it ends before the server returns.
//
// A Read of the input cannot be interrupted (stdin is a terminal or a
// pipe that nobody may ever write to again), so the Reads are done by a
// goroutine of their own, which touches nothing but the input and its
// buffer: when ctx ends during a Read, Run returns at once and that
// goroutine exits, without sending, when the Read returns (as
// pipe.Join's input reader does).
func (f *Fanout) Run(ctx context.Context) {
	if f.o.RecvOnly {
		return
	}
	next := make(chan struct{})
	chunks := make(chan inputChunk, 1) // one answer per request: never blocks
	defer close(next)
	go readInput(f.in, next, chunks)
	for {
		select {
		case <-f.hub.waitMembers():
		case <-ctx.Done():
			return
		}
		next <- struct{}{} // the reader is idle: it answered the last request
		var ch inputChunk
		select {
		case ch = <-chunks:
		case <-ctx.Done():
			return
		}
		if len(ch.p) > 0 {
			f.hub.send(ch.p, nil)
		}
		if ch.err != nil {
			f.hub.end()
			return
		}
	}
}

// inputChunk is what one Read of a Fanout's input returned.
type inputChunk struct {
	p   []byte // a copy, shared by the clients' queues
	err error
}

// readInput reads in once per request on next, until next is closed or a
// Read fails, answering each on chunks.
func readInput(in io.Reader, next <-chan struct{}, chunks chan<- inputChunk) {
	buf := make([]byte, 32<<10)
	for range next {
		n, err := in.Read(buf)
		chunks <- inputChunk{bytes.Clone(buf[:n]), err}
		if err != nil {
			return
		}
	}
}
