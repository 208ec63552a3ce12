package cmd

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/cheggaaa/pb/v3"
	"github.com/mattn/go-isatty"

	"sockit/pipe"
	"sockit/transfer"
)

// progressTemplate is a file's bar: name, bytes, bar, percent, rate, ETA.
const progressTemplate = `{{string . "prefix"}} {{counters . }} {{bar . }} {{percent . }} {{speed . "%s/s" "?"}} {{rtime . "ETA %s"}}`

// progress shows a transfer: a bar per file and phase when stderr is a
// terminal; otherwise -v lines only. Files that fail are always told.
type progress struct {
	d     *diag
	verb  string // "sent" or "received"
	files int    // files to go, when known (the sender); 0 otherwise
	n     int    // files begun
	tty   bool
	bar   *pb.ProgressBar
}

// newProgress builds the progress of a transfer of files files (0:
// unknown).
func (e *env) newProgress(verb string, files int) *progress {
	f, ok := e.stderr.(*os.File)
	tty := ok && isatty.IsTerminal(f.Fd()) && os.Getenv("TERM") != "dumb" && !e.diag.json // JSON lines only
	return &progress{d: e.diag, verb: verb, files: files, tty: tty}
}

// Begin implements transfer.Progress.
func (p *progress) Begin(h transfer.Header, ph transfer.Phase, done, total int64) {
	p.finishBar()
	label := h.Name
	if ph == transfer.Moving {
		p.n++
		if p.files > 1 {
			label = fmt.Sprintf("[%d/%d] %s", p.n, p.files, h.Name)
		}
	} else {
		label = "checking " + h.Name
	}
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
	if !p.tty {
		return
	}
	p.bar = pb.New64(max(total, 0)).SetTemplateString(progressTemplate).Set(pb.Bytes, true).
		Set("prefix", escapeText(label)).SetWriter(p.d).SetRefreshRate(200 * time.Millisecond).SetCurrent(done)
	p.bar.Start()
}

// Add implements transfer.Progress.
func (p *progress) Add(n int64) {
	if p.bar != nil {
		p.bar.Add64(n)
	}
}

// End implements transfer.Progress.
func (p *progress) End(h transfer.Header, r transfer.Result) {
	p.finishBar()
	switch {
	case r.Err != nil:
		p.d.warnf("%s: not %s: %v%s", h.Name, p.verb, r.Err, p.remedy(r.Err))
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

func (p *progress) finishBar() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar = nil
	}
}

// summary prints the end of a session: files, bytes, time, rate.
func (p *progress) summary(st transfer.Stats) {
	p.finishBar()
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

// failed shortens the error of a session whose failed files were each
// told already.
func (p *progress) failed(err error) error {
	var ff *transfer.FilesFailed
	if errors.As(err, &ff) {
		return fmt.Errorf("%d %s not %s", ff.Count(), plural(ff.Count(), "file"), p.verb)
	}
	return err
}

// note is a transfer event for -v.
func note(format string, args ...any) pipe.Event {
	return pipe.Event{Name: pipe.EventTransfer, Detail: fmt.Sprintf(format, args...)}
}

// size renders a byte count for people: 1.5 MiB.
func size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
