package transfer

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"
)

// Phase is what a transfer is doing with a file.
type Phase int

const (
	// Checking: hashing the partial data both sides hold before a resume.
	Checking Phase = iota
	// Moving: sending or receiving the file's data.
	Moving
)

func (p Phase) String() string {
	if p == Checking {
		return "checking"
	}
	return "moving"
}

// Result is how one file's transfer ended.
type Result struct {
	// Kept is how many bytes the receiver already held and kept (a
	// resume), Moved how many crossed the connection.
	Kept, Moved int64
	// Digest is the file's digest (see [Hash]), once verified.
	Digest []byte
	// Err is why the file failed; nil when it is in place.
	Err error
}

// Observer follows a transfer, file by file; cmd draws progress bars and
// -v lines from it. Its methods are called from the transfer's goroutine,
// in order: Begin (once per phase), Add, End.
type Observer interface {
	// Begin starts a phase of a file: total is the bytes the phase will
	// cover (-1 when unknown) and done those it starts with (the bytes
	// kept by a resume).
	Begin(h Header, p Phase, done, total int64)
	// Add reports n more bytes of the phase done.
	Add(n int64)
	// End reports how the file ended.
	End(h Header, r Result)
}

// Stats sums up a session.
type Stats struct {
	// Files is how many files were transferred whole (directories not
	// counted); Failed how many were refused or failed.
	Files, Failed int
	// Bytes is how many bytes of file data crossed the connection; Kept
	// how many the receiver already held.
	Bytes, Kept int64
	// Elapsed is the session's duration.
	Elapsed time.Duration
}

// FilesFailed is the error of a session in which some files failed and
// the others went through; each failure was reported to the Observer.
type FilesFailed struct {
	// Errs are the first failures (at most 100), each naming its file.
	Errs []error
	// N is how many files failed in all; zero means len(Errs).
	N int
}

// Count is how many files failed.
func (e *FilesFailed) Count() int { return max(e.N, len(e.Errs)) }

func (e *FilesFailed) Error() string {
	if e.Count() == 1 {
		return e.Errs[0].Error()
	}
	return fmt.Sprintf("%d files failed; the first: %v", e.Count(), e.Errs[0])
}

func (e *FilesFailed) Unwrap() []error { return e.Errs }

// maxFailures is how many failures a session keeps: a peer whose every
// file fails must not grow it without end.
const maxFailures = 100

// failures collects the files that failed: all counted, the first
// maxFailures kept.
type failures struct {
	errs []error
	n    int
}

func (f *failures) add(err error) {
	f.n++
	if len(f.errs) < maxFailures {
		f.errs = append(f.errs, err)
	}
}

// err is the session's FilesFailed, or nil.
func (f *failures) err() error {
	if f.n == 0 {
		return nil
	}
	return &FilesFailed{Errs: f.errs, N: f.n}
}

// orNop returns o, or an Observer that observes nothing for nil.
func orNop(o Observer) Observer {
	if o == nil {
		return nopObserver{}
	}
	return o
}

// nopObserver observes nothing.
type nopObserver struct{}

func (nopObserver) Begin(Header, Phase, int64, int64) {}
func (nopObserver) Add(int64)                         {}
func (nopObserver) End(Header, Result)                {}

// pacer holds a sender to a rate in bytes per second.
type pacer struct {
	rate  int64
	start time.Time
	sent  int64
}

// wait returns when n more bytes may go at the rate; a zero rate never
// waits.
func (p *pacer) wait(ctx context.Context, n int) error {
	if p.rate <= 0 {
		return nil
	}
	if p.start.IsZero() {
		p.start = time.Now()
	}
	p.sent += int64(n)
	due := p.start.Add(time.Duration(float64(p.sent) / float64(p.rate) * float64(time.Second)))
	d := time.Until(due)
	if d < -time.Second { // a pause (a check, a slow disk) earns no burst
		p.start, p.sent = time.Now(), int64(n)
		return nil
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// chunk is how many bytes to move at once at rate (bytes per second;
// zero: unlimited): a tenth of a second's worth, so that the rate is
// smooth, within [4 KiB, size].
func chunk(rate int64, size int) int {
	if rate <= 0 {
		return size
	}
	return int(min(max(rate/10, 4<<10), int64(size)))
}

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

// blocksIn is how many blocks the first n bytes of a file span.
func blocksIn(n int64) int {
	return int(n/BlockSize + min(n%BlockSize, 1))
}
