package cmd

// SNI routing and PROXY protocol headers for relay: --route NAME=TO
// chooses a client's upstream by the server name its TLS ClientHello
// asks for (the TLS is not terminated: the ClientHello is sent on
// unchanged), and --send-proxy writes a PROXY protocol header naming the
// client before any byte.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/connect"
	"sockit/pipe"
	"sockit/proxyproto"
	sockittls "sockit/tls"
)

// relayRouteFlags are relay's flags for routing and PROXY headers.
func relayRouteFlags() []cli.Flag {
	return []cli.Flag{
		&cli.GenericFlag{Name: "route", Value: &specList{}, Usage: "route by server name without terminating TLS: `NAME=TO` sends the clients whose ClientHello asks for NAME to TO (repeatable; *.example.com matches every name below example.com; unmatched clients go to the TOs given, or are closed)"},
		&cli.StringFlag{Name: "send-proxy", Usage: "begin every upstream connection with a PROXY protocol header naming the client: `VERSION` v1 (text) or v2 (binary)"},
	}
}

// relayRouter dials each client's upstream: by server name with --route,
// else the positional TOs; then sends the PROXY header and the peeked
// ClientHello before anything else.
type relayRouter struct {
	def    *connect.Balancer // the positional TOs; nil when none
	routes sockittls.Routes[*connect.Balancer]
	peek   time.Duration // how long a client has to send its ClientHello
	proxy  int           // the --send-proxy version; 0: none
}

// NoRouteError is a client whose server name no --route matches, with
// no TO to fall back on.
type noRouteError struct{ name string }

func (e *noRouteError) Error() string {
	if e.name == "" {
		return "the ClientHello names no server, and there is no TO besides --route"
	}
	return fmt.Sprintf("no --route for server name %q, and no TO besides --route", e.name)
}

// dial opens client's upstream and sends what must come first.
func (r *relayRouter) dial(ctx context.Context, client *pipe.Conn) (*pipe.Conn, error) {
	bal := r.def
	var hello []byte
	if r.routes.Len() > 0 {
		name, peeked, err := sockittls.PeekServerName(ctx, client, r.peek)
		if err != nil {
			return nil, fmt.Errorf("--route: %w", err)
		}
		hello = peeked
		if b, ok := r.routes.Lookup(name); ok {
			bal = b
		}
		if bal == nil {
			return nil, &noRouteError{name: name}
		}
	}
	up, _, err := bal.Dial(ctx)
	if err != nil {
		return nil, err
	}
	var first []byte
	if r.proxy > 0 {
		first = proxyproto.FromAddrs(r.proxy, client.RemoteAddr(), client.LocalAddr()).Append(first)
	}
	if first = append(first, hello...); len(first) > 0 {
		if _, err := up.Write(first); err != nil {
			up.Close()
			return nil, err
		}
	}
	return up, nil
}

// sendProxyFrom reads --send-proxy: 0 without it.
func sendProxyFrom(c *cli.Context) (int, error) {
	switch v := c.String("send-proxy"); v {
	case "":
		return 0, nil
	case "v1", "1":
		return 1, nil
	case "v2", "2":
		return 2, nil
	default:
		return 0, usagef(commandName(c), "bad --send-proxy %q: want v1 or v2", v)
	}
}

// relayRoute is one --route: the name pattern and its TO.
type relayRoute struct {
	pattern string
	to      addr.Addr
}

// routesFrom reads the --route flags, checking each pattern and TO.
func routesFrom(c *cli.Context) ([]relayRoute, error) {
	name := commandName(c)
	var out []relayRoute
	var check sockittls.Routes[struct{}]
	for _, spec := range *c.Generic("route").(*specList) {
		pattern, to, ok := strings.Cut(spec, "=")
		if !ok || pattern == "" || to == "" {
			return nil, usagef(name, "bad --route %q: want NAME=TO (*.NAME for every name below NAME)", spec)
		}
		if err := check.Add(pattern, struct{}{}); errors.Is(err, sockittls.ErrBadRoute) {
			return nil, usagef(name, "--route: %v", err)
		}
		a, err := parseAddress(c, []string{to}, false)
		if err != nil {
			return nil, err
		}
		if a.TLS {
			return nil, usagef(name, "--route %s: the client's TLS is forwarded untouched, so its TO takes no tls:", spec)
		}
		out = append(out, relayRoute{pattern: pattern, to: a})
	}
	return out, nil
}

// relayRouter builds the router over the positional TOs (with --balance)
// and the --route TOs, each dialled with sock.
func (e *env) relayRouter(c *cli.Context, tos []addr.Addr, routes []relayRoute, sock pipe.Options, roundRobin bool) (*relayRouter, error) {
	r := &relayRouter{peek: c.Duration("handshake-timeout")}
	if len(tos) > 0 {
		b, err := e.balancer(c, tos, sock, roundRobin)
		if err != nil {
			return nil, err
		}
		r.def = b
	}
	for _, rt := range routes {
		b, err := e.balancer(c, []addr.Addr{rt.to}, sock, false)
		if err != nil {
			return nil, err
		}
		if err := r.routes.Add(rt.pattern, b); err != nil {
			return nil, usagef(commandName(c), "--route: %v", err)
		}
	}
	return r, nil
}
