package cmd

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/connect"
)

func resolveCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "resolve",
		Usage:     "print the addresses of each NAME, or what kind of address it is",
		ArgsUsage: "NAME...",
		Description: `Prints the addresses of each NAME, one per line, in the order connect would
try them (-4 or -6 keep one family). An IP literal is printed with its
kind, ipv4 or ipv6 (as Node's net.isIP tells them), without a lookup.
--reverse prints the names the PTR records of each address give (a NAME
is resolved first). A NAME that does not resolve is one line on stderr
and exit 1; the other NAMEs are still printed.`,
		Flags:  flagsOf(pickFlags(commonFlags(), "verbose", "log-format", "color", "4", "6"), resolveFlags()),
		Action: e.resolve,
	}
}

// resolveFlags are resolve's own flags.
func resolveFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "reverse", Aliases: []string{"r"}, Usage: "print the PTR names of each address instead", DisableDefaultText: true},
	}
}

// pickFlags keeps the flags of group named in names, for a command that
// takes only some of a shared group.
func pickFlags(group []cli.Flag, names ...string) []cli.Flag {
	var kept []cli.Flag
	for _, f := range group {
		for _, n := range names {
			if f.Names()[0] == n {
				kept = append(kept, f)
			}
		}
	}
	return kept
}

// resolve is the action of sockit resolve.
func (e *env) resolve(c *cli.Context) error {
	if _, err := e.setup(c); err != nil {
		return err
	}
	name := commandName(c)
	if c.NArg() == 0 {
		return usagef(name, "missing NAME")
	}
	fam, err := familyOf(c)
	if err != nil {
		return err
	}
	failed := 0
	for _, host := range c.Args().Slice() {
		lines, err := e.resolveOne(c, host, fam)
		for _, l := range lines {
			if _, werr := fmt.Fprintln(e.stdout, l); werr != nil {
				return werr
			}
		}
		if err != nil {
			e.diag.errorLine(err)
			failed++
		}
	}
	if failed > 0 {
		return toldError{fmt.Errorf("%d of %d names did not resolve", failed, c.NArg())}
	}
	return nil
}

// familyOf reads -4 and -6.
func familyOf(c *cli.Context) (addr.Family, error) {
	switch v4, v6 := c.Bool("4"), c.Bool("6"); {
	case v4 && v6:
		return addr.AnyFamily, usagef(commandName(c), "-4 and -6 can't be used together")
	case v4:
		return addr.IPv4, nil
	case v6:
		return addr.IPv6, nil
	}
	return addr.AnyFamily, nil
}

// resolveOne is what resolve prints for host: its addresses, an IP
// literal's kind, or with --reverse the PTR names of either.
func (e *env) resolveOne(c *cli.Context, host string, fam addr.Family) ([]string, error) {
	if ip, err := netip.ParseAddr(host); err == nil && !c.Bool("reverse") {
		switch {
		case fam == addr.IPv4 && !ip.Is4():
			return nil, fmt.Errorf("%s is an IPv6 address, and -4 asks for IPv4", host)
		case fam == addr.IPv6 && ip.Is4():
			return nil, fmt.Errorf("%s is an IPv4 address, and -6 asks for IPv6", host)
		case ip.Is4():
			return []string{host + " ipv4"}, nil
		}
		return []string{host + " ipv6"}, nil
	}
	ips, err := connect.Resolve(c.Context, fam, host, e.diag.observer())
	if err != nil {
		return nil, lookupError(host, err)
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("lookup %s: no address", host)
	}
	var lines []string
	for _, ip := range ips {
		if !c.Bool("reverse") {
			lines = append(lines, ip.String())
			continue
		}
		a, _ := netip.ParseAddr(ip.String())
		names, err := connect.Reverse(c.Context, a)
		if err != nil {
			return lines, lookupError(ip.String(), err)
		}
		lines = append(lines, names...)
	}
	return lines, nil
}

// lookupError words a failed lookup of host as one line: the resolver's
// own words, without Go's "on 127.0.0.53:53" server detail.
func lookupError(host string, err error) error {
	var de *net.DNSError
	if errors.As(err, &de) {
		switch {
		case de.IsNotFound:
			return fmt.Errorf("lookup %s: no such host", host)
		case de.IsTimeout:
			return fmt.Errorf("lookup %s: timed out (is there a DNS server?)", host)
		}
		return fmt.Errorf("lookup %s: %s", host, de.Err)
	}
	if ae := new(net.AddrError); errors.As(err, &ae) {
		return fmt.Errorf("lookup %s: %s", host, ae.Err)
	}
	return fmt.Errorf("lookup %s: %w", host, err)
}
