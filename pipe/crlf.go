package pipe

import "io"

// CRLF returns a reader that turns every LF of r that does not follow a CR
// into CRLF (telnet-style line ends, ncat's --crlf).
func CRLF(r io.Reader) io.Reader { return &crlfReader{r: r} }

type crlfReader struct {
	r      io.Reader
	buf    []byte // converted bytes not yet returned
	lastCR bool   // the last byte read from r was a CR
}

func (c *crlfReader) Read(p []byte) (int, error) {
	if len(c.buf) == 0 {
		if len(p) == 0 {
			return 0, nil
		}
		raw := make([]byte, max(len(p)/2, 1)) // room to double every byte
		n, err := c.r.Read(raw)
		out := c.buf[:0]
		for _, b := range raw[:n] {
			if b == '\n' && !c.lastCR {
				out = append(out, '\r')
			}
			out = append(out, b)
			c.lastCR = b == '\r'
		}
		c.buf = out
		if len(c.buf) == 0 {
			return 0, err
		}
		if err != nil && err != io.EOF {
			n := copy(p, c.buf)
			c.buf = c.buf[n:]
			return n, err
		}
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}
