package pipe

import (
	"syscall"
	"unsafe"
)

// fdReadable reports whether fd has unread bytes (FIONREAD > 0): a pipe
// or terminal with data waiting.
func fdReadable(fd uintptr) bool {
	var n int32
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	return errno == 0 && n > 0
}

// pollFd is struct pollfd.
type pollFd struct {
	fd      int32
	events  int16
	revents int16
}

// fdWait blocks until fd is readable, at EOF or in error; a Read then
// returns at once.
func fdWait(fd uintptr) error {
	const pollIn = 0x1
	p := pollFd{fd: int32(fd), events: pollIn}
	for {
		_, _, errno := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&p)), 1, 0, 0, 0, 0)
		if errno == syscall.EINTR {
			continue
		}
		if errno != 0 {
			return errno
		}
		return nil
	}
}
