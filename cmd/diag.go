package cmd

// Every byte sockit writes to stderr goes through this file. The rules:
//
//   - stdout carries data only; everything else goes to stderr;
//   - each line starts with "sockit: ", is lowercase and has no final period;
//   - an error is one line, optionally followed by "sockit: hint: ..." lines;
//   - -v events are one line each, or one JSON object per line with
//     --log-format json;
//   - colour only when stderr is a terminal, NO_COLOR is unset, TERM is not
//     dumb, or --color always: errors red, warnings bold yellow, hints
//     green, events and notices cyan, each on the "sockit:" prefix (and
//     the "warning:" or "hint:" after it);
//   - a line printed while a progress bar is drawn first clears it (the
//     bar draws itself again below);
//   - text that may come from a peer or the file system (names, refusal
//     reasons, errors) is escaped (escapeText): it can neither forge a
//     line nor send the terminal a control sequence.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"
)

// diag writes diagnostics to stderr.
type diag struct {
	mu      sync.Mutex
	w       io.Writer
	verbose bool
	json    bool
	live    bool // a progress bar is drawn on the current line
	// peers names the unnamed Unix clients of open connections by
	// their credentials, by connection ID, from their connection event
	// to their close.
	peers  map[int64]string
	red    *color.Color
	yellow *color.Color
	green  *color.Color
	cyan   *color.Color
}

// newDiag builds the stderr writer; mode is auto, always or never.
func newDiag(w io.Writer, mode string, verbose, json bool) *diag {
	d := &diag{
		w: w, verbose: verbose, json: json,
		red: color.New(color.FgRed, color.Bold), yellow: color.New(color.FgYellow, color.Bold),
		green: color.New(color.FgGreen), cyan: color.New(color.FgCyan),
	}
	on := !json && (mode == "always" || (mode == "auto" && colorTerminal(w)))
	for _, c := range []*color.Color{d.red, d.yellow, d.green, d.cyan} {
		if on {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
	}
	return d
}

// colorTerminal reports whether w is a terminal that wants colour.
// fatih/color decides from stdout, which for sockit is data: decide here.
func colorTerminal(w io.Writer) bool {
	if os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" { // no-color.org: set and not empty
		return false
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// Write writes p to stderr as it is, under the lock that keeps lines
// whole: what is not a "sockit: " line (a progress bar's redraws, a hex
// dump to -) still goes through the one stderr writer.
func (d *diag) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.w.Write(p)
}

// line writes one "sockit: " line, the prefix coloured with c, text
// escaped.
func (d *diag) line(c *color.Color, text string) {
	d.tagged(c, "", text)
}

// tagged writes one "sockit: TAG " line ("warning:", "hint:"), the
// prefix and the tag coloured with c, text escaped.
func (d *diag) tagged(c *color.Color, tag, text string) {
	prefix := "sockit:"
	if tag != "" {
		prefix += " " + tag
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.live {
		io.WriteString(d.w, "\r\x1b[K") // the bar's line, drawn again after ours
	}
	fmt.Fprintf(d.w, "%s %s\n", c.Sprint(prefix), escapeText(text))
}

// barLive records whether a progress bar is drawn on the current line.
func (d *diag) barLive(on bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.live = on
}

// errorLine prints an error and its hints: with --log-format json, one
// "error" object holding both.
func (d *diag) errorLine(err error) {
	if d.json {
		d.jsonLine(messageJSON{Event: "error", Error: err.Error(), Hints: hintsFor(err)})
		return
	}
	d.line(d.red, err.Error())
	for _, h := range hintsFor(err) {
		d.tagged(d.green, "hint:", h)
	}
}

// warnf prints a warning, with or without -v.
func (d *diag) warnf(format string, args ...any) {
	if d.json {
		d.jsonLine(messageJSON{Event: "warning", Message: fmt.Sprintf(format, args...)})
		return
	}
	d.tagged(d.yellow, "warning:", fmt.Sprintf(format, args...))
}

// notef prints a notice that is not an error (a TLS listener's
// certificate fingerprint).
func (d *diag) notef(format string, args ...any) {
	if d.json {
		d.jsonLine(messageJSON{Event: "notice", Message: fmt.Sprintf(format, args...)})
		return
	}
	d.line(d.cyan, fmt.Sprintf(format, args...))
}

// messageJSON is the JSON form of an error, a warning or a notice.
type messageJSON struct {
	Time    string   `json:"time"`
	Event   string   `json:"event"`
	Error   string   `json:"error,omitempty"`
	Hints   []string `json:"hints,omitempty"`
	Message string   `json:"message,omitempty"`
}

// jsonLine writes m as one JSON line, stamped with the time, its texts
// escaped as on a text line (JSON alone would let a bidi override or a
// C1 control through to a terminal that shows the log).
func (d *diag) jsonLine(m messageJSON) {
	m.Time = time.Now().Format(time.RFC3339Nano)
	m.Error, m.Message = escapeText(m.Error), escapeText(m.Message)
	for i, h := range m.Hints {
		m.Hints[i] = escapeText(h)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "<" stays "<"
	if err := enc.Encode(m); err != nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.w.Write(b.Bytes())
}
