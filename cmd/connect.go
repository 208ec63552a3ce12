package cmd

import (
	"context"
	"errors"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

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
stdout.`,
		Flags:  flagsOf(commonFlags(), dialFlags(), streamFlags(), execFlags(), sessionFlags(), tlsClientFlags()),
		Action: e.connect,
	}
}

// connect is the action of sockit connect.
func (e *env) connect(c *cli.Context) error {
	sock, err := e.setup(c)
	if err != nil {
		return err
	}
	netw, addr, err := target(c, false)
	if err != nil {
		return err
	}
	jo, err := joinOptions(c)
	if err != nil {
		return err
	}
	x, err := e.execFrom(c)
	if err != nil {
		return err
	}
	dialer, err := e.dialer(c, netw, addr, sock)
	if err != nil {
		return err
	}
	tap, closeLogs, err := e.sessionTaps(c)
	if err != nil {
		return err
	}
	defer closeLogs()
	dialer.Socket.Tap = tap
	jo = e.endRules(c, jo)
	in := e.input(c)
	conn, err := dial(c.Context, dialer, addr)
	if err != nil {
		return err
	}
	if x != nil {
		return clientCertCause(conn, x.Serve(c.Context, conn))
	}
	return clientCertCause(conn, pipe.Join(c.Context, conn, in, e.stdout, jo))
}

// dialer builds the Dialer for addr from the dial and TLS flags.
func (e *env) dialer(c *cli.Context, netw, addr string, sock pipe.Options) (connect.Dialer, error) {
	d, err := dialerFrom(c, netw, sock)
	if err != nil {
		return d, err
	}
	host := "localhost" // what a Unix socket's server certificate should name
	if netw != "unix" {
		host, _, _ = net.SplitHostPort(addr)
	}
	d.Handshake, err = e.clientHandshake(c, host, sock)
	return d, err
}

// dial dials addr with d. A refusal gets a hint about --retry only when
// there were no retries: after them, the error says how many attempts
// failed.
func dial(ctx context.Context, d connect.Dialer, addr string) (*pipe.Conn, error) {
	conn, err := d.Dial(ctx, addr)
	if errors.Is(err, syscall.ECONNREFUSED) && d.Retries == 0 {
		return nil, &hinted{err: err, hints: []string{"nothing is listening there; --retry N waits for a server that starts late"}}
	}
	return conn, err
}

// dialerFrom builds the Dialer from the dial flags.
func dialerFrom(c *cli.Context, netw string, sock pipe.Options) (connect.Dialer, error) {
	name := commandName(c)
	d := connect.Dialer{
		Network:    netw,
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
		if err := checkHost(d.Source, false); err != nil {
			return d, usagef(name, "bad --source: %v", err)
		}
		if err := checkFamily(name, net.JoinHostPort(d.Source, "0"), netw); err != nil {
			return d, err
		}
	}
	return d, nil
}

// checkFamily rejects an IP literal of the other family than -4 or -6 ask
// for.
func checkFamily(cmd, addr, netw string) error {
	host, _, _ := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		return nil
	case netw == "tcp4" && ip.To4() == nil:
		return usagef(cmd, "-4 given with the IPv6 address %s", host)
	case netw == "tcp6" && ip.To4() != nil:
		return usagef(cmd, "-6 given with the IPv4 address %s", host)
	}
	return nil
}
