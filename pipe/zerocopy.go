package pipe

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// writerOnly and readerOnly hide every method but Write or Read, so that
// io.Copy cannot call back into a Conn's ReadFrom or WriteTo.
type writerOnly struct{ io.Writer }
type readerOnly struct{ io.Reader }

// zeroCopy reports whether c may hand copies to the kernel. Without kernel
// byte counters for the idle timer (Unix sockets), a timed connection
// copies in user space so that the timer sees every byte; so does a
// tapped one, so that the tap sees them.
func (c *Conn) zeroCopy() bool { return c.opts.Tap == nil && (c.idle == nil || c.idle.kernel) }

// ReadFrom copies r to the peer until r's EOF (io.Copy(c, r) calls it).
// It hands the copy to the raw connection, so a file source uses
// sendfile(2) and a socket source splice(2); a pipe source is spliced
// into the socket here, which Go does not do by itself; a *Conn source (optionally in
// an *io.LimitedReader) is unwrapped and its counter updated too.
func (c *Conn) ReadFrom(r io.Reader) (int64, error) {
	src, peer, lr := r, (*Conn)(nil), (*io.LimitedReader)(nil)
	if l, ok := r.(*io.LimitedReader); ok {
		if p, ok := l.R.(*Conn); ok {
			peer, lr = p, l
			src = &io.LimitedReader{R: p.raw, N: l.N}
		}
	} else if p, ok := r.(*Conn); ok {
		peer, src = p, p.raw
	}
	if sp, ok := c.splicer(r); ok { // a pipe: Go would copy it through user space
		return sp.all()
	}
	if !c.zeroCopy() || (peer != nil && !peer.zeroCopy()) {
		// Through c.Write and peer.Read: both counters move as we go.
		return io.Copy(writerOnly{c}, readerOnly{r})
	}
	var n int64
	var err error
	if rf, ok := c.raw.(io.ReaderFrom); ok { // *net.TCPConn: splice or sendfile
		n, err = rf.ReadFrom(src)
	} else if wt, ok := src.(io.WriterTo); ok && peer == nil { // *net.UnixConn: an *os.File sendfiles in its WriteTo
		n, err = wt.WriteTo(c.raw)
	} else {
		n, err = io.Copy(c.raw, src)
	}
	c.tx.Add(n)
	if peer != nil {
		peer.rx.Add(n)
		if lr != nil {
			lr.N -= n
		}
		if err == nil && (lr == nil || lr.N > 0) {
			peer.ended()
		}
	}
	return n, c.wrapErr(peerErr(peer, err))
}

// WriteTo copies from the peer to w until the peer's EOF (io.Copy(w, c)
// tries it first). It hands the copy to the raw connection, so a file,
// pipe or socket destination gets splice(2).
func (c *Conn) WriteTo(w io.Writer) (int64, error) {
	dst, peer := w, (*Conn)(nil)
	if p, ok := w.(*Conn); ok {
		peer, dst = p, p.raw
	}
	if !c.zeroCopy() || (peer != nil && !peer.zeroCopy()) || !spliceable(dst) {
		n, err := io.Copy(writerOnly{w}, readerOnly{c})
		return n, err
	}
	growPipeOf(dst) // a shell pipe on stdout: fewer wake-ups per byte
	var n int64
	var err error
	if wt, ok := c.raw.(io.WriterTo); ok { // *net.TCPConn
		n, err = wt.WriteTo(dst)
	} else if rf, ok := dst.(io.ReaderFrom); ok { // *net.UnixConn into a file or TCP
		n, err = rf.ReadFrom(c.raw)
	} else {
		n, err = io.Copy(writerOnly{dst}, readerOnly{c.raw})
	}
	c.rx.Add(n)
	if peer != nil {
		peer.tx.Add(n)
	}
	if err == nil {
		c.ended()
	}
	return n, c.wrapErr(peerErr(peer, c.resetErr(err)))
}

// resetErr attributes a reset met during a splice to reading this
// connection: Go reports it as "writeto tcp A->B: write /dev/stdout:
// splice: connection reset by peer", which blames the wrong side.
func (c *Conn) resetErr(err error) error {
	if !errors.Is(err, syscall.ECONNRESET) {
		return err
	}
	return &net.OpError{Op: "read", Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: syscall.ECONNRESET}
}

// peerErr maps an idle timeout of the peer Conn in a copy between two
// Conns.
func peerErr(peer *Conn, err error) error {
	if peer == nil {
		return err
	}
	return peer.wrapErr(err)
}

// spliceable reports whether w may be written by splice(2). A character
// device other than /dev/null (/dev/full, a printer, some terminals) may
// refuse it with EINVAL after the bytes have left the socket, and Go
// would lose them: copy to those in user space.
func spliceable(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return true
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return true
	}
	null, err := os.Stat(os.DevNull)
	return err == nil && os.SameFile(fi, null)
}
