package cmd

// What send and recv share: their flags, the connection (dialled or
// accepted, with TLS), and --rate.

import (
	"context"
	"net"

	"github.com/urfave/cli/v2"

	"sockit/listen"
	"sockit/pipe"
)

// transferFlags are on send and recv.
func transferFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "raw", Usage: "plain bytes with no protocol, for nc and the like: no names, verification or resume", DisableDefaultText: true},
	}
}

// tlsTransferFlags are the TLS flags of a command that may dial or
// listen.
func tlsTransferFlags() []cli.Flag {
	return append(tlsClientFlags(), tlsServerFlags()[len(tlsCommonFlags()):]...)
}

// transferConn opens the one connection of a transfer: it dials ADDR,
// or with listening, listens on it (writing --addr-file) and accepts one
// client.
func (e *env) transferConn(c *cli.Context, args []string, listening bool, sock pipe.Options) (*pipe.Conn, error) {
	name := c.Command.FullName()
	netw, addr, err := targetOf(c, args, listening)
	if err != nil {
		return nil, err
	}
	if listening {
		for _, f := range []string{"ca", "server-name", "pin", "insecure"} {
			if c.IsSet(f) {
				return nil, usagef(name, "--%s applies when dialling, not when listening", f)
			}
		}
		lim, err := unixLimits(c, netw, listen.Limits{})
		if err != nil {
			return nil, err
		}
		if lim.Handshake, err = e.serverHandshake(c, listenHost(netw, addr), sock); err != nil {
			return nil, err
		}
		ln, err := openListenerAt(c, netw, addr, sock)
		if err != nil {
			return nil, err
		}
		defer ln.Close() // one connection
		return listen.Accept(c.Context, ln, sock, lim)
	}
	for _, f := range []string{"sni", "client-ca", "addr-file", "mode", "allow-uid"} {
		if c.IsSet(f) {
			return nil, usagef(name, "--%s applies when listening, not when dialling", f)
		}
	}
	d, err := dialerFrom(c, netw, sock)
	if err != nil {
		return nil, err
	}
	host := "localhost"
	if netw != "unix" {
		host, _, _ = net.SplitHostPort(addr)
	}
	if d.Handshake, err = e.clientHandshake(c, host, sock); err != nil {
		return nil, err
	}
	return d.Dial(c.Context, addr)
}

// serveTransfers listens on ADDR and runs h on every connection until
// signalled (recv -k); a failed session is one error line.
func (e *env) serveTransfers(c *cli.Context, args []string, sock pipe.Options, h func(context.Context, *pipe.Conn) error) error {
	netw, addr, err := targetOf(c, args, true)
	if err != nil {
		return err
	}
	lim, err := unixLimits(c, netw, listen.Limits{})
	if err != nil {
		return err
	}
	if lim.Handshake, err = e.serverHandshake(c, listenHost(netw, addr), sock); err != nil {
		return err
	}
	ln, err := openListenerAt(c, netw, addr, sock)
	if err != nil {
		return err
	}
	return listen.Serve(c.Context, ln, sock, lim, func(ctx context.Context, conn *pipe.Conn) error {
		if err := h(ctx, conn); err != nil && ctx.Err() == nil {
			e.diag.errorLine(err)
		}
		return nil
	})
}

// rateFlag reads --rate: bytes per second, zero for no limit.
func rateFlag(c *cli.Context) (int64, error) {
	s := c.String("rate")
	if s == "" {
		return 0, nil
	}
	n, err := parseBytes(s)
	if err != nil || n == 0 {
		return 0, usagef(c.Command.FullName(), "bad --rate %q: want bytes per second, such as 500K or 10M", s)
	}
	return n, nil
}
