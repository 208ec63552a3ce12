package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
)

// file receives one file: into a partial file that is checked against
// the sender's file and resumed, then renamed into place once its digest
// matches. A refusal is in the Result; the error ends the session.
func (rc *fileReceiver) file(h Header) (Result, error) {
	if rc.o.Stdout != nil {
		return rc.stream(h)
	}
	var res Result
	name := h.Name
	if rc.o.Output != "" {
		name = filepath.Base(rc.o.Output)
	}
	if isPartialName(name) {
		return rc.refuse(res, tagf(CodeBadName, "%s is named like a partial file; not taking it", h.Name))
	}
	release := holdIdle(rc.conn) // we check what we hold, then the sender does
	defer release()
	dir, err := rc.walk.enterFile(name)
	if err != nil {
		return rc.refuse(res, err)
	}
	pl, err := newPlace(dir, name, rc.o.Force)
	if errors.Is(err, ErrExists) && !h.Stream() {
		return rc.existing(h, pl, err, release)
	}
	if err != nil {
		return rc.refuse(res, err)
	}
	f, err := pl.openPartial()
	if err != nil {
		return rc.refuse(res, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return rc.refuse(res, err)
	}
	have := keepable(fi.Size(), h.Size)
	if have > 0 {
		rc.o.Progress.Begin(h, Checking, 0, have)
	}
	sums, err := scanBlocks(ctxReader{rc.ctx, f}, have, rc.o.Hash, rc.buf, rc.o.Progress.Add)
	if err := rc.ctx.Err(); err != nil {
		return res, err
	}
	if err != nil {
		return rc.refuse(res, fmt.Errorf("read %s: %w", pl.partialName(), err))
	}
	off, dg, err := rc.resume(have, sums)
	if err != nil {
		return res, err
	}
	release()
	res.Kept = off
	if err := f.Truncate(off); err != nil {
		return res, fatal{err}
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return res, fatal{err}
	}
	rc.o.Progress.Begin(h, Moving, off, h.Size)
	n := h.Size - off
	if h.Stream() {
		n = -1
	}
	if res.Moved, err = rc.data(f, n, dg); err != nil {
		return res, err
	}
	if err := rc.trailer(off+res.Moved, dg, &res); err != nil {
		if errors.Is(err, ErrDigest) {
			pl.removePartial(f) // damaged: a resume must not trust it
			return rc.refuse(res, err)
		}
		return res, err
	}
	if err := f.Chmod(h.Mode &^ rc.walk.umask); err != nil {
		return res, fatal{err}
	}
	if err := pl.commit(f, rc.o.Force); err != nil { // still holding the lock
		return rc.refuse(res, err)
	}
	if err := f.Close(); err != nil {
		return res, fatal{err}
	}
	rc.w.u8(frameOK)
	return res, rc.w.Flush()
}

// existing answers a file whose final name exists (and --force is off):
// if it holds exactly the sender's file, as after an interrupted run of
// a tree, the file counts as received and kept; otherwise it is refused,
// after the sender's data for it has been read and dropped. release
// ends file's hold on the idle timeout.
func (rc *fileReceiver) existing(h Header, pl place, exists error, release func()) (Result, error) {
	var res Result
	f, err := pl.openFinal()
	if err != nil {
		return rc.refuse(res, exists)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() || fi.Size() != h.Size {
		return rc.refuse(res, exists)
	}
	rc.o.Progress.Begin(h, Checking, 0, h.Size)
	sums, err := scanBlocks(ctxReader{rc.ctx, f}, h.Size, rc.o.Hash, rc.buf, rc.o.Progress.Add)
	if err := rc.ctx.Err(); err != nil {
		return res, err
	}
	if err != nil {
		return rc.refuse(res, exists)
	}
	off, dg, err := rc.resume(h.Size, sums)
	if err != nil {
		return res, err
	}
	release()
	if res.Moved, err = rc.data(io.Discard, h.Size-off, dg); err != nil {
		return res, err
	}
	if err := rc.trailer(h.Size, dg, &res); err != nil {
		if errors.Is(err, ErrDigest) {
			return rc.refuse(res, exists)
		}
		return res, err
	}
	if off < h.Size { // it differs from the sender's
		return rc.refuse(res, exists)
	}
	res.Kept = h.Size
	rc.w.u8(frameOK)
	return res, rc.w.Flush()
}

// resume offers what the receiver holds (have bytes, with their block
// digests) and reads where the sender starts: at a block boundary within
// it, or at its end. It returns that offset and the file's digest tree
// holding the blocks kept.
func (rc *fileReceiver) resume(have int64, sums [][]byte) (int64, *tree, error) {
	rc.w.accept(have, sums)
	if err := rc.w.Flush(); err != nil {
		return 0, nil, err
	}
	t, err := rc.r.frameType()
	if err != nil {
		return 0, nil, cutShort(err, midFile)
	}
	if t != frameResume {
		return 0, nil, protoErrorf("frame %q where the resume offset was due", t)
	}
	off, err := rc.r.i64()
	if err != nil {
		return 0, nil, cutShort(err, midFile)
	}
	if off != have && (off < 0 || off%BlockSize != 0 || off > have) {
		return 0, nil, protoErrorf("resume at %d of %d bytes held", off, have)
	}
	return off, newTree(rc.o.Hash, sums[:blocksIn(off)]), nil
}

// trailer reads the end of a file's data and checks its length and
// digest against the n bytes received into t.
func (rc *fileReceiver) trailer(n int64, t *tree, res *Result) error {
	ft, err := rc.r.frameType()
	if err != nil {
		return cutShort(err, midFile)
	}
	if ft != frameTrailer {
		return protoErrorf("frame %q where the file's digest was due", ft)
	}
	want, size, err := rc.r.trailer(t.size)
	if err != nil {
		return cutShort(err, midFile)
	}
	if size != n {
		return protoErrorf("the sender counts %d bytes, the receiver %d", size, n)
	}
	if !bytes.Equal(t.Sum(), want) {
		return ErrDigest
	}
	res.Digest = want
	return nil
}

// stream receives the session's one file into o.Stdout.
func (rc *fileReceiver) stream(h Header) (Result, error) {
	var res Result
	_, dg, err := rc.resume(0, nil)
	if err != nil {
		return res, err
	}
	rc.o.Progress.Begin(h, Moving, 0, h.Size)
	if res.Moved, err = rc.data(rc.o.Stdout, h.Size, dg); err != nil {
		return res, err
	}
	if err := rc.trailer(res.Moved, dg, &res); err != nil {
		if errors.Is(err, ErrDigest) {
			return rc.refuse(res, fmt.Errorf("%w (what went to stdout is damaged)", err))
		}
		return res, err
	}
	rc.w.u8(frameOK)
	return res, rc.w.Flush()
}

// ctxReader stops reading once ctx is done: a signal ends the check of
// a large partial file at once, not after gigabytes of hashing.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
