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
	if listening {
		ln, lim, err := e.transferListener(c, args, sock)
		if err != nil {
			return nil, err
		}
		defer ln.Close() // one connection
		return listen.Accept(c.Context, ln, sock, lim)
	}
	netw, addr, err := targetOf(c, args, false)
	if err != nil {
		return nil, err
	}
	for _, f := range []string{"sni", "client-ca", "addr-file", "mode", "allow-uid"} {
		if c.IsSet(f) {
			return nil, usagef(c.Command.FullName(), "--%s applies when listening, not when dialling", f)
		}
	}
	d, err := e.dialer(c, netw, addr, sock)
	if err != nil {
		return nil, err
	}
	return d.Dial(c.Context, addr)
}

// transferListener listens on ADDR for send --listen and recv, and
// returns the limits its connections are accepted under.
func (e *env) transferListener(c *cli.Context, args []string, sock pipe.Options) (net.Listener, listen.Limits, error) {
	netw, addr, err := targetOf(c, args, true)
	if err != nil {
		return nil, listen.Limits{}, err
	}
	for _, f := range []string{"ca", "server-name", "pin", "insecure"} {
		if c.IsSet(f) {
			return nil, listen.Limits{}, usagef(c.Command.FullName(), "--%s applies when dialling, not when listening", f)
		}
	}
	lim, err := e.serverLimits(c, netw, addr, listen.Limits{}, sock)
	if err != nil {
		return nil, lim, err
	}
	ln, err := openListener(c, netw, addr, sock)
	return ln, lim, err
}

// serveTransfers listens on ADDR and runs h on every connection until
// signalled (recv -k); a failed session is one error line.
func (e *env) serveTransfers(c *cli.Context, args []string, sock pipe.Options, h func(context.Context, *pipe.Conn) error) error {
	ln, lim, err := e.transferListener(c, args, sock)
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
