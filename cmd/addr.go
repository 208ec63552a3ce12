package cmd

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// parseAddr turns the positional ADDR of a command into "host:port".
// ADDR is HOST:PORT, [IPv6]:PORT or HOST PORT (two arguments); for a
// listening command PORT and :PORT alone mean every interface (empty
// host). A port is a number (0 only when listening) or a service name.
// Errors are usage errors for command cmd.
func parseAddr(cmd string, args []string, listening bool) (string, error) {
	var host, port string
	switch len(args) {
	case 0:
		return "", usagef(cmd, "missing ADDR")
	case 1:
		a := args[0]
		switch {
		case listening && isDigits(a):
			port = a
		case strings.HasPrefix(a, "[") || strings.Count(a, ":") == 1:
			h, p, err := net.SplitHostPort(a)
			if err != nil {
				return "", usagef(cmd, "bad address %q: want HOST:PORT", a)
			}
			host, port = h, p
		case strings.Count(a, ":") > 1:
			e := usagef(cmd, "bad address %q: IPv6 addresses need brackets", a)
			e.hints = []string{"write [IPv6]:PORT, or give HOST and PORT as two arguments"}
			return "", e
		default:
			return "", usagef(cmd, "bad address %q: missing port (want HOST:PORT or HOST PORT)", a)
		}
	case 2:
		host, port = args[0], args[1]
		if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
			host = host[1 : len(host)-1]
		}
		if host == "" {
			return "", usagef(cmd, "empty host")
		}
	default:
		return "", usagef(cmd, "too many arguments: %s", strings.Join(args[2:], " "))
	}
	if err := checkHost(host, listening); err != nil {
		return "", usagef(cmd, "%v", err)
	}
	p, err := parsePort(port, listening)
	if err != nil {
		return "", usagef(cmd, "%v", err)
	}
	return net.JoinHostPort(host, strconv.Itoa(p)), nil
}

// checkHost rejects hosts no resolver could take.
func checkHost(host string, listening bool) error {
	if host == "" {
		if listening {
			return nil
		}
		return fmt.Errorf("missing host (want HOST:PORT or HOST PORT)")
	}
	if net.ParseIP(strings.SplitN(host, "%", 2)[0]) != nil {
		return nil
	}
	if len(host) > 253 || strings.ContainsAny(host, " \t\r\n/\\[]@:%") {
		return fmt.Errorf("bad host %q", host)
	}
	return nil
}

// parsePort accepts 1-65535 (0 too when listening) or a TCP service name.
func parsePort(s string, listening bool) (int, error) {
	if isDigits(s) {
		n, err := strconv.Atoi(s)
		if err != nil || n > 65535 || len(s) > 5 {
			return 0, fmt.Errorf("bad port %q: want 0-65535", s)
		}
		if n == 0 && !listening {
			return 0, fmt.Errorf("port 0 is only for listening")
		}
		return n, nil
	}
	if !isServiceName(s) { // net.LookupPort would also take "+80"
		return 0, fmt.Errorf("bad port %q", s)
	}
	n, err := net.LookupPort("tcp", s)
	if err != nil {
		return 0, fmt.Errorf("bad port %q: not a number or a known service", s)
	}
	return n, nil
}

// isServiceName reports whether s looks like an IANA service name: a
// letter, then letters, digits and hyphens (RFC 6335), at most 32 bytes.
func isServiceName(s string) bool {
	if s == "" || len(s) > 32 || !isLetter(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
