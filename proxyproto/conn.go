package proxyproto

import (
	"net"
	"time"
)

// Receive reads the header that must begin c, giving the peer up to
// timeout (zero: no limit of its own) for it, and leaves c's read
// deadline cleared. A timeout's error wraps os.ErrDeadlineExceeded.
func Receive(c net.Conn, timeout time.Duration) (Header, error) {
	if timeout > 0 {
		if err := c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
			return Header{}, err
		}
		defer c.SetReadDeadline(time.Time{})
	}
	return Read(c)
}
