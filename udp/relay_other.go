//go:build !unix

package udp

import "net"

// readDatagrams calls each with every datagram that comes on c until
// c is closed or fails; errors for what was sent before (port
// unreachable) go to soft and the reading goes on. Off Unix each
// session holds its buffer.
func readDatagrams(c *net.UDPConn, each func(p []byte), soft func(error)) error {
	buf := make([]byte, recvBufSize)
	for {
		n, err := c.Read(buf)
		switch {
		case err == nil:
			each(buf[:n])
		case transient(err):
			soft(err)
		default:
			return err
		}
	}
}
