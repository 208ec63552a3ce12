package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Schemes of a proxy URL.
const (
	SOCKS5  = "socks5"  // names resolved by the client
	SOCKS5H = "socks5h" // names resolved by the proxy
	SOCKS4  = "socks4"  // names resolved by the client, IPv4 only
	SOCKS4A = "socks4a" // names resolved by the proxy
	HTTP    = "http"    // CONNECT
	HTTPS   = "https"   // CONNECT over TLS to the proxy
)

// Schemes lists the schemes ParseURL takes, in the order help names them.
var Schemes = []string{SOCKS5, SOCKS5H, SOCKS4, SOCKS4A, HTTP, HTTPS}

// defaultPorts are the ports of a URL without one.
var defaultPorts = map[string]int{SOCKS5: 1080, SOCKS5H: 1080, SOCKS4: 1080, SOCKS4A: 1080, HTTP: 8080, HTTPS: 443}

// Hop is one proxy of a chain: how to speak to it, where it is, and the
// credentials it gets.
type Hop struct {
	// Scheme is one of the Schemes.
	Scheme string
	// Host is the proxy's name or IP address (no brackets).
	Host string
	// Port is the proxy's TCP port.
	Port int
	// User and Pass are the credentials (SOCKS5 username/password, HTTP
	// Basic; SOCKS4's user id is User), sent only when Auth is true.
	User, Pass string
	// Auth says credentials were given (User may still be empty for
	// HTTP Basic).
	Auth bool
	// Handshake, for an https proxy, runs the TLS handshake with the
	// proxy (verifying the proxy's name) and returns the connection to
	// speak CONNECT on; nil means crypto/tls with the system's roots and
	// Host as the name. The other schemes ignore it.
	Handshake func(ctx context.Context, c net.Conn) (net.Conn, error)
}

// Addr returns the proxy's host:port.
func (h Hop) Addr() string {
	return net.JoinHostPort(h.Host, strconv.Itoa(h.Port))
}

// String returns the hop as a URL without its credentials:
// socks5h://127.0.0.1:1080.
func (h Hop) String() string {
	return h.Scheme + "://" + h.Addr()
}

// RemoteDNS reports whether the proxy resolves the target's name
// (socks5h, socks4a, http, https); socks5 and socks4 resolve it here.
func (h Hop) RemoteDNS() bool {
	return h.Scheme != SOCKS5 && h.Scheme != SOCKS4
}

// URLError is a proxy URL that cannot be used; Error words why without
// repeating the URL, which may hold a password.
type URLError struct {
	Why string
}

func (e *URLError) Error() string { return e.Why }

// urlErr returns a *URLError.
func urlErr(format string, args ...any) error {
	return &URLError{Why: fmt.Sprintf(format, args...)}
}

// ParseURL reads a proxy URL: SCHEME://[USER[:PASS]@]HOST[:PORT], the
// credentials percent-decoded, the port defaulting to 1080 for SOCKS,
// 8080 for http and 443 for https. It refuses paths, queries and
// fragments, and a password on socks4:// and socks4a:// (SOCKS4 carries
// only a user id). Handshake is left nil.
func ParseURL(s string) (Hop, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return Hop{}, urlErr("no scheme: want SCHEME://HOST[:PORT] with SCHEME one of %s", strings.Join(Schemes, ", "))
	}
	scheme = strings.ToLower(scheme)
	if _, known := defaultPorts[scheme]; !known {
		return Hop{}, urlErr("unknown scheme %q: want one of %s", scheme, strings.Join(Schemes, ", "))
	}
	u, err := url.Parse(scheme + "://" + rest)
	if err != nil {
		if strings.Contains(rest, "@") { // the reason may quote the password
			return Hop{}, urlErr("not a URL: check the percent-encoding of USER:PASS (%% is %%25, @ is %%40, : in a user name is %%3A)")
		}
		var ue *url.Error
		if errors.As(err, &ue) { // its Err does not repeat the URL
			err = ue.Err
		}
		return Hop{}, urlErr("not a URL: %v", err)
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return Hop{}, urlErr("a proxy URL has no path, query or fragment: want %s://HOST[:PORT]", scheme)
	}
	h := Hop{Scheme: scheme, Host: u.Hostname()}
	if h.Host == "" {
		return Hop{}, urlErr("no host: want %s://HOST[:PORT]", scheme)
	}
	h.Port = defaultPorts[scheme]
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Hop{}, urlErr("bad port %q: want 1-65535", p)
		}
		h.Port = n
	} else if strings.HasSuffix(u.Host, ":") {
		return Hop{}, urlErr("empty port: want %s://HOST[:PORT]", scheme)
	}
	if u.User != nil {
		pass, hasPass := u.User.Password()
		if err := h.SetAuth(u.User.Username(), pass, hasPass); err != nil {
			return Hop{}, err
		}
	}
	return h, nil
}

// SetAuth gives h credentials, refusing what its scheme cannot carry: a
// password for SOCKS4, an empty user name for SOCKS5, more than 255
// bytes of either for SOCKS.
func (h *Hop) SetAuth(user, pass string, hasPass bool) error {
	switch h.Scheme {
	case SOCKS4, SOCKS4A:
		if hasPass {
			return urlErr("%s:// takes a user id but no password (SOCKS4 has no passwords)", h.Scheme)
		}
		if err := socks4String("user id", user); err != nil {
			return urlErr("%v", err)
		}
	case SOCKS5, SOCKS5H:
		if user == "" {
			return urlErr("SOCKS5 needs a user name with a password")
		}
		if len(user) > 255 || len(pass) > 255 {
			return urlErr("SOCKS5 user names and passwords are at most 255 bytes")
		}
	case HTTP, HTTPS:
		if strings.Contains(user, ":") {
			return urlErr("an HTTP Basic user name cannot contain ':'")
		}
	}
	h.User, h.Pass, h.Auth = user, pass, true
	return nil
}
