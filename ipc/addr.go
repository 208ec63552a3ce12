package ipc

import (
	"errors"
	"fmt"
	"strings"
)

// maxPath is the longest socket path (or abstract name, after its '@') a
// Linux sockaddr_un can hold: sun_path is 108 bytes with a final NUL.
const maxPath = 107

// Prefix marks a Unix socket in an address argument: unix:PATH or
// unix:@NAME.
const Prefix = "unix:"

// IsUnixAddr reports whether addr names a Unix socket (unix:PATH).
func IsUnixAddr(addr string) bool { return strings.HasPrefix(addr, Prefix) }

// ParseAddr checks a socket path given as unix:PATH, unix:@NAME, PATH or
// @NAME and returns it without the prefix. @NAME is a Linux abstract
// socket: no file is created.
func ParseAddr(s string) (string, error) {
	p := strings.TrimPrefix(s, Prefix)
	switch {
	case p == "" || p == "@":
		return "", errors.New("empty socket path")
	case strings.IndexByte(p, 0) >= 0:
		return "", fmt.Errorf("socket path %q contains a NUL byte", p)
	case len(strings.TrimPrefix(p, "@")) > maxPath:
		return "", fmt.Errorf("socket path is %d bytes, longer than the %d a Unix socket address can hold", len(strings.TrimPrefix(p, "@")), maxPath)
	}
	return p, nil
}

// IsAbstract reports whether path is a Linux abstract socket name.
func IsAbstract(path string) bool { return strings.HasPrefix(path, "@") }
