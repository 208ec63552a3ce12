package transfer

import (
	"net"
	"sync"
)

// The idle timeout is the connection's own (sockit's pipe.Conn), which
// this package does not import: it holds the timeout through the
// methods it has, and never sets the connection's deadlines, which the
// timeout works by.

// holdIdle holds conn's idle timeout, when it has one (a PauseIdle and
// ResumeIdle method), while a side hashes what it holds and the other
// waits for it; the returned func ends the hold and may be called more
// than once.
func holdIdle(conn net.Conn) func() {
	p, ok := conn.(interface {
		PauseIdle()
		ResumeIdle()
	})
	if !ok {
		return func() {}
	}
	p.PauseIdle()
	return sync.OnceFunc(p.ResumeIdle)
}
