//go:build unix

package cmd

import (
	"os"

	"golang.org/x/sys/unix"
)

// termCols is the width of the terminal f, in columns: 80 when it does
// not say (a pty that was never sized reports 0).
func termCols(f *os.File) int {
	ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 {
		return 80
	}
	return int(ws.Col)
}
