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
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/fatih/color"
	"github.com/mattn/go-isatty"

	"sockit/pipe"
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

// escapeText escapes what must not reach a terminal raw, as Go's strconv
// does: control characters but tab (\n, \r, \x1b, \x7f), C1 controls and
// the bidirectional overrides (\u009b, \u202e), and bytes that are not
// UTF-8 (\xff). A name from the wire holding "\nsockit: " or "\x1b[2J"
// then prints as those characters, on its own line. listen's --chat
// escapes the lines it relays the same way.
func escapeText(s string) string {
	clean := true
	for i := 0; i < len(s) && clean; {
		r, n := utf8.DecodeRuneInString(s[i:])
		clean = !mustEscape(r, n)
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch q := strconv.QuoteRune(r); {
		case !mustEscape(r, n):
			b.WriteString(s[i : i+n])
		case r == utf8.RuneError:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		default:
			b.WriteString(q[1 : len(q)-1])
		}
		i += n
	}
	return b.String()
}

// mustEscape reports whether the rune r, n bytes long, is escaped.
func mustEscape(r rune, n int) bool {
	switch {
	case r == utf8.RuneError && n == 1: // not UTF-8
		return true
	case r < 0x20:
		return r != '\t'
	case r >= 0x7f && r < 0xa0: // DEL and C1
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi
		return true
	}
	return false
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

// event prints a -v event; it is the pipe.Observer of every command.
func (d *diag) event(e pipe.Event) {
	if !d.verbose {
		return
	}
	if e.Name == pipe.EventReject {
		e.Err = rejectWhy(e.Err)
	}
	e.Peer = d.peerOf(e)
	if d.json {
		b, err := json.Marshal(jsonEvent(e))
		if err != nil {
			return
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		d.w.Write(append(b, '\n'))
		return
	}
	d.line(d.cyan, eventText(e))
}

// peerOf is what names e's peer beside its address: the credentials
// its connection event brought (a Unix client has no address), kept
// for the later events of the same connection.
func (d *diag) peerOf(e pipe.Event) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case e.ID == 0:
		return e.Peer
	case e.Name == pipe.EventConnection && e.Peer != "":
		if d.peers == nil {
			d.peers = map[int64]string{}
		}
		d.peers[e.ID] = e.Peer
		return e.Peer
	case e.Name == pipe.EventClose:
		p := d.peers[e.ID]
		delete(d.peers, e.ID)
		return cmp.Or(e.Peer, p)
	}
	return cmp.Or(e.Peer, d.peers[e.ID])
}

// observer returns d.event, or nil without -v so that no event is built.
func (d *diag) observer() pipe.Observer {
	if !d.verbose {
		return nil
	}
	return d.event
}

// eventText renders an event as one human line. Connections are named
// #N by their ID, peers by their address, or a Unix client, which has
// none, by its credentials (pid 4242, uid 1000, gid 1000); byte counts
// are in human units.
func eventText(e pipe.Event) string {
	id := ""
	if e.ID > 0 {
		id = fmt.Sprintf(" #%d", e.ID)
	}
	peer := peerText(e.Remote, e.Peer)
	switch e.Name {
	case pipe.EventListening:
		return fmt.Sprintf("listening on %v", addrText(e.Local))
	case pipe.EventLookup:
		return fmt.Sprintf("lookup %s: %s", e.Host, strings.Join(e.Addrs, ", "))
	case pipe.EventConnect:
		if unnamed(e.Local) { // our end of a Unix socket
			return fmt.Sprintf("connected%s to %v", id, addrText(e.Remote))
		}
		return fmt.Sprintf("connected%s to %v from %v", id, addrText(e.Remote), addrText(e.Local))
	case pipe.EventRetry:
		return fmt.Sprintf("attempt %d failed: %v; retrying in %v", e.Attempt, e.Err, e.Duration)
	case pipe.EventReconnect:
		return reconnectText(e)
	case pipe.EventConnection:
		up := ""
		if e.Upstream != nil {
			up = " to " + addrText(e.Upstream)
		}
		return fmt.Sprintf("connection%s from %v on %v%s (%d open)", id, peer, addrText(e.Local), up, e.Open)
	case pipe.EventTLS:
		return fmt.Sprintf("tls with %v: %s", addrText(e.Remote), e.Peer) // Peer: the session
	case pipe.EventReject:
		return fmt.Sprintf("reject %v: %v", peer, e.Err)
	case pipe.EventDrop:
		return fmt.Sprintf("drop%s %v: %v", id, peer, e.Err)
	case pipe.EventEnd:
		return fmt.Sprintf("end%s: %v finished sending", id, peer)
	case pipe.EventTimeout:
		return fmt.Sprintf("timeout%s: no traffic with %v for %v", id, peer, e.Duration)
	case pipe.EventError:
		if e.Remote != nil {
			return fmt.Sprintf("error%s with %v: %v", id, peer, e.Err)
		}
		return fmt.Sprintf("error: %v", e.Err)
	case pipe.EventTransfer:
		return e.Detail
	case pipe.EventClose:
		return fmt.Sprintf("close%s %v: %s in, %s out, %v", id, peer, size(e.BytesIn), size(e.BytesOut), e.Duration.Round(time.Microsecond))
	}
	return e.Name
}

// addrText prints an address; a Unix socket's unnamed end (a client's)
// prints as "unnamed", where nothing better names it.
func addrText(a net.Addr) string {
	if a == nil {
		return "-"
	}
	if unnamed(a) {
		return "unnamed"
	}
	return a.String()
}

// unnamed reports a Unix socket's end that has no name (a client's).
func unnamed(a net.Addr) bool {
	if a == nil {
		return false
	}
	s := a.String()
	return s == "" || s == "<nil>" || s == "@" // "@": an unbound Unix client
}

// peerText names a peer: by its credentials when its address is unnamed
// (a Unix client), else by its address, with the credentials after it
// when there are both.
func peerText(remote net.Addr, cred string) string {
	switch {
	case cred == "":
		return addrText(remote)
	case remote == nil || unnamed(remote):
		return cred
	}
	return fmt.Sprintf("%v [%s]", remote, cred)
}

// eventJSON is the JSON form of an event: time, event and the addresses
// always; the rest when they apply.
type eventJSON struct {
	Time       string   `json:"time"`
	Event      string   `json:"event"`
	ID         int64    `json:"id,omitempty"`
	Local      string   `json:"local,omitempty"`
	Remote     string   `json:"remote,omitempty"`
	Upstream   string   `json:"upstream,omitempty"`
	Host       string   `json:"host,omitempty"`
	Peer       string   `json:"peer,omitempty"`
	Addrs      []string `json:"addrs,omitempty"`
	Attempt    int      `json:"attempt,omitempty"`
	Open       int      `json:"open,omitempty"`
	BytesIn    *int64   `json:"bytes_in,omitempty"`
	BytesOut   *int64   `json:"bytes_out,omitempty"`
	DurationMS *float64 `json:"duration_ms,omitempty"`
	Detail     string   `json:"detail,omitempty"`
	Unsent     *int64   `json:"unsent,omitempty"`
	Error      string   `json:"error,omitempty"`
}

func jsonEvent(e pipe.Event) eventJSON {
	j := eventJSON{Time: e.Time.Format(time.RFC3339Nano), Event: e.Name, ID: e.ID, Host: e.Host, Peer: e.Peer, Addrs: e.Addrs, Attempt: e.Attempt, Open: e.Open, Detail: e.Detail}
	if e.Local != nil {
		j.Local = e.Local.String()
	}
	if e.Remote != nil {
		j.Remote = e.Remote.String()
	}
	if e.Upstream != nil {
		j.Upstream = addrText(e.Upstream)
	}
	if e.Err != nil {
		j.Error = e.Err.Error()
	}
	if e.Name == pipe.EventClose {
		j.BytesIn, j.BytesOut = &e.BytesIn, &e.BytesOut
	}
	if e.Name == pipe.EventReconnect {
		j.Unsent = &e.Unsent
	}
	if e.Duration != 0 {
		ms := float64(e.Duration) / float64(time.Millisecond)
		j.DurationMS = &ms
	}
	return j
}
