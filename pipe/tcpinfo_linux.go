package pipe

import (
	"encoding/binary"
	"syscall"
	"unsafe"
)

// Offsets of tcpi_bytes_acked and tcpi_bytes_received in Linux's struct
// tcp_info (both since Linux 4.1); the kernel copies at most the length we
// pass and reports how much it filled.
const (
	tcpiBytesAcked    = 120
	tcpiBytesReceived = 128
	tcpiWant          = tcpiBytesReceived + 8
)

// kernelBytes returns the bytes the kernel has received on the TCP socket
// plus those the peer has acknowledged; ok is false when the socket is
// not TCP or the kernel is too old.
func kernelBytes(rc syscall.RawConn) (n int64, ok bool) {
	var buf [232]byte
	size := uint32(len(buf))
	var errno syscall.Errno
	err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_TCP, syscall.TCP_INFO,
			uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&size)), 0)
	})
	if err != nil || errno != 0 || size < tcpiWant {
		return 0, false
	}
	acked := binary.NativeEndian.Uint64(buf[tcpiBytesAcked:])
	recv := binary.NativeEndian.Uint64(buf[tcpiBytesReceived:])
	return int64(acked + recv), true
}
