package scan

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
)

// PortError is a PORTS argument that is not a port, a range or a
// service name.
type PortError struct {
	Arg string // the part that is wrong
	Why string
}

func (e *PortError) Error() string { return fmt.Sprintf("bad port %q: %s", e.Arg, e.Why) }

// ParsePorts reads PORTS arguments: numbers (22), ranges (8000-8100),
// service names of network ("tcp" or "udp": http), each argument a
// comma list of those. The ports come back sorted, each once. Errors are
// *PortError.
func ParsePorts(network string, args []string) ([]int, error) {
	seen := map[int]bool{}
	for _, arg := range args {
		for _, part := range strings.Split(arg, ",") {
			lo, hi, err := portRange(network, strings.TrimSpace(part))
			if err != nil {
				return nil, err
			}
			for p := lo; p <= hi; p++ {
				seen[p] = true
			}
		}
	}
	ports := make([]int, 0, len(seen))
	for p := range seen {
		ports = append(ports, p)
	}
	slices.Sort(ports)
	return ports, nil
}

// portRange reads one port, range or service name.
func portRange(network, s string) (lo, hi int, err error) {
	if s == "" {
		return 0, 0, &PortError{Arg: s, Why: "empty (a stray comma?)"}
	}
	if a, b, ok := strings.Cut(s, "-"); ok && a != "" && b != "" && isDigits(a) && isDigits(b) {
		if lo, err = port(network, a); err != nil {
			return 0, 0, err
		}
		if hi, err = port(network, b); err != nil {
			return 0, 0, err
		}
		if lo > hi {
			return 0, 0, &PortError{Arg: s, Why: "the range ends before it starts"}
		}
		return lo, hi, nil
	}
	if strings.Contains(s, "-") && isDigits(strings.ReplaceAll(s, "-", "")) {
		return 0, 0, &PortError{Arg: s, Why: "a range is FIRST-LAST, such as 8000-8100"}
	}
	p, err := port(network, s)
	return p, p, err
}

// port reads a port number (1-65535) or a service name.
func port(network, s string) (int, error) {
	if isDigits(s) {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 65535 {
			return 0, &PortError{Arg: s, Why: "want 1-65535"}
		}
		return n, nil
	}
	n, err := net.LookupPort(network, s)
	if err != nil || n == 0 {
		return 0, &PortError{Arg: s, Why: "not a port number or a known " + network + " service name"}
	}
	return n, nil
}

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
