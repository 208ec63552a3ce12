package cmd

import (
	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/pipe"
	"sockit/udp"
)

// echoUDP is sockit echo on a UDP address (udp:, -u): every datagram goes
// back to its sender, in batches, until signalled.
func (e *env) echoUDP(c *cli.Context, a addr.Addr, sock pipe.Options) error {
	conn, err := udp.Listen(c.Context, a, sock)
	if err != nil {
		return err
	}
	raw := conn.UDPConn()
	if err := listening(c, raw.LocalAddr(), sock); err != nil {
		raw.Close()
		return err
	}
	return udp.Echo(c.Context, raw, udp.EchoOptions{OnEvent: sock.OnEvent}, nil)
}
