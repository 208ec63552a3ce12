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
	"time"

	"github.com/cheggaaa/pb/v3"
	"github.com/mattn/go-isatty"

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
