package pipe

import (
	"errors"
	"io"
	"net"
	"os"
	"syscall"
)

// maxSplice is the most one splice(2) call is asked to move; a pipe holds
// 64 KiB by default, so one call usually empties it.
const maxSplice = 1 << 20

// pipeSplice moves bytes from a pipe (a shell pipeline's stdin) straight
// into a socket with splice(2). Go's own io.Copy never does: it tries
// sendfile, which a pipe cannot feed, and falls back to copying through
// user space.
type pipeSplice struct {
	c   *Conn
	in  *os.File
	src syscall.RawConn // the pipe
	dst syscall.RawConn // the socket
}

// errNoSplice is splice(2) refusing the pair (EINVAL) before moving a
// byte: the caller copies through user space instead.
var errNoSplice = errors.New("splice not supported")

// splicer returns a pipeSplice from r to c when r is a pipe, c copies
// zero-copy and c's raw connection is a socket (TCP or Unix, not TLS).
func (c *Conn) splicer(r io.Reader) (*pipeSplice, bool) {
	f, ok := r.(*os.File)
	if !ok || !c.zeroCopy() {
		return nil, false
	}
	sc, ok := c.raw.(syscall.Conn)
	if !ok {
		return nil, false
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		return nil, false
	}
	src, err := f.SyscallConn()
	if err != nil {
		return nil, false
	}
	growPipe(src)
	dst, err := sc.SyscallConn()
	if err != nil {
		return nil, false
	}
	return &pipeSplice{c: c, in: f, src: src, dst: dst}, true
}

// once moves what the pipe holds (up to maxSplice bytes) into the socket,
// waiting for room in the socket if need be, and counts it. It returns
// eof when the pipe is empty and has no writer left, and 0 bytes without
// error when the pipe turns out to be empty. Call it when the pipe is
// readable (fdWait), or it may return at once with nothing.
func (p *pipeSplice) once() (n int64, eof bool, err error) {
	var serr error
	cerr := p.src.Control(func(pfd uintptr) {
		werr := p.dst.Write(func(sfd uintptr) bool {
			for {
				m, e := syscall.Splice(int(pfd), nil, int(sfd), nil, maxSplice, spliceMove|spliceNonblock)
				switch {
				case e == syscall.EINTR:
					continue
				case e == syscall.EAGAIN:
					// Either the socket is full (wait until it is
					// writable) or the pipe is empty (come back later).
					return !fdReadable(pfd)
				case e == syscall.EINVAL:
					serr = errNoSplice
				case e != nil:
					serr = os.NewSyscallError("splice", e)
				case m == 0:
					eof = true
				default:
					n = m
				}
				return true
			}
		})
		if serr == nil {
			serr = werr
		}
	})
	if serr == nil {
		serr = cerr
	}
	p.c.tx.Add(n)
	if serr != nil && serr != errNoSplice {
		c := p.c
		serr = c.wrapErr(&net.OpError{Op: "write", Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: serr})
	}
	return n, eof, serr
}

// all moves everything until the pipe's EOF, through user space if
// splice(2) refuses the pair.
func (p *pipeSplice) all() (int64, error) {
	var total int64
	for {
		var werr error
		if err := p.src.Control(func(fd uintptr) { werr = fdWait(fd) }); err != nil {
			return total, err
		}
		if werr != nil {
			return total, werr
		}
		n, eof, err := p.once()
		total += n
		if err == errNoSplice {
			m, err := io.Copy(writerOnly{p.c}, readerOnly{p.in})
			return total + m, err
		}
		if err != nil || eof {
			return total, err
		}
	}
}

// pipeSize is what growPipe asks for: the most an unprivileged process
// may (/proc/sys/fs/pipe-max-size).
const pipeSize = 1 << 20

// growPipe raises a pipe's capacity from the default 64 KiB (16 pages)
// to pipeSize, best effort. A spliced page may be only partly filled, so
// a 16-slot pipe fills with much less than 64 KiB and the processes on
// either side wake each other for every few kilobytes.
func growPipe(rc syscall.RawConn) {
	rc.Control(func(fd uintptr) {
		syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_SETPIPE_SZ, pipeSize)
	})
}

// growPipeOf grows w's pipe when w is an *os.File on a pipe.
func growPipeOf(w io.Writer) {
	f, ok := w.(*os.File)
	if !ok {
		return
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		return
	}
	if rc, err := f.SyscallConn(); err == nil {
		growPipe(rc)
	}
}

// splice(2) flags.
const (
	spliceMove     = 0x1
	spliceNonblock = 0x2
)
