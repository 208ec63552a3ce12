package serve

import (
	"io"
	"sync"
	"time"
)

// defaultKillDelay is how long a child has between SIGTERM and SIGKILL.
const defaultKillDelay = 2 * time.Second

// childEnd stops an --exec child: SIGTERM to its process group at once,
// then, after delay, SIGKILL to the group and the close of out (the read
// end of the child's stdout), so that a descendant that left the group
// still holding the pipe cannot keep the connection, and sockit, waiting.
type childEnd struct {
	pid   int       // the child's pid, which is its process group's id
	out   io.Closer // our end of the child's stdout
	delay time.Duration

	mu     sync.Mutex
	termed bool
	done   bool // the child was reaped: its group id may be reused
	kill   *time.Timer
}

// stop sends SIGTERM to the child's group and arms the SIGKILL; calls
// after the first do nothing.
func (e *childEnd) stop() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.termed || e.done {
		return
	}
	e.termed = true
	signalGroup(e.pid, sigTerm)
	d := e.delay
	if d <= 0 {
		d = defaultKillDelay
	}
	e.kill = time.AfterFunc(d, e.killNow)
}

// killNow sends SIGKILL to the child's group and closes its stdout.
func (e *childEnd) killNow() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.done {
		signalGroup(e.pid, sigKill)
	}
	e.out.Close()
}

// reaped records that the child was waited for; no signal is sent to
// its group id after this.
func (e *childEnd) reaped() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.done = true
	if e.kill != nil {
		e.kill.Stop()
	}
}
