package cmd

// A file's bar: what pb draws for one phase of one file, its rate and
// its layout, and the byte counts in human units.

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cheggaaa/pb/v3"
	"github.com/mattn/go-runewidth"

	"sockit/transfer"
)

// size renders a byte count for people: 1.5 MiB.
func size(n int64) string {
	div, unit := unitOf(n)
	if div == 1 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.1f %s", float64(n)/float64(div), unit)
}

// sizeOf renders done bytes of total in total's unit, as wide as total
// (" 3.5 / 12.0 MiB"), so that the text keeps its width as done grows.
func sizeOf(done, total int64) string {
	div, unit := unitOf(total)
	if div == 1 {
		return fmt.Sprintf("%*d / %d B", len(fmt.Sprint(total)), done, total)
	}
	all := fmt.Sprintf("%.1f", float64(total)/float64(div))
	return fmt.Sprintf("%*.1f / %s %s", len(all), float64(done)/float64(div), all, unit)
}

// unitOf is the binary unit n is best shown in, and its size.
func unitOf(n int64) (int64, string) {
	const k = 1024
	if n < k {
		return 1, "B"
	}
	div, exp := int64(k), 0
	for m := n / k; m >= k; m /= k {
		div *= k
		exp++
	}
	return div, string("KMGTPE"[exp]) + "iB"
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// fileKey is the pb variable that holds a bar's fileBar.
type fileKey struct{}

func init() {
	pb.RegisterElement("sockitfile", pb.ElementFunc(func(s *pb.State, _ ...string) string {
		f, _ := s.Get(fileKey{}).(*fileBar)
		if f == nil {
			return ""
		}
		return f.render(time.Now())
	}), false)
}

// fileBar is one phase of one file as its bar shows it. pb draws it
// every 200 ms from its own goroutine; the numbers are ours: the rate is
// the bytes moved in this phase (not those a resume kept) over the wall
// time since it began, so that it is never above what really crossed.
type fileBar struct {
	header  transfer.Header
	phase   transfer.Phase
	counter string // "[2/3] ", "[2] ", "checking " or ""
	name    string // escaped
	base    int64  // bytes held when the phase began (kept by a resume)
	total   int64  // -1: a stream
	start   time.Time
	done    atomic.Int64 // bytes done, base included
	cols    func() int   // the terminal's width

	mu     sync.Mutex
	end    time.Time // when it stopped; zero while it runs
	status string    // how it ended when not whole
}

// stop records that the phase ended, whole when how is empty.
func (f *fileBar) stop(how string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.end.IsZero() {
		f.end, f.status = time.Now(), how
	}
}

// render is the bar's line at now, padded to the terminal's width less
// one column (writing the last one makes some terminals wrap).
func (f *fileBar) render(now time.Time) string {
	f.mu.Lock()
	end, status := f.end, f.status
	f.mu.Unlock()
	if !end.IsZero() {
		now = end
	}
	done := f.done.Load()
	elapsed := now.Sub(f.start)
	var rate float64
	if moved := done - f.base; moved > 0 && elapsed > 0 {
		rate = float64(moved) / elapsed.Seconds()
	}
	frac := -1.0
	counts := size(done)
	pct := ""
	if f.total >= 0 {
		frac = 1
		if f.total > 0 {
			frac = min(float64(done)/float64(f.total), 1)
		}
		counts = sizeOf(done, f.total)
		pct = fmt.Sprintf("%5.1f%%", 100*frac)
	}
	var last string
	switch {
	case !end.IsZero() && status == "":
		last = "in " + humanDuration(elapsed)
	case status != "":
		last = status
	case f.total >= 0 && rate > 0:
		last = "ETA " + humanDuration(time.Duration(float64(f.total-done)/rate*float64(time.Second)))
	case f.total >= 0:
		last = "ETA --"
	default:
		last = humanDuration(elapsed)
	}
	// fixed widths, so that the layout holds still from one frame to the next
	tail := fmt.Sprintf("%10s %-10s", size(int64(rate))+"/s", last)
	if pct != "" {
		tail = pct + " " + tail
	}
	width := 80
	if f.cols != nil {
		width = f.cols()
	}
	line := strings.TrimRight(fitLine(width-1, f.counter, f.name, counts, frac, tail), " ")
	return line + strings.Repeat(" ", max(width-1-runewidth.StringWidth(line), 0))
}

// Bar widths: below barMin cells a bar tells nothing, and beyond barMax
// it only makes the line longer.
const barMin, barMax = 10, 50

// nameMin is the width a shortened name keeps before the counts go.
const nameMin = 16

// fitLine lays out a file's line in at most width cells: counter, name,
// counts, a bar (frac of it full; none when frac < 0) and tail (percent,
// rate, and the ETA or how it ended). The numbers always fit: first the
// bar goes, then the counts, and the name is shortened in the middle.
func fitLine(width int, counter, name, counts string, frac float64, tail string) string {
	w := runewidth.StringWidth
	nameW := w(name)
	for _, v := range []struct {
		counts, bar bool
		minName     int
	}{
		{true, true, nameW}, {true, true, min(nameW, nameMin)}, {true, false, min(nameW, nameMin)},
		{false, false, min(nameW, nameMin)}, {false, false, min(nameW, 3)},
	} {
		if v.bar && frac < 0 {
			continue
		}
		room := width - w(counter) - 1 - w(tail)
		if v.counts {
			room -= w(counts) + 1
		}
		if v.bar {
			room -= barMin + 1
		}
		if room < v.minName || room < 0 {
			continue
		}
		n := min(nameW, room)
		parts := []string{counter + ellipsize(name, n)}
		if v.counts {
			parts = append(parts, counts)
		}
		if v.bar {
			parts = append(parts, drawBar(min(barMin+room-n, barMax), frac))
		}
		return strings.Join(append(parts, tail), " ")
	}
	return runewidth.Truncate(strings.TrimSpace(counter)+" "+tail, width, "")
}

// ellipsize shortens s to at most n cells by cutting out its middle.
func ellipsize(s string, n int) string {
	if runewidth.StringWidth(s) <= n {
		return s
	}
	if n <= 1 {
		return runewidth.Truncate(s, n, "")
	}
	r := []rune(s)
	headW := (n - 1) / 2
	head, hw := 0, 0
	for head < len(r) && hw+runewidth.RuneWidth(r[head]) <= headW {
		hw += runewidth.RuneWidth(r[head])
		head++
	}
	tail, tw := len(r), 0
	for tail > head && hw+tw+runewidth.RuneWidth(r[tail-1]) <= n-1 {
		tw += runewidth.RuneWidth(r[tail-1])
		tail--
	}
	return string(r[:head]) + "…" + string(r[tail:])
}

// drawBar draws a bar of width cells, frac of it full: [=====>    ].
func drawBar(width int, frac float64) string {
	inner := width - 2
	full := int(frac * float64(inner))
	if full >= inner {
		return "[" + strings.Repeat("=", inner) + "]"
	}
	head := ""
	if full > 0 {
		head = strings.Repeat("=", full-1) + ">"
	}
	return "[" + head + strings.Repeat(" ", inner-len(head)) + "]"
}

// humanDuration rounds d for a person: 0.4s, 12s, 3m05s, 2h10m.
func humanDuration(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
