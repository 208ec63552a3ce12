package cmd

import (
	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/pipe"
	"sockit/udp"
)

// echoUDP is sockit echo on a UDP address (udp:, -u): every datagram goes
// back to its sender (one that --allow and --deny let in), in batches,
// until signalled.
func (e *env) echoUDP(c *cli.Context, a addr.Addr, sock pipe.Options) error {
	lim, err := limitsFrom(c) // --allow and --deny; the rest is refused for echo -u
	if err != nil {
		return err
	}
	o := udp.EchoOptions{OnEvent: sock.OnEvent}
	if acc := lim.Access; len(acc.Allow) > 0 || len(acc.Deny) > 0 {
		o.Admit = acc.PermitsIP
	}
	conn, err := udp.Listen(c.Context, a, sock)
	if err != nil {
		return err
	}
	raw := conn.UDPConn()
	if err := listening(c, raw.LocalAddr(), sock); err != nil {
		raw.Close()
		return err
	}
	return udp.Echo(c.Context, raw, o, nil)
}
