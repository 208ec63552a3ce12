package pipe

import (
	"errors"
	"io"
	"net"
	"sync"
)

// echoBufSize is the size of an echo buffer, held only while bytes move.
// A bulk echo through 64 KiB streams about as fast as splice(2) on
// loopback, if with more CPU (BenchmarkEcho/stream); 32 KiB was slower.
const echoBufSize = 64 << 10

// echoBufs holds the buffers of the echoing connections that are moving
// bytes. An idle connection holds none.
var echoBufs = sync.Pool{New: func() any {
	b := make([]byte, echoBufSize)
	return &b
}}

// Echo writes every byte read from the peer back to it, until the peer's
// EOF, and returns how many it echoed. It copies through user space: for
// the small messages an echo server mostly sees, a read and a write are
// as fast as splice(2), which would also hold a pipe (two descriptors)
// for as long as the connection lives. On a TCP or Unix socket the
// buffer is taken from a pool when bytes arrive and returned whenever the
// socket has nothing more to read, so an idle connection costs its
// socket and a parked goroutine, nothing else.
func (c *Conn) Echo() (int64, error) {
	r, ok := newLazyReader(c)
	if !ok {
		return c.echoCopy()
	}
	defer r.release()
	var total int64
	for {
		p, err := r.read()
		if len(p) > 0 {
			c.rx.Add(int64(len(p)))
			if c.opts.Tap != nil {
				c.opts.Tap(c.id, In, p)
			}
			n, werr := c.Write(p)
			total += int64(n)
			if werr != nil {
				return total, werr
			}
		}
		if err == io.EOF {
			c.ended()
			return total, nil
		}
		if err != nil {
			return total, c.wrapErr(err)
		}
	}
}

// recordBufs hold the buffers of connections echoed through a plain
// copy: 16 KiB, the most plaintext one TLS record carries, so one Read
// never returns more.
var recordBufs = sync.Pool{New: func() any {
	b := make([]byte, 16<<10)
	return &b
}}

// echoCopy is Echo for a connection without a raw socket (TLS): one
// pooled buffer for the connection's life.
func (c *Conn) echoCopy() (int64, error) {
	buf := recordBufs.Get().(*[]byte)
	defer recordBufs.Put(buf)
	return io.CopyBuffer(writerOnly{c}, readerOnly{c}, *buf)
}

// readOpError names a failed read of c as net.Conn's Read does.
func (c *Conn) readOpError(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		err = oe.Err
	}
	return &net.OpError{Op: "read", Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}
