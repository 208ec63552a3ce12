package pipe

import (
	"errors"
	"io"
	"sync"
)

// feedBufSize bounds what a [Feed] reads ahead of its connections.
const feedBufSize = 64 << 10

// errFeedStopped ends a [FeedReader]'s Read once its connection is over.
var errFeedStopped = errors.New("pipe: feed reader stopped")

// Feed reads one input for a succession of connections (a reconnecting
// client): one long-lived goroutine reads the input, and each connection
// takes what it reads through a [FeedReader] of its own, so that nothing
// is lost between connections. Bytes a reader handed to a connection
// that died before writing them are the caller's to count
// ([FeedReader.Handed] minus what the connection wrote).
type Feed struct {
	mu    sync.Mutex
	buf   []byte        // read from the input, not handed out yet
	err   error         // the input's end: io.EOF or its read error
	ready chan struct{} // signalled when buf grows or err is set
	space chan struct{} // signalled when buf shrinks
}

// NewFeed starts reading in. The reading goroutine ends at in's EOF or
// error; until then it stays blocked in in.Read.
func NewFeed(in io.Reader) *Feed {
	f := &Feed{ready: make(chan struct{}, 1), space: make(chan struct{}, 1)}
	go f.readLoop(in)
	return f
}

// readLoop reads in into the feed's buffer, waiting while it is full.
func (f *Feed) readLoop(in io.Reader) {
	chunk := make([]byte, sendBufSize)
	for {
		f.mu.Lock()
		full := len(f.buf) >= feedBufSize
		f.mu.Unlock()
		if full {
			<-f.space
			continue
		}
		n, err := in.Read(chunk)
		f.mu.Lock()
		f.buf = append(f.buf, chunk[:n]...)
		if err != nil {
			f.err = err
		}
		f.mu.Unlock()
		signal(f.ready)
		if err != nil {
			return
		}
	}
}

// signal wakes the waiter on ch, if any, without blocking.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Done reports whether the input has ended and every byte of it was
// handed out.
func (f *Feed) Done() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err != nil && len(f.buf) == 0
}

// Reader returns a reader for one connection. Stop it when the
// connection is over.
func (f *Feed) Reader() *FeedReader {
	return &FeedReader{f: f, stop: make(chan struct{})}
}

// FeedReader is one connection's view of a [Feed].
type FeedReader struct {
	f       *Feed
	stop    chan struct{}
	once    sync.Once
	stopped bool  // under f.mu: Read takes nothing more
	handed  int64 // under f.mu
}

// Read hands out what the feed has read, waiting for more; it returns the
// input's EOF or error once all was handed out, and an error once the
// reader is stopped (taking nothing from the feed).
func (r *FeedReader) Read(p []byte) (int, error) {
	for {
		select {
		case <-r.stop:
			return 0, errFeedStopped
		default:
		}
		f := r.f
		f.mu.Lock()
		if r.stopped {
			f.mu.Unlock()
			return 0, errFeedStopped
		}
		if len(f.buf) > 0 {
			n := copy(p, f.buf)
			f.buf = f.buf[n:]
			if len(f.buf) == 0 {
				f.buf = nil
			}
			r.handed += int64(n)
			f.mu.Unlock()
			signal(f.space)
			return n, nil
		}
		err := f.err
		f.mu.Unlock()
		if err != nil {
			signal(f.ready) // another reader may be waiting too
			return 0, err
		}
		select {
		case <-f.ready:
		case <-r.stop:
			signal(f.ready) // pass on a wake-up this reader took
			return 0, errFeedStopped
		}
	}
}

// Len is what the feed holds ready to read, so that [Join] can tell an
// idle input at the peer's end.
func (r *FeedReader) Len() int {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return len(r.f.buf)
}

// Stop ends the reader: a Read blocked in it returns at once, and no
// Read takes anything once Stop has returned, so that Handed is final.
func (r *FeedReader) Stop() {
	r.f.mu.Lock()
	r.stopped = true
	r.f.mu.Unlock()
	r.once.Do(func() { close(r.stop) })
}

// Handed is how many bytes Read returned.
func (r *FeedReader) Handed() int64 {
	r.f.mu.Lock()
	defer r.f.mu.Unlock()
	return r.handed
}
