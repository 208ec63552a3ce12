package transfer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// Item is one thing to send.
type Item struct {
	Header
	// Path is the local file to read; empty for a directory or a stream.
	Path string
	// Stream, when not nil, is read instead of Path (Header.Size -1): not
	// resumable.
	Stream io.Reader
}

// SendOptions tune [Send]. The zero value sends as fast as the receiver
// takes the data and observes nothing.
type SendOptions struct {
	// Rate limits the file data sent, in bytes per second; zero means no
	// limit.
	Rate int64
	// Progress follows the files; nil means none.
	Progress Progress
	// Hash is what the files are verified with; the receiver must use
	// the same. The zero value is SHA-256.
	Hash Hash
}

// bufSize is the size of the buffers file data moves through, in bytes.
const bufSize = 256 << 10

// sender is one sending session.
type fileSender struct {
	ctx   context.Context
	conn  net.Conn
	w     writer
	r     reader
	o     SendOptions
	pace  pacer
	buf   []byte
	dsize int // digest length of o.Hash, in bytes
	// early is the receiver's answer to the current file when it came
	// before the data was all sent.
	early *answer
}

// Send sends items over conn to a [Receive]. A file the receiver refuses
// (it exists, it fails to verify) fails alone, and Send goes on with the
// others; the errors of the failed files are returned joined, after the
// session ends. A broken connection or a refusal that ends the session
// returns at once; a [Refusal] says why. Send never sets conn's
// deadlines: it closes conn when ctx is cancelled and when the peer
// sends no greeting within 10 s.
func Send(ctx context.Context, conn net.Conn, items []Item, o SendOptions) (Stats, error) {
	start := time.Now()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	o.Progress = orNop(o.Progress)
	o.Hash = o.Hash.orDefault()
	dsize := o.Hash.New().Size()
	s := &fileSender{ctx: ctx, conn: conn, w: writer{bufio.NewWriterSize(conn, 64<<10)}, r: reader{bufio.NewReader(conn)},
		o: o, pace: pacer{rate: o.Rate}, buf: make([]byte, chunk(o.Rate, bufSize)), dsize: dsize}
	st, err := s.session(items)
	st.Elapsed = time.Since(start)
	if ctx.Err() != nil {
		return st, context.Cause(ctx)
	}
	return st, err
}

// session greets, sends every item, then the end.
func (s *fileSender) session(items []Item) (Stats, error) {
	var st Stats
	if err := greet(s.conn, s.w, s.r, s.o.Hash.Name); err != nil {
		return st, err
	}
	var failed failures
	for _, it := range items {
		if it.Dir {
			s.w.header(it.Header)
			continue
		}
		res, err := s.file(it)
		st.Bytes += res.Moved
		if err != nil { // the session ends: the caller tells
			if errors.As(err, new(*Refusal)) {
				return st, err // the receiver named the file
			}
			return st, fmt.Errorf("%s: %w", it.Name, err)
		}
		s.o.Progress.End(it.Header, res)
		if res.Err != nil {
			st.Failed++
			failed.add(fmt.Errorf("%s: %w", it.Name, res.Err))
			continue
		}
		st.Files++
		st.Kept += res.Kept
	}
	s.w.u8(frameEnd)
	if err := s.w.Flush(); err != nil {
		return st, err
	}
	if _, err := s.reply(frameOK); err != nil {
		return st, err
	}
	return st, failed.err()
}

// reply reads the receiver's answer to a file header (ok is frameAccept,
// whose body the caller reads), to a file's data or to the end (ok is
// frameOK): nil for ok, the refusal otherwise. A fatal refusal is
// returned as the error.
func (s *fileSender) reply(ok byte) (*Refusal, error) {
	t, err := s.r.frameType()
	if err != nil {
		return nil, cutShort(err, "the receiver closed the connection")
	}
	switch t {
	case ok:
		return nil, nil
	case frameRefuse:
		ref, err := s.r.refusal()
		if err != nil {
			return nil, cutShort(err, "the receiver closed the connection")
		}
		if ref.Fatal {
			return nil, ref
		}
		return ref, nil
	}
	return nil, protoErrorf("frame %q where an answer was due", t)
}

// file sends one file. A file-level failure is in the Result; the error
// ends the session.
func (s *fileSender) file(it Item) (Result, error) {
	var res Result
	in := it.Stream
	if in == nil {
		f, err := os.Open(it.Path)
		if err != nil {
			res.Err = err
			return res, nil // the receiver never hears of it
		}
		defer f.Close()
		in = f
	}
	s.w.header(it.Header)
	if err := s.w.Flush(); err != nil {
		return res, err
	}
	release := holdIdle(s.conn) // the receiver checks what it holds, then we do
	defer release()
	ref, err := s.reply(frameAccept)
	if err != nil {
		return res, err
	}
	if ref != nil {
		res.Err = ref
		return res, nil
	}
	have, sums, err := s.r.accept(it.Size, s.dsize)
	if err != nil {
		return res, err
	}
	off, kept := int64(0), [][]byte(nil)
	if have > 0 {
		s.o.Progress.Begin(it.Header, Checking, 0, have)
		if off, kept, err = resumeAt(in, have, sums, s.o.Hash, s.buf, s.o.Progress.Add); err != nil {
			return res, fmt.Errorf("read: %w", err)
		}
		if _, err := in.(io.Seeker).Seek(off, io.SeekStart); err != nil {
			return res, err
		}
	}
	res.Kept = off
	s.w.u8(frameResume)
	s.w.i64(off)
	if err := s.w.Flush(); err != nil { // the receiver's clock starts with ours
		return res, err
	}
	release()
	s.pace.restart()
	s.o.Progress.Begin(it.Header, Moving, off, it.Size)
	replies := make(chan answer, 1)
	go awaitAnswer(s, replies) // the receiver may give up while we send
	h := newTree(s.o.Hash, kept)
	res.Moved, err = s.data(in, it.Size-off, h, replies)
	digest := h.Sum()
	if err == nil {
		s.w.trailer(digest, off+res.Moved)
		err = s.w.Flush()
	}
	if err != nil {
		s.conn.Close() // unblocks awaitAnswer
		if a := s.answer(replies); a.err != nil && errors.As(a.err, new(*Refusal)) {
			err = a.err // the receiver's reason beats our broken pipe
		}
		return res, err
	}
	a := s.answer(replies)
	if a.err != nil {
		return res, a.err
	}
	if a.ref != nil {
		res.Err = a.ref
	} else {
		res.Digest = digest
	}
	return res, nil
}
