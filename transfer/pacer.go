package transfer

import (
	"context"
	"time"
)

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

// restart begins a new stretch of data: what was sent before earns no
// burst now. Each file restarts, so that no file goes faster than the
// rate over its own time (the time between files would otherwise be
// made up at its start).
func (p *pacer) restart() { p.start, p.sent = time.Time{}, 0 }

// chunk is how many bytes to move at once at rate (bytes per second;
// zero: unlimited): a tenth of a second's worth, so that the rate is
// smooth, within [4 KiB, size].
func chunk(rate int64, size int) int {
	if rate <= 0 {
		return size
	}
	return int(min(max(rate/10, 4<<10), int64(size)))
}
