package cmd

// connect -u and the one-shot listen -u: one peer, stdin to it in
// datagrams, its datagrams to stdout. listen -u -k, echo -u and relay's
// UDP have files of their own.

import (
	"errors"
	"net"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/connect"
	"sockit/pipe"
	"sockit/serve"
	"sockit/udp"
)

// connectUDP is connect for a UDP address.
func (e *env) connectUDP(c *cli.Context, a addr.Addr, sock pipe.Options) error {
	jo, x, err := e.udpSession(c)
	if err != nil {
		return err
	}
	d, err := dialerFrom(c, a, sock) // checks --source and --source-port
	if err != nil {
		return err
	}
	tap, closeLogs, err := e.sessionTapsWith(c, udp.HexDump)
	if err != nil {
		return err
	}
	defer closeLogs()
	sock.Tap = tap
	ips, err := connect.Resolve(c.Context, a.Family, a.Host, sock.OnEvent)
	if err != nil {
		return err
	}
	var local *net.UDPAddr
	if d.Source != "" || d.SourcePort != 0 {
		local = &net.UDPAddr{Port: d.SourcePort}
		if d.Source != "" {
			src, err := connect.Resolve(c.Context, a.Family, d.Source, sock.OnEvent)
			if err != nil {
				return err
			}
			local.IP, local.Zone = src[0].IP, src[0].Zone
		}
	}
	remote := &net.UDPAddr{IP: ips[0].IP, Zone: ips[0].Zone, Port: a.Port}
	conn, err := udp.Dial(c.Context, a.Network(), local, remote, a.Host, sock)
	if err != nil {
		return err
	}
	if x != nil {
		return udpRefused(execUDP(c, x, conn, jo))
	}
	return udpRefused(udp.Join(c.Context, conn, e.input(c), e.stdout, jo))
}

// execUDP runs the -e/-c program for the session on conn: the peer's
// datagrams are its stdin (which ends once the peer has been quiet for
// --idle-timeout, when given), and each read of its stdout goes out as
// one datagram (or several of --datagram-size). The session ends when
// the program does.
func execUDP(c *cli.Context, x *serve.Exec, conn *udp.Conn, jo udp.JoinOptions) error {
	pc, err := pipe.Wrap(udp.Stream(conn, jo.DatagramSize, jo.IdleTimeout), pipe.Options{}) // conn reports the events
	if err != nil {
		conn.Close()
		return err
	}
	return x.Serve(c.Context, pc)
}

// listenUDP is listen for a UDP address: the first peer's datagram
// starts the one session; other peers' datagrams are dropped.
func (e *env) listenUDP(c *cli.Context, a addr.Addr, sock pipe.Options) error {
	jo, x, err := e.udpSession(c)
	if err != nil {
		return err
	}
	lim, err := limitsFrom(c)
	if err != nil {
		return err
	}
	if lim.MaxConns > 0 {
		return usagef(commandName(c), "--max-conns needs -k (without it, listen serves one peer)")
	}
	tap, closeLogs, err := e.sessionTapsWith(c, udp.HexDump)
	if err != nil {
		return err
	}
	defer closeLogs()
	sock.Tap = tap
	conn, err := udp.Listen(c.Context, a, sock)
	if err != nil {
		return err
	}
	if err := listening(c, conn.LocalAddr(), sock); err != nil {
		conn.Close()
		return err
	}
	var admit func(net.Addr) (bool, string)
	if len(lim.Access.Allow) > 0 || len(lim.Access.Deny) > 0 {
		admit = lim.Access.Permits
	}
	if err := conn.AwaitPeer(c.Context, admit); err != nil {
		conn.Close()
		return err
	}
	if x != nil {
		return execUDP(c, x, conn, jo)
	}
	return udp.Join(c.Context, conn, e.input(c), e.stdout, jo)
}

// udpSession reads what a UDP session does: udpJoinOptions, or the
// -e/-c program that takes stdin's and stdout's place.
func (e *env) udpSession(c *cli.Context) (udp.JoinOptions, *serve.Exec, error) {
	jo, err := e.udpJoinOptions(c)
	if err != nil {
		return jo, nil, err
	}
	x, err := e.execFrom(c)
	return jo, x, err
}

// udpJoinOptions reads what a UDP session does with stdin and stdout:
// --datagram-size, --send-only, --recv-only, and --idle-timeout, which
// for UDP is also how long to keep receiving after stdin ends (2s when
// not given; 0: for ever).
func (e *env) udpJoinOptions(c *cli.Context) (udp.JoinOptions, error) {
	name := commandName(c)
	so, err := joinOptions(c)
	if err != nil {
		return udp.JoinOptions{}, err
	}
	o := udp.JoinOptions{SendOnly: so.SendOnly, RecvOnly: so.RecvOnly, DatagramSize: c.Int("datagram-size")}
	if n := o.DatagramSize; n < 1 || n > udp.MaxDatagram {
		return o, usagef(name, "bad --datagram-size %d: want 1-%d (the most one UDP datagram carries)", n, udp.MaxDatagram)
	}
	if c.IsSet("idle-timeout") {
		o.IdleTimeout = c.Duration("idle-timeout")
		o.Linger = o.IdleTimeout
		if o.Linger == 0 {
			o.Linger = -1 // 0: wait for ever
		}
	}
	f, ok := e.stdin.(*os.File)
	o.Lines = ok && isatty.IsTerminal(f.Fd())
	return o, nil
}

// udpRefused adds the hint to a refusal: the peer's host answered ICMP
// port unreachable.
func udpRefused(err error) error {
	var re *udp.RefusedError
	if errors.As(err, &re) {
		return &hinted{err: err, hints: []string{"nothing listens on that UDP port (its host answered ICMP port unreachable)"}}
	}
	return err
}
