package cmd

// listen -u -k: every peer of the socket is a session of its own.

import (
	"context"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/listen"
	"sockit/pipe"
	"sockit/serve"
	"sockit/udp"
)

// udpSessionFlags are on listen and relay: the session table of a UDP
// server.
func udpSessionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.DurationFlag{Name: "session-timeout", Value: udp.DefaultSessionTimeout, Usage: "UDP with -k, and relay: end a peer's session after `DURATION` without a datagram from it (0: never)"},
	}
}

// listenUDPSessions is listen -u -k on a: stdin to every live session,
// every session's datagrams to stdout, or the -e/-c program x per
// session.
func (e *env) listenUDPSessions(c *cli.Context, a addr.Addr, sock pipe.Options, x *serve.Exec) error {
	jo, err := e.udpJoinOptions(c)
	if err != nil {
		return err
	}
	srv, closeLogs, err := e.udpServer(c, sock)
	if err != nil {
		return err
	}
	srv.DatagramSize = jo.DatagramSize
	defer closeLogs()
	if srv.Conn, err = e.bindUDP(c, a, sock); err != nil {
		return err
	}
	srv.Lines = jo.Lines
	if x != nil {
		return srv.Exec(c.Context, func(ctx context.Context, nc net.Conn) error {
			pc, err := pipe.Wrap(nc, pipe.Options{}) // the session reports its own events
			if err != nil {
				return err
			}
			return x.Serve(ctx, pc)
		})
	}
	var in io.Reader
	if !jo.RecvOnly {
		in = e.input(c)
	}
	var out io.Writer = e.stdout
	if jo.SendOnly {
		out = io.Discard
	}
	return srv.Fanout(c.Context, in, out)
}

// udpServer reads the flags of a UDP session server (listen -u -k,
// relay udp:): its limits, session timeout and logs. The function
// returned closes the log files.
func (e *env) udpServer(c *cli.Context, sock pipe.Options) (*udp.Server, func(), error) {
	lim, err := limitsFrom(c)
	if err != nil {
		return nil, nil, err
	}
	tap, closeLogs, err := e.sessionTapsWith(c, udp.HexDump)
	if err != nil {
		return nil, nil, err
	}
	srv := &udp.Server{
		Tap: tap,
		Sessions: udp.SessionOptions{
			Timeout:     sessionTimeout(c),
			MaxSessions: lim.MaxConns,
			Admit:       admitPeer(lim.Access),
			OnEvent:     sock.OnEvent,
		},
	}
	return srv, closeLogs, nil
}

// sessionTimeout is --session-timeout as the table takes it: 0 means
// never.
func sessionTimeout(c *cli.Context) time.Duration {
	if d := c.Duration("session-timeout"); d > 0 {
		return d
	}
	return -1
}

// checkSessions fails when --session-timeout is given for a UDP
// listener without -k (it serves one peer); applies.go refuses it for
// the other address kinds.
func checkSessions(c *cli.Context, a addr.Addr, keep bool) error {
	if c.IsSet("session-timeout") && a.Kind == addr.UDP && !keep {
		return usagef(commandName(c), "--session-timeout needs -k (without it, listen serves one peer)")
	}
	return nil
}

// bindUDP opens the unconnected socket of a UDP server on a, writes
// --addr-file and reports the listening event.
func (e *env) bindUDP(c *cli.Context, a addr.Addr, sock pipe.Options) (*net.UDPConn, error) {
	conn, err := udp.Bind(c.Context, a, sock)
	if err != nil {
		return nil, err
	}
	if err := listening(c, conn.LocalAddr(), sock); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// admitPeer is the session table's check of --allow and --deny; nil
// without either.
func admitPeer(a listen.Access) func(netip.AddrPort) (bool, string) {
	if len(a.Allow) == 0 && len(a.Deny) == 0 {
		return nil
	}
	return func(p netip.AddrPort) (bool, string) { return a.PermitsIP(p.Addr()) }
}
