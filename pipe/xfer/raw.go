package xfer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
)

// rawChunk is how much a raw copy moves per call, in bytes: each call
// still reaches sendfile or splice, and progress is reported between.
const rawChunk = 4 << 20

// SendRaw sends in over conn as plain bytes, with no protocol (for a
// peer such as nc -l), then half-closes conn and waits for the peer to
// close, like a netcat. Cancelling ctx closes conn.
func SendRaw(ctx context.Context, conn net.Conn, in io.Reader, o SendOptions) (int64, error) {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if o.Observer == nil {
		o.Observer = nopObserver{}
	}
	p := pacer{rate: o.Rate}
	step := int64(chunk(o.Rate, rawChunk))
	var moved int64
	for {
		if err := p.wait(ctx, int(step)); err != nil {
			return moved, err
		}
		n, err := io.CopyN(conn, in, step) // sendfile from a file
		moved += n
		o.Observer.Add(n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return moved, ctxErr(ctx, err)
		}
	}
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		if err := cw.CloseWrite(); err != nil {
			return moved, ctxErr(ctx, err)
		}
	}
	_, err := io.Copy(io.Discard, conn) // until the peer closes
	return moved, ctxErr(ctx, err)
}

// ReceiveRaw writes the plain bytes conn carries until its end to path
// (through a partial file renamed into place at the end; no verification
// is possible) or, when path is "-", to stdout. An existing file is
// replaced only with force. Cancelling ctx closes conn.
func ReceiveRaw(ctx context.Context, conn net.Conn, path string, stdout io.Writer, force bool, obs Observer) (int64, error) {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if obs == nil {
		obs = nopObserver{}
	}
	if path == "-" {
		return rawCopy(ctx, stdout, conn, obs)
	}
	root, err := os.OpenRoot(filepath.Dir(path))
	if err != nil {
		return 0, err
	}
	defer root.Close()
	pl, err := newPlace(root, filepath.Base(path), force)
	if err != nil {
		return 0, err
	}
	f, err := pl.openPartial()
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := f.Truncate(0); err != nil {
		return 0, err
	}
	n, err := rawCopy(ctx, f, conn, obs)
	if err != nil {
		return n, err
	}
	if err := f.Close(); err != nil {
		return n, err
	}
	return n, pl.commit(force)
}

// rawCopy copies r to w until r ends, in chunks that keep splice.
func rawCopy(ctx context.Context, w io.Writer, r io.Reader, obs Observer) (int64, error) {
	var moved int64
	for {
		n, err := io.CopyN(w, r, rawChunk)
		moved += n
		obs.Add(n)
		if errors.Is(err, io.EOF) {
			return moved, nil
		}
		if err != nil {
			return moved, ctxErr(ctx, err)
		}
	}
}

// ctxErr prefers the cancellation's cause to the error it provoked.
func ctxErr(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%w", context.Cause(ctx))
	}
	return err
}
