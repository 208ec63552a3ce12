package cmd

// What send and recv share: their flags, the connection (dialled or
// accepted, with TLS), and --rate.

import (
	"context"
	"errors"

	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/connect"
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

// transferEnd is the one connection of a transfer, read from the flags
// and checked: a dialer, or a listener not yet bound.
type transferEnd struct {
	dialer connect.Dialer
	addr   addr.Addr // what dialer dials
	ln     *listener // nil when dialling
}

// newTransferEnd reads ADDR from args and the flags of the role: with
// listening, a listener (send --listen, recv), else a dialer.
func (e *env) newTransferEnd(c *cli.Context, args []string, listening bool, sock pipe.Options) (*transferEnd, error) {
	a, err := addressOf(c, args, listening)
	if err != nil {
		return nil, err
	}
	if listening {
		l, err := e.newListener(c, a, listen.Limits{}, sock)
		return &transferEnd{ln: l}, err
	}
	d, err := e.dialer(c, a, sock)
	return &transferEnd{dialer: d, addr: a}, err
}

// openTransfer opens the one connection of a transfer: it dials, or
// listens (writing --addr-file) and accepts one client.
func (e *env) openTransfer(c *cli.Context, t *transferEnd, sock pipe.Options) (*pipe.Conn, error) {
	if t.ln == nil {
		return dial(c.Context, t.dialer, t.addr)
	}
	ln, err := e.openListener(c, t.ln, sock)
	if err != nil {
		return nil, err
	}
	defer ln.Close() // one connection
	return listen.Accept(c.Context, ln, sock, t.ln.lim)
}

// serveTransfers listens as t says and runs h on every connection until
// signalled (recv -k); a failed session is one error line.
func (e *env) serveTransfers(c *cli.Context, t *transferEnd, sock pipe.Options, h func(context.Context, *pipe.Conn) error) error {
	ln, err := e.openListener(c, t.ln, sock)
	if err != nil {
		return err
	}
	return listen.Serve(c.Context, ln, sock, t.ln.lim, func(ctx context.Context, conn *pipe.Conn) error {
		if err := h(ctx, conn); err != nil && ctx.Err() == nil && !errors.As(err, new(toldError)) {
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
		return 0, usagef(commandName(c), "bad --rate %q: want bytes per second, such as 500K or 10M", s)
	}
	return n, nil
}
