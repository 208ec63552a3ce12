//go:build !linux

package pipe

import "syscall"

// kernelBytes is not available here: timed connections copy in user space.
func kernelBytes(rc syscall.RawConn) (int64, bool) { return 0, false }
