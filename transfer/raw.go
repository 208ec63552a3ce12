package transfer

import (
	"context"
	"errors"
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
	moved, err := rawCopy(ctx, conn, in, &pacer{rate: o.Rate}, orNop(o.Progress))
	if err != nil {
		return moved, err
	}
	if cw, ok := conn.(interface{ CloseWrite() error }); ok {
		if err := cw.CloseWrite(); err != nil {
			return moved, ctxErr(ctx, err)
		}
	}
	_, err = io.Copy(io.Discard, conn) // until the peer closes
	return moved, ctxErr(ctx, err)
}

// ReceiveRaw writes the plain bytes conn carries until its end to path
// (through a partial file renamed into place at the end; no verification
// is possible) or, when path is "-", to stdout. An existing file is
// replaced only with force. Cancelling ctx closes conn.
func ReceiveRaw(ctx context.Context, conn net.Conn, path string, stdout io.Writer, force bool, obs Progress) (int64, error) {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	obs = orNop(obs)
	if path == "-" {
		return rawCopy(ctx, stdout, conn, &pacer{}, obs)
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
	n, err := rawCopy(ctx, f, conn, &pacer{}, obs)
	if err != nil {
		return n, err
	}
	if err := pl.commit(f, force); err != nil {
		return n, err
	}
	return n, f.Close()
}

// rawCopy copies r to w until r ends, at the pacer's rate, in chunks
// that keep sendfile and splice.
func rawCopy(ctx context.Context, w io.Writer, r io.Reader, p *pacer, obs Progress) (int64, error) {
	step := int64(chunk(p.rate, rawChunk))
	var moved int64
	for {
		if err := p.wait(ctx, int(step)); err != nil {
			return moved, err
		}
		n, err := io.CopyN(w, r, step)
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
		return context.Cause(ctx)
	}
	return err
}
