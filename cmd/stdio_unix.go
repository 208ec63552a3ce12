//go:build unix

package cmd

import (
	"os"

	"golang.org/x/sys/unix"
)

// wasClosed reports whether f's descriptor was closed when the process
// started. Go's runtime opens /dev/null read-write on a closed standard
// descriptor (so that no socket takes its number); a shell's >/dev/null
// opens it write-only.
func wasClosed(f *os.File) bool {
	fl, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
	if err != nil {
		return true
	}
	if fl&unix.O_ACCMODE != unix.O_RDWR {
		return false
	}
	fi, err := f.Stat()
	null, nerr := os.Stat(os.DevNull)
	return err == nil && nerr == nil && os.SameFile(fi, null)
}
