package main

// Tunnels through proxies (case 10): a handshake with the wire formats
// of sockit's proxy package, then plain bytes.

import (
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"sockit/proxy"
)

// dialVia connects to target through the proxy at via speaking proto:
// socks5 (CONNECT, no authentication), connect (HTTP CONNECT), or direct
// (via itself is the way to target: a relay, no handshake).
func dialVia(proto, via, target string) (net.Conn, error) {
	c, err := net.Dial("tcp", via)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	err = handshake(c, proto, target)
	c.SetDeadline(time.Time{})
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("%s via %s: %w", proto, via, err)
	}
	return c, nil
}

// handshake asks the proxy on c for a tunnel to target. Replies are read
// unbuffered: the tunnel's first bytes stay on the socket.
func handshake(c net.Conn, proto, target string) error {
	switch proto {
	case "direct":
		return nil
	case "socks5":
		t, err := proxy.ParseTarget(target)
		if err != nil {
			return err
		}
		// The request waits for the method reply: microsocks reads the
		// greeting with one recv and drops what follows it.
		b, _ := proxy.Greeting{Methods: []byte{proxy.MethodNoAuth}}.Append(nil)
		if _, err := c.Write(b); err != nil {
			return err
		}
		if m, err := proxy.ReadMethodReply(c); err != nil || m.Method != proxy.MethodNoAuth {
			return fmt.Errorf("method reply %v: %v", m.Method, err)
		}
		if b, err = (proxy.Request{Cmd: proxy.CmdConnect, Target: t}).Append(nil); err != nil {
			return err
		}
		if _, err := c.Write(b); err != nil {
			return err
		}
		p, err := proxy.ReadReply(c)
		if err != nil {
			return err
		}
		return p.Err()
	case "connect":
		b, err := proxy.NewConnect(target, "", "").Append(nil)
		if err != nil {
			return err
		}
		if _, err := c.Write(b); err != nil {
			return err
		}
		h, err := proxy.ReadResponseHead(c)
		if err != nil {
			return err
		}
		return h.Err()
	}
	return fmt.Errorf("unknown proxy protocol %q (want socks5, connect or direct)", proto)
}

// put: loadgen put PROTO VIA TARGET FILE — send FILE to TARGET through
// the proxy (sendfile once the tunnel is open), half-close, and wait for
// the far end to close.
func put(args []string) error {
	if err := need(args, 4); err != nil {
		return err
	}
	f, err := os.Open(args[3])
	if err != nil {
		return err
	}
	defer f.Close()
	c, err := dialVia(args[0], args[1], args[2])
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := io.Copy(c, f); err != nil { // *net.TCPConn from *os.File: sendfile
		return err
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, c)
	return err
}

// tunnels: loadgen tunnels PROTO VIA TARGET DURATION [N] — tunnels/s
// (handshake, one 64-byte round trip with the echo server at TARGET,
// close) from N workers.
func tunnels(args []string) error {
	if err := need(args, 4); err != nil {
		return err
	}
	proto, via, target := args[0], args[1], args[2]
	return connRate(args[3:], func() (net.Conn, error) { return dialVia(proto, via, target) })
}
