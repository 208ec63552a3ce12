package transfer

import (
	"net"
	"sync"
)

// holdIdle holds conn's idle timeout, when it has one ([pipe.Conn]),
// while a side hashes what it holds and the other waits for it; the
// returned func ends the hold and may be called more than once.
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
