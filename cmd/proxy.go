package cmd

import (
	"context"
	"net"
	"net/netip"

	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/connect"
	"sockit/listen"
	"sockit/pipe"
	"sockit/proxy"
)

func proxyCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "proxy",
		Usage:     "run a SOCKS5, SOCKS4/4a and HTTP proxy on ADDR until signalled",
		ArgsUsage: "[HOST:]PORT | [IPv6]:PORT | HOST PORT | unix:PATH",
		Description: `Listens on ADDR and serves every client as a proxy: SOCKS5 (CONNECT,
without authentication or with username/password), SOCKS4 and 4a, and
HTTP on the same port, told apart by the first byte. HTTP clients get
CONNECT to any target, and absolute-form requests (GET http://host/path,
what curl -x sends for an http URL) forwarded to the target in origin
form without the Proxy-* fields, one request per connection
(Connection: close; what follows the request's body is dropped). Once a tunnel is open the client and the target
are spliced socket to socket, each EOF a half-close of the other.

Safe by default: on any address but loopback, sockit proxy refuses to
start unless --auth/--auth-file (credentials) or --allow (client
addresses) says who may use it; --open serves everyone anyway, with a
warning. --auth user:pass or --auth-file FILE (one user:pass a line)
requires SOCKS5 username/password or HTTP Proxy-Authorization Basic
(407 otherwise); SOCKS4 clients are then refused (it has no password).
--allow-to and --deny-to choose the targets: an address, a CIDR prefix,
a host name or *.NAME, each with an optional :PORT; a name is checked
by name and, when an address rule exists, by every address it resolves
to (a name resolving to a denied address is denied), and then dialled
at the addresses checked. A denied target gets SOCKS reply 2 (SOCKS4:
91) or HTTP 403.

--proxy URL (repeatable: a chain) sends every tunnel on through upstream
proxies, as it does for connect; the target rules are checked here
first.

A client that has not sent its whole request within --handshake-timeout
is closed; --connect-timeout bounds each dial of a target, --idle-timeout
a tunnel idle both ways. -v prints one request event per client:
protocol, target, result, bytes each way and duration.`,
		Flags:  flagsOf(commonFlags(), listenFlags(), proxyServerFlags(), proxyFlags(), limitFlags(), unixFlags()),
		Action: e.proxy,
	}
}

// proxyServerFlags are proxy's own.
func proxyServerFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "auth", Usage: "require the credentials `USER:PASS` (SOCKS5 username/password, HTTP Basic); SOCKS4 clients are refused"},
		&cli.StringFlag{Name: "auth-file", Usage: "require credentials from `FILE`, one USER:PASS a line (# comments), kept out of ps"},
		&cli.StringSliceFlag{Name: "allow-to", Usage: "reach only targets matching `RULE`: an address, a CIDR prefix, a host name or *.NAME, with an optional :PORT (repeatable)"},
		&cli.StringSliceFlag{Name: "deny-to", Usage: "refuse targets matching `RULE`, by name or by any address the name resolves to (repeatable; deny wins over allow)"},
		&cli.BoolFlag{Name: "open", Usage: "serve everyone on an address other than loopback without --auth or --allow (warns)", DisableDefaultText: true},
		&cli.DurationFlag{Name: "connect-timeout", Usage: "give up dialling a target after `DURATION` (the client gets SOCKS reply 6 or HTTP 504)", DefaultText: "the OS's limit"},
		&cli.DurationFlag{Name: "handshake-timeout", Value: defaultProxyHandshake, Usage: "close a client that has not sent its whole request after `DURATION` (0: never)"},
	}
}

// proxy is the action of sockit proxy.
func (e *env) proxy(c *cli.Context) error {
	sock, a, err := e.begin(c, true)
	if err != nil {
		return err
	}
	name := commandName(c)
	if a.TLS {
		return usagef(name, "sockit proxy does not serve TLS: give ADDR without tls:")
	}
	lim, err := limitsFrom(c)
	if err != nil {
		return err
	}
	srv, err := proxyServer(c)
	if err != nil {
		return err
	}
	if err := e.checkOpen(c, a, lim, srv); err != nil {
		return err
	}
	l, err := e.newListener(c, a, lim, sock)
	if err != nil {
		return err
	}
	// The dialler's side is quiet (the request event names the target
	// and counts its bytes) and has no idle timer (the client's sees
	// both directions), as in relay.
	dsock := sock
	dsock.IdleTimeout, dsock.OnEvent = 0, nil
	d := connect.Dialer{Timeout: c.Duration("connect-timeout"), Socket: dsock}
	// --proxy: every target through the upstream chain (the target's
	// address only names the kind: each is TCP)
	if d.Via, err = e.proxyHops(c, addr.Addr{Kind: addr.TCP}, dsock); err != nil {
		return err
	}
	for _, h := range d.Via {
		if isOwnAddr(c.Context, a, h) {
			return usagef(name, "--proxy %s is this proxy's own address: every request would come back to it, without end", h)
		}
	}
	srv.Dial = func(ctx context.Context, host string, port uint16) (*pipe.Conn, error) {
		return d.Dial(ctx, addr.Addr{Kind: addr.TCP, Host: host, Port: int(port)})
	}
	srv.OnEvent = sock.OnEvent
	ln, err := e.openListener(c, l, sock)
	if err != nil {
		return err
	}
	return listen.Serve(c.Context, ln, sock, l.lim, srv.Serve)
}

// checkOpen refuses to serve everyone on an address other than
// loopback: such a proxy needs credentials or an allow list, or --open,
// which warns.
func (e *env) checkOpen(c *cli.Context, a addr.Addr, lim listen.Limits, srv *proxy.Server) error {
	if len(srv.Users) > 0 || len(lim.Access.Allow) > 0 {
		return nil
	}
	if local, err := loopbackOnly(c.Context, a); err != nil || local {
		return err
	}
	if c.Bool("open") {
		e.diag.warnf("--open: anyone who can reach %s may use this proxy to reach anywhere it can", a)
		return nil
	}
	u := usagef(commandName(c), "a proxy on %s would serve anyone who can reach it: give --auth, --auth-file or --allow", a)
	u.hints = []string{"--open serves everyone anyway; 127.0.0.1:PORT serves this host only"}
	return u
}

// loopbackOnly reports whether a listener on a serves this host only: a
// Unix socket, a loopback address, or a name all of whose addresses are
// loopback ones. A name that does not resolve is the lookup's error
// (binding it would fail the same way).
func loopbackOnly(ctx context.Context, a addr.Addr) (bool, error) {
	if a.Kind == addr.Unix {
		return true, nil
	}
	if a.Host == "" {
		return false, nil // every interface
	}
	if ip, err := netip.ParseAddr(a.Host); err == nil {
		return ip.Unmap().IsLoopback(), nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", a.Host)
	if err != nil {
		return false, err
	}
	for _, ip := range ips {
		if !ip.Unmap().IsLoopback() {
			return false, nil
		}
	}
	return len(ips) > 0, nil
}

// isOwnAddr reports whether the upstream proxy h is the listener a
// itself: the same port, on the same address, or on a loopback address
// when a is every interface or loopback. A port chosen by the kernel
// (0) cannot be named in advance; a name that does not resolve is left
// to the dial.
func isOwnAddr(ctx context.Context, a addr.Addr, h proxy.Hop) bool {
	if a.Kind != addr.TCP || a.Port == 0 || h.Port != a.Port {
		return false
	}
	var own netip.Addr
	if a.Host != "" {
		ip, err := netip.ParseAddr(a.Host)
		if err != nil {
			ips, lerr := net.DefaultResolver.LookupNetIP(ctx, "ip", a.Host)
			if lerr != nil || len(ips) == 0 {
				return false
			}
			ip = ips[0]
		}
		own = ip.Unmap()
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", h.Host)
	if err != nil {
		return false
	}
	for _, ip := range ips {
		ip = ip.Unmap()
		if ip == own || (ip.IsLoopback() && (!own.IsValid() || own.IsUnspecified() || own.IsLoopback())) {
			return true
		}
	}
	return false
}
