package cmd

import (
	"context"
	"errors"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/connect"
	"sockit/pipe"
)

func connectCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "connect",
		Usage:     "dial ADDR; stdin goes to the peer, the peer's bytes go to stdout",
		ArgsUsage: "HOST:PORT | [IPv6]:PORT | HOST PORT",
		Description: `Dials ADDR and copies stdin to the connection and the connection to stdout.
When stdin ends, sockit half-closes the connection and keeps reading until
the peer ends, then exits 0; if the peer ends first, sockit closes stdout
and goes on sending stdin until it ends (when stdin is a terminal, it
exits 0 at once).
--exec and --sh-exec connect a program to the peer instead of stdin and
stdout.
--reconnect dials again whenever the connection ends or fails, carrying
on with the same stdin (tail -f log | sockit connect --reconnect host 514);
bytes written to a connection that died are not sent again.
--telnet (-t) talks to a Telnet server as nc -t does: every option it
offers or asks for is refused, its commands never reach stdout, and 0xFF
bytes sent are doubled.
-u (or udp:) dials UDP: each read of stdin is one datagram (each line,
from a terminal), each datagram received is written to stdout as it came,
and after stdin ends sockit keeps receiving until none has come for
--idle-timeout (2s), then exits 0; an ICMP port unreachable is connection
refused, exit 1.`,
		Flags:  flagsOf(commonFlags(), udpFlags(), dialFlags(), reconnectFlags(), streamFlags(), execFlags(), sessionFlags(), tlsClientFlags(), proxyFlags(), telnetFlags()),
		Action: e.connect,
	}
}

// connect is the action of sockit connect.
func (e *env) connect(c *cli.Context) error {
	sock, a, err := e.begin(c, false)
	if err != nil {
		return err
	}
	if a.Kind == addr.UDP {
		return e.connectUDP(c, a, sock)
	}
	jo, x, err := e.session(c)
	if err != nil {
		return err
	}
	dialer, err := e.dialer(c, a, sock)
	if err != nil {
		return err
	}
	if c.Bool("telnet") {
		dialer.Handshake = telnetHandshake(dialer.Handshake)
	}
	tap, closeLogs, err := e.sessionTaps(c)
	if err != nil {
		return err
	}
	defer closeLogs()
	dialer.Socket.Tap = tap
	in := e.input(c)
	if c.IsSet("reconnect") {
		return e.reconnect(c, dialer, a, in, jo)
	}
	conn, err := dial(c.Context, dialer, a)
	if err != nil {
		return err
	}
	if x != nil {
		return clientCertCause(conn, x.Serve(c.Context, conn))
	}
	return clientCertCause(conn, pipe.Join(c.Context, conn, in, e.stdout, jo))
}

// telnetFlags are connect's Telnet flag.
func telnetFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "telnet", Aliases: []string{"t"}, Usage: "speak Telnet (nc -t): refuse every option the server offers or asks for, keep Telnet commands out of stdout, send 0xFF bytes doubled", DisableDefaultText: true},
	}
}

// telnetHandshake runs then (the TLS handshake, or nil) and wraps the
// connection in the Telnet filter, on every connection dialled.
func telnetHandshake(then func(context.Context, net.Conn) (net.Conn, error)) func(context.Context, net.Conn) (net.Conn, error) {
	return func(ctx context.Context, c net.Conn) (net.Conn, error) {
		if then != nil {
			var err error
			if c, err = then(ctx, c); err != nil {
				return nil, err
			}
		}
		return pipe.Telnet(c), nil
	}
}

// dialer builds the Dialer for a from the dial and TLS flags.
func (e *env) dialer(c *cli.Context, a addr.Addr, sock pipe.Options) (connect.Dialer, error) {
	d, err := dialerFrom(c, a, sock)
	if err != nil {
		return d, err
	}
	if d.Via, err = e.proxyHops(c, a, sock); err != nil {
		return d, err
	}
	d.Handshake, err = e.clientHandshake(c, a, sock)
	return d, err
}

// dial dials a with d. A refusal gets a hint about --retry only when
// there were no retries: after them, the error says how many attempts
// failed.
func dial(ctx context.Context, d connect.Dialer, a addr.Addr) (*pipe.Conn, error) {
	conn, err := d.Dial(ctx, a)
	if errors.Is(err, syscall.ECONNREFUSED) && d.Retries == 0 {
		return nil, &hinted{err: err, hints: []string{"nothing is listening there; --retry N waits for a server that starts late"}}
	}
	return conn, err
}

// dialerFrom builds the Dialer to a from the dial flags.
func dialerFrom(c *cli.Context, a addr.Addr, sock pipe.Options) (connect.Dialer, error) {
	name := commandName(c)
	d := connect.Dialer{
		Timeout:    c.Duration("connect-timeout"),
		Source:     c.String("source"),
		Retries:    c.Int("retry"),
		RetryDelay: c.Duration("retry-delay"),
		Socket:     sock,
	}
	if d.Retries < 0 {
		return d, usagef(name, "bad --retry %d: must not be negative", d.Retries)
	}
	if d.RetryDelay == 0 {
		d.RetryDelay = time.Nanosecond // retry at once; zero would mean the default
	}
	if p := c.String("source-port"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return d, usagef(name, "bad --source-port %q: want 1-65535", p)
		}
		d.SourcePort = n
	}
	if d.Source != "" {
		if err := addr.CheckHost(d.Source, a.Family); err != nil {
			return d, usagef(name, "bad --source: %v", err)
		}
	}
	return d, nil
}
