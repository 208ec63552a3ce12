package cmd

import (
	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/listen"
	"sockit/serve"
)

func echoCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "echo",
		Usage:     "run a concurrent echo server on ADDR until signalled",
		ArgsUsage: "[HOST:]PORT | [IPv6]:PORT | HOST PORT",
		Description: `Listens on ADDR and sends every byte each client sends straight back,
serving any number of clients at once, until SIGINT or SIGTERM (exit 130
or 143). When a client half-closes, its echo ends with a half-close too.
--max-conns, --allow and --deny limit who is served; --accept-proxy
takes each client's address from the PROXY protocol header it must
begin with.

On a UDP address (udp:, -u) every datagram goes back to its sender as it
came, an empty one as an empty one, for any number of senders at once;
datagrams are read and sent in batches (recvmmsg and sendmmsg on Linux).
--allow and --deny choose which senders get an answer (-v reports each
refused sender once); there are no connections to count or time out, so
--max-conns and --idle-timeout do not apply.`,
		Flags:  flagsOf(commonFlags(), udpFlags(), listenFlags(), limitFlags(), unixFlags(), tlsServerFlags()),
		Action: e.echo,
	}
}

// echo is the action of sockit echo.
func (e *env) echo(c *cli.Context) error {
	sock, a, err := e.begin(c, true)
	if err != nil {
		return err
	}
	if a.Kind == addr.UDP {
		return e.echoUDP(c, a, sock)
	}
	lim, err := limitsFrom(c)
	if err != nil {
		return err
	}
	l, err := e.newListener(c, a, lim, sock)
	if err != nil {
		return err
	}
	ln, err := e.openListener(c, l, sock)
	if err != nil {
		return err
	}
	return listen.Serve(c.Context, ln, sock, l.lim, serve.Echo)
}
