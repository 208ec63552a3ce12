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
