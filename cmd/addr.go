package cmd

import (
	"errors"

	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/pipe"
)

// begin reads what every command with one ADDR reads first: the common
// flags (socket options, diagnostics) and the address.
func (e *env) begin(c *cli.Context, listening bool) (pipe.Options, addr.Addr, error) {
	sock, err := e.setup(c)
	if err != nil {
		return sock, addr.Addr{}, err
	}
	a, err := address(c, listening)
	return sock, a, err
}

// address reads the command's ADDR from its arguments.
func address(c *cli.Context, listening bool) (addr.Addr, error) {
	return addressOf(c, c.Args().Slice(), listening)
}

// addressOf reads ADDR from args: a Unix socket path for the ipc commands,
// else any address addr.Parse takes, in the family of -4 or -6; --tls
// asks for TLS as tls: does. The flags that cannot apply to it are usage
// errors.
func addressOf(c *cli.Context, args []string, listening bool) (addr.Addr, error) {
	a, err := parseAddress(c, args, listening)
	if err != nil {
		return a, err
	}
	a.TLS = a.TLS || c.Bool("tls")
	return a, checkApplies(c, siteOf(a, listening))
}

// siteOf is where a command's connection to a is.
func siteOf(a addr.Addr, listening bool) site {
	return site{unix: a.Kind == addr.Unix, abstract: a.Abstract(), udp: a.Kind == addr.UDP, listening: listening}
}

// parseAddress reads one address from args, in the family of -4 or -6,
// with its errors worded as usage errors; it checks no flag against it.
func parseAddress(c *cli.Context, args []string, listening bool) (addr.Addr, error) {
	name := commandName(c)
	o := addr.Options{Listening: listening, Unix: underIPC(c), UDP: c.Bool("udp")}
	switch v4, v6 := c.Bool("4"), c.Bool("6"); {
	case v4 && v6:
		return addr.Addr{}, usagef(name, "-4 and -6 can't be used together")
	case v4:
		o.Family = addr.IPv4
	case v6:
		o.Family = addr.IPv6
	}
	a, err := addr.Parse(args, o)
	var ae *addr.Error
	switch {
	case errors.As(err, &ae):
		e := usagef(name, "%s", ae.Msg)
		if ae.Hint != "" {
			e.hints = []string{ae.Hint}
		}
		return a, e
	case err == nil && a.Kind == addr.UDP && !servesUDP[name]:
		return a, usagef(name, "bad address %q: sockit %s does not take UDP addresses", a.String(), name)
	case err == nil && a.Kind == addr.Unix && o.UDP:
		return a, usagef(name, "-u/--udp can't be used with the Unix socket %s", a.String())
	}
	return a, err
}

// servesUDP are the commands that take a UDP address (udp:, -u), by
// names as commandName gives them.
var servesUDP = map[string]bool{"connect": true, "listen": true, "relay": true, "echo": true}
