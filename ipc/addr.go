package ipc

import (
	"fmt"
	"strings"
)

// maxPath is the longest socket path (or abstract name, after its '@') a
// Linux sockaddr_un can hold: sun_path is 108 bytes and a path needs a
// final NUL. An abstract name has a leading NUL instead.
const maxPath = 107

// Prefix marks a Unix socket in an address argument: unix:PATH or
// unix:@NAME.
const Prefix = "unix:"

// IsUnixAddr reports whether addr names a Unix socket, that is, starts
// with unix:.
func IsUnixAddr(addr string) bool { return strings.HasPrefix(addr, Prefix) }

// IsAbstract reports whether path is a Linux abstract socket name (@NAME):
// no file is created for it.
func IsAbstract(path string) bool { return strings.HasPrefix(path, "@") }

// ParseAddr checks a socket address given as unix:PATH, unix:@NAME, PATH
// or @NAME and returns it without the prefix, in the form the net package
// takes for network "unix" (a leading '@' for an abstract name). It fails
// for an empty path or name, one with a NUL byte, and one longer than the
// 107 bytes a socket address holds.
func ParseAddr(s string) (string, error) {
	p := strings.TrimPrefix(s, Prefix)
	if err := checkPath(p); err != nil {
		return "", err
	}
	return p, nil
}

// checkPath checks a socket path or @NAME as [ParseAddr] does.
func checkPath(p string) error {
	name, what := p, "socket path"
	if IsAbstract(p) {
		name, what = p[1:], "abstract socket name"
	}
	switch {
	case name == "":
		return fmt.Errorf("empty %s", what)
	case strings.IndexByte(name, 0) >= 0:
		return fmt.Errorf("%s %q contains a NUL byte", what, p)
	case len(name) > maxPath:
		return fmt.Errorf("%s is %d bytes, longer than the %d a Unix socket address can hold", what, len(name), maxPath)
	}
	return nil
}
