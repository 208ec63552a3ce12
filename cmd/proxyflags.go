package cmd

// --proxy and its companions: the chain of proxies a dialling command
// reaches its address through (connect, send, recv --connect, relay's
// TOs, scan).

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/connect"
	"sockit/pipe"
	"sockit/proxy"
	sockittls "sockit/tls"
)

// proxyFlags are on the commands that dial.
func proxyFlags() []cli.Flag {
	return []cli.Flag{
		&cli.GenericFlag{Name: "proxy", Value: &specList{}, Usage: "reach the address through the proxy at `URL`: socks5://, socks5h:// (the proxy resolves names), socks4://, socks4a://, http:// or https:// (CONNECT), [USER:PASS@]HOST[:PORT]; repeat for a chain, each reached through the one before"},
		&cli.StringFlag{Name: "proxy-auth-file", Usage: "the proxies' credentials, USER:PASS on one line of `FILE` (kept out of ps), for the --proxy URLs without their own"},
		&cli.StringFlag{Name: "proxy-ca", Usage: "verify an https:// proxy with the CA certificates in `FILE` (PEM) besides the system's"},
	}
}

// proxyFlagNames are the names of proxyFlags.
var proxyFlagNames = []string{"proxy", "proxy-auth-file", "proxy-ca"}

// proxyURLs returns the --proxy values in order.
func proxyURLs(c *cli.Context) []string {
	if l, ok := c.Generic("proxy").(*specList); ok && l != nil {
		return *l
	}
	return nil
}

// proxyHops reads --proxy, --proxy-auth-file and --proxy-ca into the
// chain to reach a through; nil without --proxy. A TCP address only.
func (e *env) proxyHops(c *cli.Context, a addr.Addr, sock pipe.Options) ([]proxy.Hop, error) {
	name := commandName(c)
	urls := proxyURLs(c)
	if len(urls) == 0 {
		for _, f := range proxyFlagNames[1:] {
			if c.IsSet(f) {
				return nil, usagef(name, "--%s needs --proxy", f)
			}
		}
		return nil, nil
	}
	if a.Kind == addr.UDP {
		e := usagef(name, "--proxy reaches TCP addresses only, not %s", a)
		e.hints = []string{"UDP through a SOCKS5 proxy needs UDP ASSOCIATE, which sockit does not speak"}
		return nil, e
	}
	if a.Kind != addr.TCP {
		return nil, usagef(name, "--proxy reaches TCP addresses only, not %s", a)
	}
	hops := make([]proxy.Hop, len(urls))
	for i, u := range urls {
		h, err := proxy.ParseURL(u)
		if err != nil {
			e := usagef(name, "bad --proxy%s: %v", nth(i, len(urls)), err)
			e.hints = []string{"a proxy URL is SCHEME://[USER:PASS@]HOST[:PORT], as in socks5h://127.0.0.1:1080 or http://proxy:3128"}
			return nil, e
		}
		hops[i] = h
	}
	if f := c.String("proxy-auth-file"); f != "" {
		user, pass, hasPass, err := readProxyAuth(f)
		if err != nil {
			return nil, err
		}
		for i := range hops {
			if hops[i].Auth {
				continue
			}
			if err := hops[i].SetAuth(user, pass, hasPass); err != nil {
				return nil, usagef(name, "--proxy-auth-file for --proxy%s: %v", nth(i, len(hops)), err)
			}
		}
	}
	https := false
	for i := range hops {
		if hops[i].Scheme != proxy.HTTPS {
			continue
		}
		https = true
		hs, err := e.proxyTLS(c, hops[i], sock)
		if err != nil {
			return nil, err
		}
		hops[i].Handshake = hs
	}
	if c.IsSet("proxy-ca") && !https {
		return nil, usagef(name, "--proxy-ca needs an https:// --proxy (it verifies the proxy's certificate)")
	}
	return hops, nil
}

// nth names the i-th of n --proxy flags: "" when there is one.
func nth(i, n int) string {
	if n == 1 {
		return ""
	}
	return fmt.Sprintf(" (the %s)", ordinal(i+1))
}

func ordinal(n int) string {
	switch n {
	case 1:
		return "first"
	case 2:
		return "second"
	case 3:
		return "third"
	}
	return fmt.Sprintf("%dth", n)
}

// readProxyAuth reads USER[:PASS] from the first line of file.
func readProxyAuth(file string) (user, pass string, hasPass bool, err error) {
	b, err := readFlagFile(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = fmt.Errorf("%s %s: %w", pe.Op, pe.Path, pe.Err)
		}
		return "", "", false, fmt.Errorf("--proxy-auth-file: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimSuffix(line, "\r")
	if line == "" {
		return "", "", false, fmt.Errorf("--proxy-auth-file: %s: want USER:PASS on its first line", file)
	}
	user, pass, hasPass = strings.Cut(line, ":")
	return user, pass, hasPass, nil
}

// proxyTLS builds the TLS handshake with an https proxy: its own name
// verified against the system's roots and --proxy-ca. The target's TLS
// flags (--ca, --pin, --server-name) never apply to it.
func (e *env) proxyTLS(c *cli.Context, h proxy.Hop, sock pipe.Options) (func(context.Context, net.Conn) (net.Conn, error), error) {
	o := sockittls.ClientOptions{ServerName: h.Host, HandshakeTimeout: c.Duration("handshake-timeout"), OnHandshake: tlsEvent(sock)}
	if f := c.String("proxy-ca"); f != "" {
		o.CAFiles = []string{f}
	}
	hs, err := sockittls.Client(o)
	if err != nil {
		return nil, fmt.Errorf("--proxy-ca: %w", err)
	}
	return func(ctx context.Context, raw net.Conn) (net.Conn, error) {
		conn, err := hs.Handshake(ctx, raw)
		var ua x509.UnknownAuthorityError
		switch {
		case err != nil && errors.As(err, &ua) && c.String("proxy-ca") == "":
			return nil, &hinted{err: err, hints: []string{"--proxy-ca FILE trusts the CA that signed the proxy's certificate"}}
		case errors.Is(err, sockittls.ErrNotTLS):
			return nil, &hinted{err: err, hints: []string{"an https:// proxy speaks TLS itself; http:// is CONNECT in the clear"}}
		}
		return conn, err
	}, nil
}

// proxyHints are the hints for a failure at a proxy.
func proxyHints(err error) []string {
	var pe *proxy.Error
	if !errors.As(err, &pe) {
		return nil
	}
	switch {
	case errors.Is(err, proxy.ErrAuthRequired):
		return []string{"give the proxy's credentials in the URL (http://USER:PASS@HOST:PORT) or, kept out of ps, in --proxy-auth-file FILE"}
	case errors.Is(err, proxy.ErrAuthRefused):
		return []string{"check the user name and password given in the --proxy URL or --proxy-auth-file"}
	case errors.Is(err, proxy.ErrMalformed):
		return []string{"the proxy does not speak the --proxy URL's protocol: check its scheme (socks5h://, socks4a://, http://, ...)"}
	}
	return nil
}

// scanVia is scan's probe dial through the --proxy chain: host's name
// is resolved here once when the last proxy resolves nothing itself
// (socks5://, socks4://), and sent as it is otherwise. A refusal the
// proxy reports counts as a closed port (unless its reply says
// unreachable: filtered); a failure to reach or use the proxy ends the
// scan.
func (e *env) scanVia(c *cli.Context, fam addr.Family, host string) (func(context.Context, int) (net.Conn, error), error) {
	a := addr.Addr{Kind: addr.TCP, Host: host, Port: 1, Family: fam}
	d := connect.Dialer{Socket: pipe.Options{OnEvent: e.diag.observer()}, Timeout: c.Duration("timeout")}
	var err error
	if d.Via, err = e.proxyHops(c, a, d.Socket); err != nil {
		return nil, err
	}
	if !d.Via[len(d.Via)-1].RemoteDNS() {
		ips, err := connect.Resolve(c.Context, fam, host, e.diag.observer())
		if err != nil {
			return nil, lookupError(host, err)
		}
		a.Host = ips[0].String()
	}
	d.Socket.OnEvent = nil // one line per port is -v's share already
	return func(ctx context.Context, port int) (net.Conn, error) {
		t := a
		t.Port = port
		conn, err := d.Dial(ctx, t)
		if err != nil {
			return nil, scanProxyError(err)
		}
		return conn, nil
	}, nil
}

// scanProxyError sorts a failed probe through a proxy for scan: the
// proxy's refusal of the target is the port's state, anything else is
// about the proxy.
func scanProxyError(err error) error {
	var re *proxy.ReplyError
	var se *proxy.StatusError
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return err // filtered
	case errors.As(err, &re) && errors.Unwrap(re) != nil:
		return err // refused or unreachable, as a direct dial says it
	case errors.As(err, &re) || errors.As(err, &se):
		if errors.Is(err, proxy.ErrAuthRequired) || errors.Is(err, proxy.ErrAuthRefused) {
			return &hinted{err: flatError{err}, hints: proxyHints(err)}
		}
		return refusedError{err}
	}
	return &hinted{err: flatError{err}, hints: hintsFor(err)}
}

// refusedError is a proxy's refusal of a port, which scan reads as
// closed.
type refusedError struct{ err error }

func (e refusedError) Error() string        { return e.err.Error() }
func (e refusedError) Is(target error) bool { return target == syscall.ECONNREFUSED }

// flatError hides the errno of a failure at the proxy itself (the proxy
// refusing the connection is not the port refusing it): scan stops.
type flatError struct{ err error }

func (e flatError) Error() string { return e.err.Error() }
