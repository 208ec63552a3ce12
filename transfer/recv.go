package transfer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"
)

// ReceiveOptions tune [Receive]. The zero value receives every file into
// the directory, never overwriting, and observes nothing.
type ReceiveOptions struct {
	// Force lets a file replace an existing one.
	Force bool
	// Output, when not empty, is the path the session's one file is
	// written to, whatever its name on the wire; a second file or a
	// directory ends the session.
	Output string
	// Stdout, when not nil, takes the session's one file instead: no
	// partial file and no resume; a digest mismatch is still reported.
	Stdout io.Writer
	// Progress follows the files; nil means none.
	Progress Progress
	// Hash is what the files are verified with; the sender must use the
	// same. The zero value is SHA-256.
	Hash Hash
}

// midFile says where a connection ended that ended in a file's data.
const midFile = "the connection ended in the middle of the file"

// drainTime bounds how long a receiver that gives up reads on, so that
// the sender sees its reason rather than a reset.
const drainTime = 2 * time.Second

// midHeader says where a connection ended that ended in a header.
const midHeader = "the sender closed the connection in the middle of a file header"

// receiver is one receiving session. What it keeps does not grow with
// what the sender sends: the path it is at, and the first failures.
type fileReceiver struct {
	ctx    context.Context
	conn   net.Conn
	w      writer
	r      reader
	o      ReceiveOptions
	walk   *dirWalk
	buf    []byte
	files  int // file headers seen
	failed failures
}

// Receive receives a [Send] session from conn into dir (or o.Output, or
// o.Stdout). A file that cannot be taken (it exists, its digest does not
// match) fails alone; their errors are returned joined once the sender
// ends. Anything that ends the session early (a write error, a name
// that would escape dir, a broken connection) returns at once, after
// telling the sender why; partial files stay for a later resume.
// Receive never sets conn's deadlines: it closes conn when ctx is
// cancelled, when the peer sends no greeting within 10 s, and 2 s after
// telling the sender why it ends the session.
func Receive(ctx context.Context, conn net.Conn, dir string, o ReceiveOptions) (Stats, error) {
	start := time.Now()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	o.Progress = orNop(o.Progress)
	o.Hash = o.Hash.orDefault()
	if o.Output != "" {
		dir = filepath.Dir(o.Output)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return Stats{}, err
	}
	defer root.Close()
	rc := &fileReceiver{ctx: ctx, conn: conn, w: writer{bufio.NewWriterSize(conn, 64<<10)}, r: reader{bufio.NewReaderSize(conn, 64<<10)},
		o: o, walk: newDirWalk(root), buf: make([]byte, bufSize)}
	defer rc.walk.close()
	st, err := rc.session()
	st.Elapsed = time.Since(start)
	if ctx.Err() != nil {
		return st, context.Cause(ctx)
	}
	return st, err
}

// fatal marks an error that ends the session and that the sender should
// hear about.
type fatal struct{ err error }

func (f fatal) Error() string { return f.err.Error() }
func (f fatal) Unwrap() error { return f.err }

// session greets and receives files until the sender's end.
func (rc *fileReceiver) session() (Stats, error) {
	var st Stats
	if err := greet(rc.conn, rc.w, rc.r, rc.o.Hash.Name); err != nil {
		return st, err
	}
	for {
		if err := rc.ctx.Err(); err != nil { // frames already read may not hold a cancel up
			return st, err
		}
		t, err := rc.r.frameType()
		if err != nil {
			return st, cutShort(err, "the sender closed the connection before the end")
		}
		switch t {
		case frameEnd:
			err := rc.walk.finish()
			if err == nil {
				rc.w.u8(frameOK)
				err = rc.w.Flush()
			}
			if err != nil {
				return st, err
			}
			return st, rc.failed.err()
		case frameDir, frameFile:
			h, err := rc.r.header(t)
			if err != nil {
				err = cutShort(err, midHeader)
			}
			if err == nil {
				err = rc.check(h)
			}
			if err == nil && h.Dir {
				err = rc.dir(h)
			}
			if err != nil {
				return st, rc.giveUp(err)
			}
			if h.Dir {
				continue
			}
			res, err := rc.file(h)
			st.Bytes += res.Moved
			if err != nil { // the session ends: the caller tells
				return st, rc.giveUp(fmt.Errorf("%s: %w", h.Name, err))
			}
			rc.o.Progress.End(h, res)
			if res.Err != nil {
				st.Failed++
				rc.failed.add(fmt.Errorf("%s: %w", h.Name, res.Err))
				continue
			}
			st.Files++
			st.Kept += res.Kept
		default:
			return st, rc.giveUp(protoErrorf("unknown frame %q", t))
		}
	}
}

// check refuses the names that must never be written, and a second file
// or any directory when the session writes one file.
func (rc *fileReceiver) check(h Header) error {
	if err := CheckName(h.Name); err != nil {
		return fatal{fmt.Errorf("refused: %w", tag(CodeBadName, err))}
	}
	if rc.o.Output != "" || rc.o.Stdout != nil {
		if h.Dir || rc.files > 0 {
			return fatal{tagf(CodeOneFile, "refused %s: this receiver takes one file, and the sender sends more", h.Name)}
		}
	}
	if !h.Dir {
		rc.files++
	}
	return nil
}

// giveUp tells the sender why the session ends, when the connection
// still works, and reads on for a moment so that it hears it.
func (rc *fileReceiver) giveUp(err error) error {
	var f fatal
	if !errors.As(err, &f) && !errors.Is(err, ErrProtocol) {
		return err // the connection is broken: nobody to tell
	}
	rc.w.refuse(err, true)
	if rc.w.Flush() == nil {
		if cw, ok := rc.conn.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
		// until the sender closes, or for drainTime: closing conn ends
		// the drain, as its deadlines belong to its idle timeout
		t := time.AfterFunc(drainTime, func() { rc.conn.Close() })
		io.Copy(io.Discard, rc.r)
		t.Stop()
	}
	return err
}

// dir enters a directory of the sender's tree, creating it with its
// mode if missing; one that exists keeps its own.
func (rc *fileReceiver) dir(h Header) error {
	if err := rc.walk.enterDir(h.Name, h.Mode); err != nil {
		return fatal{fmt.Errorf("%s: %w", h.Name, err)}
	}
	return nil
}

// refuse answers a file with a refusal that does not end the session.
func (rc *fileReceiver) refuse(res Result, err error) (Result, error) {
	res.Err = err
	rc.w.refuse(err, false)
	return res, rc.w.Flush()
}

// data receives n bytes (a chunked stream when n is negative) into dst
// and h. A write error is fatal: the sender hears of it.
func (rc *fileReceiver) data(dst io.Writer, n int64, h io.Writer) (int64, error) {
	var moved int64
	for {
		want := int64(len(rc.buf))
		if n < 0 {
			l, err := rc.r.u32()
			if err != nil {
				return moved, cutShort(err, midFile)
			}
			if l == 0 {
				return moved, nil
			}
			if l > maxChunk {
				return moved, protoErrorf("chunk of %d bytes", l)
			}
			want = int64(l)
		} else if want = min(want, n-moved); want == 0 {
			return moved, nil
		}
		var m int
		var err error
		if n < 0 {
			m, err = io.ReadFull(rc.r, rc.buf[:want])
		} else { // what has come, so that a cut keeps all of it
			m, err = rc.r.Read(rc.buf[:want])
		}
		if err != nil && m == 0 {
			return moved, cutShort(err, midFile)
		}
		if _, err := dst.Write(rc.buf[:m]); err != nil {
			return moved, fatal{err}
		}
		h.Write(rc.buf[:m])
		moved += int64(m)
		rc.o.Progress.Add(int64(m))
	}
}
