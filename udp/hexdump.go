package udp

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"sockit/pipe"
)

// HexDump is a [pipe.Tap] for datagrams: a Conn calls its tap once per
// datagram, and HexDump writes a header line for each (the session ID,
// the direction, "<" received or ">" sent, the datagram's number in that
// direction and its length), then its bytes 16 to a line with offsets
// from the datagram's start, in hex and as ASCII. An empty datagram is
// its header alone:
//
//	#1 > datagram 1, 6 bytes
//	#1 > 00000000  68 65 6c 6c 6f 0a                                 |hello.|
//
// Write errors are reported once through onErr (may be nil) and then
// ignored.
func HexDump(w io.Writer, onErr func(error)) pipe.Tap {
	h := &hexDumper{w: w, onErr: onErr, counts: map[hexKey]int64{}}
	return h.record
}

type hexKey struct {
	id  int64
	dir pipe.Direction
}

type hexDumper struct {
	mu     sync.Mutex
	w      io.Writer
	onErr  func(error)
	failed bool
	counts map[hexKey]int64 // datagrams dumped so far, per session and direction
}

func (h *hexDumper) record(id int64, dir pipe.Direction, p []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failed {
		return
	}
	k := hexKey{id, dir}
	h.counts[k]++
	arrow := "<"
	if dir == pipe.Out {
		arrow = ">"
	}
	var b strings.Builder
	unit := "bytes"
	if len(p) == 1 {
		unit = "byte"
	}
	fmt.Fprintf(&b, "#%d %s datagram %d, %d %s\n", id, arrow, h.counts[k], len(p), unit)
	pipe.HexLines(&b, id, dir, 0, p)
	if _, err := io.WriteString(h.w, b.String()); err != nil {
		h.failed = true
		if h.onErr != nil {
			h.onErr(fmt.Errorf("hex dump: %w", err))
		}
	}
}
