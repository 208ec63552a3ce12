package cmd

import (
	"context"
	"net"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/connect"
	"sockit/listen"
	"sockit/pipe"
	"sockit/serve"
)

func relayCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "relay",
		Usage:     "accept on FROM and, for every client, dial a TO and copy both ways (port forwarding, TLS termination and origination, Unix <-> TCP)",
		ArgsUsage: "FROM TO [TO...] | FROM --route NAME=TO... [TO...]",
		Description: `Listens on FROM and, for every client, dials a TO and copies bytes both
ways until both directions have ended: a client's EOF becomes a
half-close of the upstream and the upstream's EOF a half-close of the
client, and a reply sent after an EOF still arrives (nothing is cut by a
timer; --idle-timeout ends a pair idle in both directions). TCP and Unix
sockets are spliced by the kernel, socket to socket. Clients are served
concurrently until SIGINT or SIGTERM (exit 130 or 143, after closing
every pair); --once serves one client and exits with its status.

FROM is any address listen takes (PORT, HOST:PORT, [v6]:PORT, unix:PATH,
unix:@NAME), TO any address connect takes; each is one argument (no
HOST PORT form). tls: in front of FROM terminates TLS (--cert/--key, or a
throwaway certificate whose fingerprint is printed; --client-ca, --sni,
--alpn); tls: in front of a TO originates TLS, verified by default
(--ca, --pin, --server-name, --insecure; --to-cert/--to-key present a
client certificate upstream). The listener's TLS flags are the ones
listen takes, the dialler's the ones connect takes, so no flag serves
both sides; a flag for a side without TLS is a usage error.

With several TOs, --balance failover (the default) dials the first TO
that accepts, in order; --balance round-robin starts each client at the
next TO, so clients spread evenly, skipping a TO that refuses. A client
whose upstream cannot be reached (refused, --connect-timeout, DNS) is
closed at once with an error event, and the relay goes on.

--route NAME=TO routes by server name without terminating TLS: the
client's ClientHello is read (within --handshake-timeout), its server
name chooses the TO (an exact NAME first, then the longest *.NAME), and
the untouched TLS bytes go there; a client no route matches goes to the
positional TOs, or, with none given, is closed with an error event.
--send-proxy v1|v2 begins every upstream connection with a PROXY
protocol header naming the client; --accept-proxy reads one from each
client first (behind haproxy or another relay).

Socket flags (--nodelay, --keepalive, buffers) apply to both sides; -o
and -x log each relayed session once, from the client's side.

UDP (udp:FROM udp:TO, or -u): every client is a session with a socket
of its own connected to a TO, so the replies go back to that client
alone; a session ends after --session-timeout without a datagram from
its client. Both sides are UDP or neither. Several TOs need --balance
round-robin: UDP has no handshake, so failover could not see a TO refuse.`,
		Flags:  relayFlags(),
		Action: e.relay,
	}
}

// relay is the action of sockit relay.
func (e *env) relay(c *cli.Context) error {
	sock, err := e.setup(c)
	if err != nil {
		return err
	}
	name := commandName(c)
	if c.IsSet("tls") {
		return usagef(name, "--tls does not say which side: put tls: in front of FROM (TLS termination) or of a TO (TLS origination)")
	}
	args := c.Args().Slice()
	routes, err := routesFrom(c)
	if err != nil {
		return err
	}
	switch {
	case len(args) == 0:
		return usagef(name, "missing FROM and TO: relay listens on FROM and dials TO for every client")
	case len(args) == 1 && len(routes) == 0:
		return usagef(name, "missing TO: the address to dial for every client on %s", args[0])
	}
	from, err := parseAddress(c, args[:1], true)
	if err != nil {
		return err
	}
	if from.TLS && len(routes) > 0 {
		return usagef(name, "--route reads the ClientHello of TLS it does not terminate, and FROM is %s", from)
	}
	tos := make([]addr.Addr, len(args)-1)
	toSites := make([]site, len(tos))
	for i, s := range args[1:] {
		if tos[i], err = parseAddress(c, []string{s}, false); err != nil {
			return err
		}
		toSites[i] = siteOf(tos[i], false)
	}
	if err := checkRelayKinds(c, from, tos); err != nil {
		return err
	}
	for _, r := range routes {
		toSites = append(toSites, siteOf(r.to, false))
	}
	if err := checkRelayApplies(c, siteOf(from, true), toSites); err != nil {
		return err
	}
	if err := checkRelayTLS(c, from, tos, len(routes) > 0); err != nil {
		return err
	}
	if from.Kind == addr.UDP {
		return e.relayUDP(c, sock, from, tos)
	}
	sendProxy, err := sendProxyFrom(c)
	if err != nil {
		return err
	}
	roundRobin, err := balanceFrom(c)
	if err != nil {
		return err
	}
	lim, err := limitsFrom(c)
	if err != nil {
		return err
	}
	if lim.MaxConns > 0 && c.Bool("once") {
		return usagef(name, "--max-conns can't be used with --once (it serves one client)")
	}

	// The listener's side announces each client once its upstream is
	// chosen; the dialler's side neither logs (-o, -x: the client's side
	// sees every byte already) nor times out (the client's idle timer
	// sees both directions).
	ann := &announcer{out: sock.OnEvent, held: map[int64]pipe.Event{}}
	lsock := sock
	if sock.OnEvent != nil {
		lsock.OnEvent = ann.observe
	}
	dsock := sock
	dsock.IdleTimeout = 0
	router, err := e.relayRouter(c, tos, routes, dsock, roundRobin)
	if err != nil {
		return err
	}
	router.proxy = sendProxy
	l, err := e.newListener(c, from, lim, lsock)
	if err != nil {
		return err
	}
	tap, closeLogs, err := e.sessionTaps(c)
	if err != nil {
		return err
	}
	defer closeLogs()
	lsock.Tap = tap

	h := serve.Relay{Dial: func(ctx context.Context, client *pipe.Conn) (*pipe.Conn, error) {
		up, err := router.dial(ctx, client)
		var upAddr net.Addr
		if up != nil {
			upAddr = up.RemoteAddr()
		}
		ann.announce(client.ID(), upAddr)
		return up, err
	}}
	ln, err := e.openListener(c, l, lsock)
	if err != nil {
		return err
	}
	if !c.Bool("once") {
		return listen.Serve(c.Context, ln, lsock, l.lim, h.Serve)
	}
	conn, err := listen.Accept(c.Context, ln, lsock, l.lim)
	ln.Close() // one client: stop listening at once
	if err != nil {
		return err
	}
	return h.Serve(c.Context, conn)
}

// balancer builds the Balancer over tos, each with its Dialer (a tls: TO
// its own handshake: the name it verifies is its own).
func (e *env) balancer(c *cli.Context, tos []addr.Addr, sock pipe.Options, roundRobin bool) (*connect.Balancer, error) {
	b := &connect.Balancer{RoundRobin: roundRobin}
	for _, a := range tos {
		d := connect.Dialer{Timeout: c.Duration("connect-timeout"), Socket: sock, RetryDelay: time.Nanosecond}
		if a.Kind == addr.TCP {
			d.Source = c.String("source")
			if d.Source != "" {
				if err := addr.CheckHost(d.Source, a.Family); err != nil {
					return nil, usagef(commandName(c), "bad --source: %v", err)
				}
			}
			var err error
			if d.Via, err = e.proxyHops(c, a, sock); err != nil {
				return nil, err
			}
		}
		if a.TLS {
			h, err := e.clientTLS(c, a, sock, c.String("to-cert"), c.String("to-key"), nil)
			if err != nil {
				return nil, err
			}
			d.Handshake = h
		}
		b.Upstreams = append(b.Upstreams, connect.Upstream{Addr: a, Dialer: d})
	}
	return b, nil
}

// announcer holds each client's connection event until its upstream is
// chosen, then reports it naming both.
type announcer struct {
	out  pipe.Observer
	mu   sync.Mutex
	held map[int64]pipe.Event
}

// observe is the listener side's Observer: connection events wait for
// announce, the others go out at once.
func (a *announcer) observe(ev pipe.Event) {
	if ev.Name != pipe.EventConnection {
		a.out.Emit(ev)
		return
	}
	a.mu.Lock()
	a.held[ev.ID] = ev
	a.mu.Unlock()
}

// announce reports client id's connection event with its upstream (nil
// when none could be reached).
func (a *announcer) announce(id int64, upstream net.Addr) {
	a.mu.Lock()
	ev, ok := a.held[id]
	delete(a.held, id)
	a.mu.Unlock()
	if ok {
		ev.Upstream = upstream
		a.out.Emit(ev)
	}
}
