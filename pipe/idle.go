package pipe

import (
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// aLongTimeAgo is a deadline in the past: setting it wakes every blocked
// Read and Write (and sendfile or splice) on the connection at once.
var aLongTimeAgo = time.Unix(1, 0)

// idleWatch ends a connection on which nothing has moved for d. It samples
// the connection's progress every d/4: the Conn's own counters and, for
// TCP, the kernel's count of bytes received and acknowledged, which keep
// moving during a zero-copy sendfile or splice that the Conn's counters
// only see when it returns. The connection is therefore closed between d
// and 1.25 d after its last byte.
type idleWatch struct {
	c      *Conn
	d      time.Duration
	tick   time.Duration
	kernel bool            // TCP: the kernel's byte counters are readable
	rc     syscall.RawConn // the TCP socket, when kernel is true
	fired  atomic.Bool

	mu      sync.Mutex
	paused  int // PauseIdle calls not yet resumed
	timer   *time.Timer
	last    int64
	lastAt  time.Time
	stopped bool
}

func watchIdle(c *Conn, d time.Duration) *idleWatch {
	w := &idleWatch{c: c, d: d, tick: max(d/4, time.Millisecond), lastAt: time.Now()}
	if sc, ok := innermost(c.raw).(syscall.Conn); ok {
		if rc, err := sc.SyscallConn(); err == nil {
			if _, ok := kernelBytes(rc); ok {
				w.rc, w.kernel = rc, true
			}
		}
	}
	w.last = w.progress()
	w.mu.Lock() // check may run before AfterFunc returns
	w.timer = time.AfterFunc(w.tick, w.check)
	w.mu.Unlock()
	return w
}

// progress is a number that grows whenever a byte moves either way.
func (w *idleWatch) progress() int64 {
	p := w.c.rx.Load() + w.c.tx.Load()
	if w.kernel {
		k, _ := kernelBytes(w.rc)
		p += k
	}
	return p
}

// check runs on the timer goroutine, one call at a time. When nothing has
// moved for w.d it reports the timeout, without holding w.mu (an observer
// may call back into the connection), and only then ends the
// connection's I/O: whoever sees the I/O fail sees the event first.
func (w *idleWatch) check() {
	if !w.expired() {
		return
	}
	w.c.opts.OnEvent.Emit(Event{Name: EventTimeout, ID: w.c.id, Local: w.c.LocalAddr(), Remote: w.c.RemoteAddr(), Duration: w.d})
	w.c.raw.SetDeadline(aLongTimeAgo)
}

// expired samples the connection's progress and either arms the next
// check or, when nothing has moved for w.d, marks the watch fired and
// reports true.
func (w *idleWatch) expired() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return false
	}
	now := time.Now()
	if p := w.progress(); p != w.last || w.paused > 0 {
		w.last, w.lastAt = p, now
	} else if idle := now.Sub(w.lastAt); idle >= w.d {
		w.fired.Store(true)
		return true
	}
	w.timer.Reset(w.tick)
	return false
}

func (w *idleWatch) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
	w.timer.Stop()
}

// PauseIdle holds the idle timeout while the connection's user is busy
// with something that is not traffic (a file transfer hashing what it
// holds) until the matching ResumeIdle; the idle time counts from then.
// Without an idle timeout it does nothing.
func (c *Conn) PauseIdle() {
	if w := c.idle; w != nil {
		w.mu.Lock()
		w.paused++
		w.mu.Unlock()
	}
}

// ResumeIdle ends a PauseIdle.
func (c *Conn) ResumeIdle() {
	if w := c.idle; w != nil {
		w.mu.Lock()
		w.paused--
		w.lastAt = time.Now()
		w.mu.Unlock()
	}
}
