package ipc

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// procNetUnix lists the Unix sockets of the network namespace (Linux).
const procNetUnix = "/proc/net/unix"

// unconnected is SS_UNCONNECTED in /proc/net/unix's St column: a socket
// that is bound and listening, or bound and about to listen, as opposed
// to the connections a listener accepted (SS_CONNECTED), which carry its
// path too and outlive it.
const unconnected = "01"

// listeningOn reports whether a socket bound to the socket file fi (found
// at path), listening or between bind(2) and listen(2), shows in
// /proc/net/unix. It never connects, so it does not take a single-shot
// server's one connection, and it sees a server that has bound but not
// yet listened, which a connection would take for stale. False means only
// "not seen": /proc/net/unix is missing (not Linux), or the server bound
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
	for _, p := range boundPaths(f) {
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

// boundPaths returns the paths of the unconnected sockets (listening, or
// bound and not yet listening) bound to a file in /proc/net/unix's format
// (abstract names, shown with a leading '@', are left out):
//
//	Num       RefCount Protocol Flags    Type St Inode Path
//	0000000000000000: 00000002 00000000 00010000 0001 01 23761 /run/a.sock
func boundPaths(r io.Reader) []string {
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
		if fields[5] != unconnected {
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
