//go:build unix

package pipe

import (
	"io"
	"os"
	"syscall"
)

// lazyReader reads a socket through its raw connection, taking a buffer
// from echoBufs only once the socket has bytes to read and giving it back
// before it waits for more.
type lazyReader struct {
	c   *Conn
	rc  syscall.RawConn
	buf *[]byte
	n   int
	err error
	fn  func(fd uintptr) bool // r.readFd, bound once
}

// newLazyReader returns a lazyReader of c's socket, or false when c's
// connection has no raw socket (TLS).
func newLazyReader(c *Conn) (*lazyReader, bool) {
	sc, ok := c.raw.(syscall.Conn)
	if !ok {
		return nil, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, false
	}
	r := &lazyReader{c: c, rc: rc}
	r.fn = r.readFd
	return r, true
}

// read waits for bytes and returns them, in a buffer valid until the next
// read or release; io.EOF at the peer's end of stream.
func (r *lazyReader) read() ([]byte, error) {
	r.n, r.err = 0, nil
	if err := r.rc.Read(r.fn); err != nil { // closed, or a deadline
		return nil, r.c.readOpError(err)
	}
	if r.err != nil {
		return nil, r.c.readOpError(os.NewSyscallError("read", r.err))
	}
	if r.n == 0 {
		return nil, io.EOF
	}
	return (*r.buf)[:r.n], nil
}

// readFd is one attempt to read fd without blocking; false asks the
// runtime to wait until fd is readable and call it again. An empty socket
// gets its buffer back first.
func (r *lazyReader) readFd(fd uintptr) bool {
	if r.buf == nil {
		r.buf = echoBufs.Get().(*[]byte)
	}
	for {
		n, err := syscall.Read(int(fd), *r.buf)
		switch err {
		case nil:
			r.n = n
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			r.release()
			return false
		default:
			r.err = err
		}
		return true
	}
}

// release gives the buffer back to the pool.
func (r *lazyReader) release() {
	if r.buf != nil {
		echoBufs.Put(r.buf)
		r.buf = nil
	}
}
