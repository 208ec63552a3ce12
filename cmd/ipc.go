package cmd

// Unix-domain sockets: the ipc command (ipc listen|connect|echo PATH) and
// unix:PATH addresses on the TCP commands, through the same actions.

import (
	"io/fs"
	"net"
	"strconv"

	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/ipc"
	"sockit/listen"
	"sockit/pipe"
)

func ipcCommand(e *env) *cli.Command {
	unix := func(c *cli.Command) *cli.Command {
		c.ArgsUsage = "PATH | @NAME"
		c.Description += "\n\nPATH is a Unix socket file; @NAME is a Linux abstract socket (no file)."
		return c
	}
	lc, cc, ec := unix(listenCommand(e)), unix(connectCommand(e)), unix(echoCommand(e))
	lc.Usage = "accept one connection (or many with -k) on the Unix socket PATH"
	cc.Usage = "connect to the Unix socket PATH; stdin goes to the peer, the peer's bytes go to stdout"
	ec.Usage = "run a concurrent echo server on the Unix socket PATH until signalled"
	return &cli.Command{
		Name:  "ipc",
		Usage: "listen, connect and echo over Unix-domain sockets",
		Description: `The same commands as listen, connect and echo, with every flag, over a
Unix-domain socket (unix:PATH works on those commands too). A stale socket
file nobody answers on is replaced; a live one, or any file that is not a
socket, is left alone (exit 1). The socket file gets mode 0600 unless
--mode says otherwise, and is removed when sockit ends, if it is still
the one sockit created. An abstract socket (@NAME) has no file mode: it
serves only your own user and root, and the users --allow-uid adds. With -v, each connection shows the peer's pid,
uid and gid; --exec children get SOCKIT_PEER_PID, SOCKIT_PEER_UID and
SOCKIT_PEER_GID.`,
		HideHelpCommand: true,
		Subcommands:     []*cli.Command{lc, cc, ec},
		Action:          ipcAction,
	}
}

// ipcAction runs when ipc is given no known subcommand: a usage error,
// not help on stdout.
func ipcAction(c *cli.Context) error {
	return noSuchCommand("ipc", "ipc subcommand", ": want listen, connect or echo", c.Command.Subcommands, c.Args())
}

// unixFlags are on the commands that listen: they apply to Unix sockets.
func unixFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "mode", Usage: "permissions of the Unix socket file, in `OCTAL` (not for an abstract @NAME, which has no file)", DefaultText: "0600, owner only"},
		&cli.IntSliceFlag{Name: "allow-uid", Usage: "on a Unix socket, serve only peers running as user `UID` (repeatable); on an abstract @NAME, serve these besides your own user and root"},
	}
}

// underIPC reports whether c runs a subcommand of ipc.
func underIPC(c *cli.Context) bool {
	for _, l := range c.Lineage() {
		if l.Command != nil && l.Command.Name == "ipc" {
			return true
		}
	}
	return false
}

// unixListenOptions reads --mode, which only a Unix socket file takes.
func unixListenOptions(c *cli.Context) (ipc.ListenOptions, error) {
	name := commandName(c)
	var o ipc.ListenOptions
	if s := c.String("mode"); s != "" { // on a socket file only: see checkApplies
		m, err := strconv.ParseUint(s, 8, 32)
		if err != nil || m > 0o777 || m == 0 {
			return o, usagef(name, "bad --mode %q: want octal permissions such as 0600 or 660", s)
		}
		o.Mode = fs.FileMode(m)
	}
	return o, nil
}

// unixLimits adds --allow-uid and the peer credentials in -v events to
// lim for a Unix socket. An abstract name, which has no file mode to keep
// other users out, serves only sockit's own user and root, and the users
// --allow-uid adds.
func unixLimits(c *cli.Context, a addr.Addr, lim listen.Limits) (listen.Limits, error) {
	uids := c.IntSlice("allow-uid")
	if a.Kind != addr.Unix { // --allow-uid is refused there: see checkApplies
		return lim, nil
	}
	for _, u := range uids {
		if u < 0 {
			return lim, usagef(commandName(c), "bad --allow-uid %d", u)
		}
	}
	if a.Abstract() {
		uids = ipc.AbstractUIDs(uids)
	}
	lim.Admit = ipc.AllowUIDs(uids)
	lim.PeerInfo = func(conn net.Conn) string {
		if cred, ok := ipc.PeerCred(conn); ok {
			return cred.String()
		}
		return ""
	}
	return lim, nil
}

// peerEnv gives an --exec child the Unix peer's credentials.
func peerEnv(c *pipe.Conn) []string {
	if cred, ok := ipc.PeerCred(c); ok {
		return cred.Env()
	}
	return nil
}
