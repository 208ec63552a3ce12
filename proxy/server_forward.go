package proxy

// A forwarded request's body: its framing, read from the head, bounds
// what of the client's stream goes to the target, so that bytes after
// the body (a second, pipelined request with its own target and
// Proxy-Authorization) never reach it.

import (
	"context"
	"errors"
	"io"
	"net/http/httputil"
	"strconv"
	"strings"

	"sockit/pipe"
)

// forward is the framing of a forwarded request's body (RFC 9112
// section 6): Length bytes, or chunks up to the last one when Chunked.
// The zero value is a request without a body.
type forward struct {
	length  int64
	chunked bool
}

// bodyFraming reads the framing of q's body. A request with both
// Transfer-Encoding and Content-Length, with a transfer coding other
// than chunked, or with a Content-Length that is not one number, is
// refused: the proxy and the target could read different bodies.
func bodyFraming(q RequestHead) (*forward, error) {
	te, cl := q.Header.Values("Transfer-Encoding"), q.Header.Values("Content-Length")
	switch {
	case len(te) > 0 && len(cl) > 0:
		return nil, &RequestError{Why: "a request with both Transfer-Encoding and Content-Length is not forwarded"}
	case len(te) > 0:
		if len(te) != 1 || !strings.EqualFold(strings.TrimSpace(te[0]), "chunked") {
			return nil, &RequestError{Why: "only the chunked transfer coding is forwarded, not " + clip(strings.Join(te, ", "))}
		}
		return &forward{chunked: true}, nil
	case len(cl) > 0:
		n, err := strconv.ParseInt(cl[0], 10, 64)
		for _, v := range cl[1:] {
			if v != cl[0] {
				err = errors.New("differing values")
			}
		}
		if err != nil || n < 0 || strings.HasPrefix(cl[0], "+") {
			return nil, &RequestError{Why: "bad Content-Length " + clip(strings.Join(cl, ", "))}
		}
		return &forward{length: n}, nil
	}
	return &forward{}, nil
}

// relay sends the request's body from in (the client's stream on c,
// from the end of the request's head) to up and the target's response back to c, then closes both: one
// request per connection. What the client sends after the body is read
// and dropped, and its EOF half-closes up.
func (f *forward) relay(ctx context.Context, in io.Reader, c, up *pipe.Conn) error {
	defer c.Close()
	defer up.Close()
	stop := context.AfterFunc(ctx, func() {
		c.Close()
		up.Close()
	})
	defer stop()
	done := make(chan struct{})
	go f.sendBody(in, c, up, done)
	_, err := c.ReadFrom(up)
	if err == nil {
		if err = c.CloseWrite(); errors.Is(err, errors.ErrUnsupported) {
			err = nil
		}
	}
	c.Close() // the response is over: wake sendBody
	up.Close()
	<-done
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return err
}

// sendBody copies the body from in to up, drops the rest of the
// client's stream and half-closes up at its EOF. A body cut short
// closes both sides: the target must not wait for the rest.
func (f *forward) sendBody(in io.Reader, c, up *pipe.Conn, done chan<- struct{}) {
	defer close(done)
	var err error
	switch {
	case f.chunked:
		cw := httputil.NewChunkedWriter(up)
		if _, err = io.Copy(cw, httputil.NewChunkedReader(in)); err == nil {
			if err = cw.Close(); err == nil {
				_, err = io.WriteString(up, "\r\n") // no trailer fields
			}
		}
	case f.length > 0:
		_, err = io.CopyN(up, in, f.length)
	}
	if err == nil {
		if _, err = io.Copy(io.Discard, in); err == nil {
			up.CloseWrite()
			return
		}
	}
	c.Close()
	up.Close()
}
