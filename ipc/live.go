package ipc

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// procNetUnix lists the Unix sockets of the network namespace (Linux).
const procNetUnix = "/proc/net/unix"

// acceptCon is __SO_ACCEPTCON in /proc/net/unix's Flags: a listening socket.
const acceptCon = 1 << 16

// listeningOn reports whether a socket listening on the socket file fi
// (found at path) shows in /proc/net/unix. It never connects, so it does
// not take a single-shot server's one connection. False means only "not
// seen": /proc/net/unix is missing (not Linux), or the server bound
// another spelling of the path that no longer leads to the file, or it
// lives in another network namespace; the caller then probes by
// connecting.
func listeningOn(path string, fi os.FileInfo) bool {
	f, err := os.Open(procNetUnix)
	if err != nil {
		return false
	}
	defer f.Close()
	base := filepath.Base(path)
	for _, p := range listeningPaths(f) {
		if filepath.Base(p) != base {
			continue
		}
		// a relative path is resolved against our directory: best effort
		if now, err := os.Stat(p); err == nil && os.SameFile(fi, now) {
			return true
		}
	}
	return false
}

// listeningPaths returns the paths of the listening sockets bound to a
// file in /proc/net/unix's format (abstract names, shown with a leading
// '@', are left out):
//
//	Num       RefCount Protocol Flags    Type St Inode Path
//	0000000000000000: 00000002 00000000 00010000 0001 01 23761 /run/a.sock
func listeningPaths(r io.Reader) []string {
	var paths []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), 64<<10)
	for first := true; sc.Scan(); first = false {
		if first {
			continue // the header
		}
		fields, path, ok := cutFields(sc.Text(), 7)
		if !ok || path == "" || strings.HasPrefix(path, "@") {
			continue
		}
		flags, err := strconv.ParseUint(fields[3], 16, 32)
		if err != nil || flags&acceptCon == 0 {
			continue
		}
		paths = append(paths, path)
	}
	return paths
}

// cutFields splits the first n blank-separated fields off line (the
// inode is padded with spaces) and returns them and the rest after one
// space: the path, which may itself hold blanks.
func cutFields(line string, n int) (fields []string, rest string, ok bool) {
	for range n {
		line = strings.TrimLeft(line, " ")
		i := strings.IndexByte(line, ' ')
		if i < 0 {
			if line == "" {
				return nil, "", false
			}
			fields = append(fields, line)
			line = ""
			continue
		}
		fields, line = append(fields, line[:i]), line[i:]
	}
	if len(fields) < n {
		return nil, "", false
	}
	return fields, strings.TrimPrefix(line, " "), true
}
