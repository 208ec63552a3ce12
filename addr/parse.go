package addr

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// maxPath is the longest socket path (or abstract name, after its '@') a
// Linux sockaddr_un can hold: sun_path is 108 bytes and a path needs a
// final NUL. An abstract name has a leading NUL instead.
const maxPath = 107

// Error is a malformed address; Hint, when not empty, says how to write
// it.
type Error struct {
	Msg  string
	Hint string
}

func (e *Error) Error() string { return e.Msg }

// errorf builds an *Error.
func errorf(format string, args ...any) *Error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Options say what [Parse] accepts. The zero value parses an address to
// dial, in either IP family.
type Options struct {
	// Listening accepts what only a listener takes: PORT and :PORT alone
	// (every interface) and port 0 (a free port).
	Listening bool
	// Unix reads a bare argument as a Unix socket path (the ipc
	// commands) instead of a TCP address.
	Unix bool
	// UDP reads a bare HOST:PORT as a UDP address (-u) instead of a TCP
	// one; an explicit tcp:, tcp4:, tcp6: or unix: still wins.
	UDP bool
	// Family is the family -4 or -6 asked for; an address of the other
	// family is an error.
	Family Family
}

// Parse reads an ADDR given as one argument or two (HOST PORT). TCP
// addresses are HOST:PORT, [IPv6]:PORT or HOST PORT, optionally behind
// tcp:, tcp4: or tcp6:; a listener also takes PORT and :PORT. A Unix
// socket is unix:PATH or unix:@NAME (or a bare PATH with o.Unix). UDP
// addresses are TCP's forms behind udp:, udp4: or udp6: (or bare, with
// o.UDP). tls: in front of a TCP or Unix address asks for TLS. A port is
// a number or a service name. Errors are *Error.
func Parse(args []string, o Options) (Addr, error) {
	var a Addr
	if len(args) == 0 {
		if o.Unix {
			return a, errorf("missing PATH")
		}
		return a, errorf("missing ADDR")
	}
	first := args[0]
	if s, ok := strings.CutPrefix(first, "tls:"); ok {
		a.TLS, first = true, s
	}
	kind, rest, err := scheme(first)
	if err != nil {
		return a, err
	}
	switch {
	case kind == "unix" || (kind == "" && o.Unix):
		if len(args) > 1 {
			return a, errorf("too many arguments: %s", strings.Join(args[1:], " "))
		}
		if o.Family != AnyFamily {
			return a, errorf("%s applies to TCP, not to Unix sockets", flagOf(o.Family))
		}
		a.Kind, a.Path = Unix, rest
		return a, CheckPath(rest)
	case kind == "udp" || kind == "udp4" || kind == "udp6" || (kind == "" && o.UDP):
		a.Kind = UDP
		if a.TLS {
			return a, &Error{Msg: fmt.Sprintf("bad address %q: TLS does not run over UDP", args[0]), Hint: "drop tls: (or --tls) for a UDP address; DTLS is not supported"}
		}
	}
	switch kind {
	case "tcp4", "udp4":
		a.Family = IPv4
	case "tcp6", "udp6":
		a.Family = IPv6
	}
	if o.Family != AnyFamily {
		if a.Family != AnyFamily && a.Family != o.Family {
			return a, errorf("%s conflicts with %s", flagOf(o.Family), kind+":")
		}
		a.Family = o.Family
	}
	host, port, err := split(rest, args[1:], o.Listening)
	if err != nil {
		return a, err
	}
	if err := checkHost(host, o.Listening); err != nil {
		return a, err
	}
	if a.Port, err = parsePort(port, a.Kind, o.Listening); err != nil {
		return a, err
	}
	a.Host = host
	return a, a.checkFamily(kind)
}

// scheme splits the scheme off s: "tcp", "tcp4", "tcp6", "udp", "udp4",
// "udp6", "unix" or "" (none), and the rest. A URL or an unknown word
// before a colon is an error about the scheme (not about IPv6 brackets).
func scheme(s string) (kind, rest string, err error) {
	word, rest, ok := strings.Cut(s, ":")
	if !ok {
		return "", s, nil
	}
	switch strings.ToLower(word) {
	case "tcp", "tcp4", "tcp6", "udp", "udp4", "udp6", "unix":
		return strings.ToLower(word), rest, nil
	case "tls":
		return "", "", errorf("bad address %q: tls: goes first (tls:unix:PATH, tls:tcp6:HOST:PORT)", s)
	}
	if strings.HasPrefix(rest, "//") && isWord(word) {
		return "", "", &Error{Msg: fmt.Sprintf("bad address %q: %s:// URLs are not addresses", s, word), Hint: "write HOST:PORT, or unix:PATH, with tcp:, udp:, unix: or tls: in front if you like"}
	}
	// host:port has one colon; a word before a second colon is a scheme,
	// unless it is an IPv6 group (then brackets are what is missing).
	if isWord(word) && strings.Contains(rest, ":") && !strings.HasPrefix(s, "[") && !isHexGroup(word) {
		return "", "", &Error{Msg: fmt.Sprintf("bad address %q: unknown scheme %q", s, word+":"), Hint: "the schemes are tcp:, tcp4:, tcp6:, udp:, udp4:, udp6:, unix: and tls:"}
	}
	return "", s, nil
}

// split splits a TCP address into host and port: rest is the first
// argument without its scheme, more the arguments after it.
func split(rest string, more []string, listening bool) (host, port string, err error) {
	switch len(more) {
	case 0:
	case 1:
		host, port = rest, more[0]
		if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
			host = host[1 : len(host)-1]
		}
		if host == "" {
			return "", "", errorf("empty host")
		}
		return host, port, nil
	default:
		return "", "", errorf("too many arguments: %s", strings.Join(more[1:], " "))
	}
	switch {
	case listening && isDigits(rest):
		return "", rest, nil
	case strings.HasPrefix(rest, "[") || strings.Count(rest, ":") == 1:
		h, p, err := net.SplitHostPort(rest)
		if err != nil {
			return "", "", errorf("bad address %q: want HOST:PORT", rest)
		}
		return h, p, nil
	case strings.Count(rest, ":") > 1:
		return "", "", &Error{Msg: fmt.Sprintf("bad address %q: IPv6 addresses need brackets", rest), Hint: "write [IPv6]:PORT, or give HOST and PORT as two arguments"}
	}
	return "", "", errorf("bad address %q: missing port (want HOST:PORT or HOST PORT)", rest)
}

// checkFamily rejects an IP literal of the other family than a's.
func (a Addr) checkFamily(kind string) error {
	ip, err := netip.ParseAddr(a.Host)
	if err != nil {
		return nil
	}
	ask := flagOf(a.Family)
	if strings.HasSuffix(kind, "4") || strings.HasSuffix(kind, "6") {
		ask = kind + ":"
	}
	switch {
	case a.Family == IPv4 && !ip.Unmap().Is4():
		return errorf("%s given with the IPv6 address %s", ask, a.Host)
	case a.Family == IPv6 && ip.Is4():
		return errorf("%s given with the IPv4 address %s", ask, a.Host)
	}
	return nil
}

// flagOf names the flag that asks for f.
func flagOf(f Family) string {
	if f == IPv4 {
		return "-4"
	}
	return "-6"
}

// checkHost rejects hosts no resolver could take.
func checkHost(host string, listening bool) error {
	if host == "" {
		if listening {
			return nil
		}
		return errorf("missing host (want HOST:PORT or HOST PORT)")
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	if net.ParseIP(strings.SplitN(host, "%", 2)[0]) != nil {
		return nil
	}
	if len(host) > 253 || strings.ContainsAny(host, " \t\r\n/\\[]@:%") {
		return errorf("bad host %q", host)
	}
	return nil
}

// CheckHost checks a host given apart from an address (a source to dial
// from): an IP literal of family f (any family for AnyFamily) or a name a
// resolver could take.
func CheckHost(host string, f Family) error {
	if err := checkHost(host, false); err != nil {
		return err
	}
	return Addr{Host: host, Family: f}.checkFamily("")
}

// parsePort accepts 1-65535 (0 too when listening) or a service name of
// the kind's protocol (TCP's for TCP).
func parsePort(s string, k Kind, listening bool) (int, error) {
	if isDigits(s) {
		n, err := strconv.Atoi(s)
		if err != nil || n > 65535 || len(s) > 5 {
			return 0, errorf("bad port %q: want 0-65535", s)
		}
		if n == 0 && !listening {
			return 0, errorf("port 0 is only for listening")
		}
		return n, nil
	}
	if !isServiceName(s) { // net.LookupPort would also take "+80"
		return 0, errorf("bad port %q", s)
	}
	proto := "tcp"
	if k == UDP {
		proto = "udp"
	}
	n, err := net.LookupPort(proto, s)
	if err != nil {
		return 0, errorf("bad port %q: not a number or a known service", s)
	}
	return n, nil
}

// CheckPath checks a socket path or @NAME: not empty, no NUL byte, and
// no longer than the 107 bytes a socket address holds.
func CheckPath(p string) error {
	name, what := p, "socket path"
	if strings.HasPrefix(p, "@") {
		name, what = p[1:], "abstract socket name"
	}
	switch {
	case name == "":
		return errorf("empty %s", what)
	case strings.IndexByte(name, 0) >= 0:
		return errorf("%s %q contains a NUL byte", what, p)
	case len(name) > maxPath:
		return errorf("%s is %d bytes, longer than the %d a Unix socket address can hold", what, len(name), maxPath)
	}
	return nil
}
