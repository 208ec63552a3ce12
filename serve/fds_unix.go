//go:build unix

package serve

import (
	"os"
	"strconv"
	"sync"
	"syscall"
)

// inheritedOnce marks, once per process, the descriptors sockit itself
// inherited above 2 (a shell's 7>file) close-on-exec.
var inheritedOnce sync.Once

// closeInheritedOnExec makes sure a child started after it gets no
// descriptor but the three os/exec sets up. Go opens every descriptor of
// its own with O_CLOEXEC, so only those sockit was started with can leak,
// and marking them once is enough.
func closeInheritedOnExec() {
	inheritedOnce.Do(markInheritedCloexec)
}

// markInheritedCloexec sets FD_CLOEXEC on every open descriptor above 2,
// listed from /proc/self/fd (Linux) or /dev/fd (the BSDs, macOS).
func markInheritedCloexec() {
	for _, dir := range []string{"/proc/self/fd", "/dev/fd"} {
		d, err := os.Open(dir)
		if err != nil {
			continue
		}
		names, err := d.Readdirnames(-1)
		d.Close()
		if err != nil {
			continue
		}
		for _, n := range names {
			if fd, err := strconv.Atoi(n); err == nil && fd > 2 {
				syscall.CloseOnExec(fd) // the directory's own fd is closed: EBADF, harmless
			}
		}
		return
	}
}
