//go:build !unix

package pipe

// lazyReader is Unix only: elsewhere Echo copies through one buffer.
type lazyReader struct{}

func newLazyReader(c *Conn) (*lazyReader, bool) { return nil, false }
func (r *lazyReader) read() ([]byte, error)     { return nil, nil }
func (r *lazyReader) release()                  {}
