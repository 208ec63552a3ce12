package cmd

// What a person sees while send and recv run: a bar per file on a
// terminal (-v lines otherwise), each failed file, and at the end the
// summary, or the word for a session that was interrupted or cut, with
// what was complete and how to resume.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cheggaaa/pb/v3"
	"github.com/mattn/go-isatty"
	"github.com/mattn/go-runewidth"

	"sockit/pipe"
	"sockit/transfer"
)

// How a bar ends when its file did not arrive whole.
const (
	endInterrupted = "interrupted" // a signal (Ctrl-C)
	endCut         = "cut off"     // the connection ended
	endFailed      = "failed"      // refused, or any other failure
)

// progress shows a transfer: a bar per file and phase when stderr is a
// terminal; otherwise -v lines only. Files that fail are always told.
type progress struct {
	d     *diag
	verb  string   // "sent" or "received"
	files int      // files to go, when known (the sender); 0 otherwise
	count bool     // number the files: [n/N], or [n] when files is 0
	n     int      // files begun
	term  *os.File // stderr, when bars are drawn on it
	cur   *fileBar // the phase under way, nil between files
	bar   *pb.ProgressBar
}

// newProgress builds the progress of a transfer of files files (0:
// unknown). A receiver that takes one file (-o) numbers nothing.
func (e *env) newProgress(verb string, files int, numbered bool) *progress {
	p := &progress{d: e.diag, verb: verb, files: files, count: numbered && files != 1}
	if f, ok := e.stderr.(*os.File); ok && isatty.IsTerminal(f.Fd()) && os.Getenv("TERM") != "dumb" && !e.diag.json {
		p.term = f
	}
	return p
}

// Begin implements transfer.Progress.
func (p *progress) Begin(h transfer.Header, ph transfer.Phase, done, total int64) {
	p.stopBar("")
	f := &fileBar{name: escapeText(h.Name), header: h, phase: ph, base: done, total: total, start: time.Now()}
	f.done.Store(done)
	if ph == transfer.Moving {
		p.n++
		switch {
		case p.count && p.files > 0:
			f.counter = fmt.Sprintf("[%d/%d] ", p.n, p.files)
		case p.count:
			f.counter = fmt.Sprintf("[%d] ", p.n)
		}
	} else {
		f.counter = "checking "
	}
	p.cur = f
	if p.d.verbose {
		switch {
		case ph == transfer.Checking:
			p.d.observer().Emit(note("checking the %s of %s the receiver holds", size(total), h.Name))
		case done > 0:
			p.d.observer().Emit(note("%s: resuming at %s of %s", h.Name, size(done), size(total)))
		case total < 0:
			p.d.observer().Emit(note("%s: a stream", h.Name))
		default:
			p.d.observer().Emit(note("%s: %s", h.Name, size(total)))
		}
	}
	if p.term == nil {
		return
	}
	f.cols = func() int { return termCols(p.term) }
	p.bar = pb.New64(max(total, 0)).SetTemplateString(`{{sockitfile . }}`).
		Set(fileKey{}, f).Set(pb.ReturnSymbol, "\r").SetWriter(p.d).
		SetRefreshRate(200 * time.Millisecond).SetCurrent(done)
	p.d.barLive(true)
	p.bar.Start()
}

// Add implements transfer.Progress.
func (p *progress) Add(n int64) {
	if p.cur != nil {
		p.cur.done.Add(n)
	}
	if p.bar != nil {
		p.bar.Add64(n)
	}
}

// End implements transfer.Progress.
func (p *progress) End(h transfer.Header, r transfer.Result) {
	if r.Err != nil {
		p.stopBar(endFailed)
	} else {
		p.stopBar("")
	}
	p.cur = nil
	switch {
	case r.Err != nil: // it fails the run: an error line of its own
		p.d.errorLine(fmt.Errorf("%s: not %s: %v%s", h.Name, p.verb, r.Err, p.remedy(r.Err)))
	case p.d.verbose:
		p.d.observer().Emit(note("%s %s: %s (%s kept), %s %x", p.verb, h.Name, size(r.Kept+r.Moved), size(r.Kept), transferHash.Name, r.Digest))
	}
}

// remedy words the flag that would have let a refused file through,
// from the refusal's code, for the side that prints it.
func (p *progress) remedy(err error) string {
	if !errors.Is(err, transfer.ErrExists) {
		return ""
	}
	if p.verb == "sent" {
		return " (rerun recv with --force to overwrite it)"
	}
	return " (--force overwrites it)"
}

// stopBar ends the bar on screen, if any: whole when how is empty, else
// saying how it ended.
func (p *progress) stopBar(how string) {
	if p.bar == nil {
		return
	}
	f := p.bar.Get(fileKey{}).(*fileBar)
	f.stop(how)
	p.bar.Finish()
	p.bar = nil
	p.d.barLive(false)
}

// end tells how a session that did st ended (err): the summary, the
// interruption with what was complete, or nothing more when each failed
// file was told; resume is the hint for a rerun after a cut. It returns
// the error that sets the exit status, with its hints.
func (p *progress) end(ctx context.Context, st transfer.Stats, err error, resume string) error {
	var sig signalError
	var ff *transfer.FilesFailed
	switch {
	case errors.As(context.Cause(ctx), &sig): // the status says which signal
		cur := p.cur
		p.stopBar(endInterrupted)
		p.d.errorLine(&hinted{err: errors.New(p.interrupted(st, cur)), hints: nonEmpty(resume)})
		return err
	case err == nil:
		p.stopBar("")
		p.summary(st)
		return nil
	case errors.As(err, &ff): // the session went on to its end
		p.stopBar(endFailed)
		if st.Files > 0 {
			p.summary(st)
		}
		return toldError{err}
	}
	if resumable(ctx, err) {
		p.stopBar(endCut)
		err = &hinted{err: err, hints: nonEmpty(resume)}
	} else {
		p.stopBar(endFailed)
	}
	if st.Files > 0 { // what was complete before the end
		p.summary(st)
	}
	return err
}

// interrupted words an interrupted session: how long it ran, the files
// complete, and where the file under way (cur) stopped.
func (p *progress) interrupted(st transfer.Stats, cur *fileBar) string {
	files := fmt.Sprintf("%d %s", st.Files, plural(st.Files, "file"))
	if p.files > 0 {
		files = fmt.Sprintf("%d of %d %s", st.Files, p.files, plural(p.files, "file"))
	}
	s := fmt.Sprintf("interrupted after %v: %s %s", st.Elapsed.Round(time.Millisecond), p.verb, files)
	if cur == nil {
		return s
	}
	done := cur.done.Load()
	switch {
	case cur.phase == transfer.Checking:
		return fmt.Sprintf("%s; %s was being checked (%s of %s)", s, cur.name, size(done), size(cur.total))
	case cur.total < 0:
		return fmt.Sprintf("%s; %s stopped after %s", s, cur.name, size(done))
	}
	return fmt.Sprintf("%s; %s stopped at %s of %s", s, cur.name, size(done), size(cur.total))
}

// summary prints the end of a session: files, bytes, time, rate.
func (p *progress) summary(st transfer.Stats) {
	rate := float64(st.Bytes) / max(st.Elapsed.Seconds(), 1e-9)
	kept := ""
	if st.Kept > 0 {
		kept = fmt.Sprintf(" (%s were already there)", size(st.Kept))
	}
	failed := ""
	if st.Failed > 0 {
		failed = fmt.Sprintf(", %d failed", st.Failed)
	}
	p.d.notef("%s %d %s%s, %s in %v (%s/s)%s", p.verb, st.Files, plural(st.Files, "file"), failed,
		size(st.Bytes), st.Elapsed.Round(time.Millisecond), size(int64(rate)), kept)
}

// nonEmpty is the hints of one line, none when it is empty.
func nonEmpty(hint string) []string {
	if hint == "" {
		return nil
	}
	return []string{hint}
}

// note is a transfer event for -v.
func note(format string, args ...any) pipe.Event {
	return pipe.Event{Name: pipe.EventTransfer, Detail: fmt.Sprintf(format, args...)}
}

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
