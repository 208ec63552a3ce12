//go:build unix

package udp

import (
	"net"
	"sync"
	"syscall"
)

// datagramBufs hold the buffers of upstream sockets that are reading a
// datagram: an idle session holds none.
var datagramBufs = sync.Pool{New: func() any {
	b := make([]byte, recvBufSize)
	return &b
}}

// readDatagrams calls each with every datagram that comes on c (an
// empty one too) until c is closed or fails, and with the bytes valid
// only during the call. An error a datagram's receipt reports (ICMP
// port unreachable for what was sent before) goes to soft and the
// reading goes on. The buffer comes from a pool when a datagram is
// there and goes back before the wait for the next, so that an idle
// socket costs its goroutine and nothing more.
func readDatagrams(c *net.UDPConn, each func(p []byte), soft func(error)) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var (
		buf  *[]byte
		n    int
		rerr error
	)
	recv := func(fd uintptr) bool {
		buf = datagramBufs.Get().(*[]byte)
		n, _, rerr = syscall.Recvfrom(int(fd), *buf, 0)
		for rerr == syscall.EINTR {
			n, _, rerr = syscall.Recvfrom(int(fd), *buf, 0)
		}
		if rerr == syscall.EAGAIN {
			datagramBufs.Put(buf)
			return false // wait until c is readable
		}
		return true
	}
	for {
		if err := rc.Read(recv); err != nil {
			return err // closed
		}
		if rerr == nil {
			each((*buf)[:n])
		} else if transient(rerr) {
			soft(&net.OpError{Op: "read", Net: "udp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: rerr})
		} else {
			datagramBufs.Put(buf)
			return &net.OpError{Op: "read", Net: "udp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: rerr}
		}
		datagramBufs.Put(buf)
	}
}
