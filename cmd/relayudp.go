package cmd

// relay udp:FROM udp:TO: a session per client, each with a socket of its
// own to an upstream.

import (
	"context"
	"fmt"
	"net"

	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/pipe"
)

// checkRelayKinds fails when relay's sides mix UDP with TCP or Unix
// sockets: datagrams and streams do not map onto each other.
func checkRelayKinds(c *cli.Context, from addr.Addr, tos []addr.Addr) error {
	for _, to := range tos {
		if (from.Kind == addr.UDP) != (to.Kind == addr.UDP) {
			e := usagef(commandName(c), "can't relay %s to %s: both sides must be UDP, or neither", kindText(from), kindText(to))
			e.hints = []string{"relay -u FROM TO... makes every address UDP"}
			if c.Bool("udp") {
				e.hints = []string{"tcp: and unix: choose their kind even with -u; drop the prefix for UDP"}
			}
			return e
		}
	}
	return nil
}

// kindText is a as its String, with tcp: in front of a plain TCP
// address, so that an error setting it against a UDP one names both
// kinds (a bare address reads as UDP under -u).
func kindText(a addr.Addr) string {
	if a.Kind == addr.TCP && !a.TLS && a.Family == addr.AnyFamily { // tcp4: and tcp6: say it already
		return "tcp:" + a.String()
	}
	return a.String()
}

// relayUDP is relay with UDP sides: every client of from is a session
// with a connected socket of its own to one of tos (chosen by
// --balance), and the replies on it go back to that client.
func (e *env) relayUDP(c *cli.Context, sock pipe.Options, from addr.Addr, tos []addr.Addr) error {
	roundRobin, err := balanceFrom(c)
	if err != nil {
		return err
	}
	if len(tos) > 1 && !roundRobin {
		ue := usagef(commandName(c), "several TOs of a UDP relay need --balance round-robin: failover moves on when a TO refuses, and UDP has no handshake to refuse")
		ue.hints = []string{"--balance round-robin gives each new client the next TO; a TO that is down is seen only in its clients' error events"}
		return ue
	}
	srv, closeLogs, err := e.udpServer(c, sock)
	if err != nil {
		return err
	}
	defer closeLogs()
	dsock := sock // the session's events and taps speak for the upstream side
	dsock.OnEvent, dsock.Tap, dsock.IdleTimeout = nil, nil, 0
	b, err := e.balancer(c, tos, dsock, roundRobin)
	if err != nil {
		return err
	}
	if srv.Conn, err = e.bindUDP(c, from, sock); err != nil {
		return err
	}
	return srv.Relay(c.Context, func(ctx context.Context) (*net.UDPConn, error) {
		up, to, err := b.Dial(ctx)
		if err != nil {
			return nil, err
		}
		uc, ok := up.NetConn().(*net.UDPConn)
		if !ok {
			up.Close()
			return nil, fmt.Errorf("%s: not a UDP socket", to)
		}
		return uc, nil
	})
}
