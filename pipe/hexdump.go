package pipe

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// HexDump is a [Tap] that writes a hex dump of every chunk to w: one line
// per 16 bytes with the connection ID, the direction ("<" read from the
// peer, ">" written to it), the offset in that direction, the bytes in
// hex and as ASCII:
//
//	#1 > 00000000  68 65 6c 6c 6f 0a                                 |hello.|
//
// Write errors are reported once through onErr (may be nil) and then
// ignored.
func HexDump(w io.Writer, onErr func(error)) Tap {
	h := &hexDumper{w: w, onErr: onErr, offsets: map[hexKey]int64{}}
	return h.record
}

type hexKey struct {
	id  int64
	dir Direction
}

type hexDumper struct {
	mu      sync.Mutex
	w       io.Writer
	onErr   func(error)
	failed  bool
	offsets map[hexKey]int64 // bytes dumped so far, per connection and direction
}

func (h *hexDumper) record(id int64, dir Direction, p []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failed {
		return
	}
	k := hexKey{id, dir}
	var b strings.Builder
	HexLines(&b, id, dir, h.offsets[k], p)
	h.offsets[k] += int64(len(p))
	if _, err := io.WriteString(h.w, b.String()); err != nil {
		h.failed = true
		if h.onErr != nil {
			h.onErr(fmt.Errorf("hex dump: %w", err))
		}
	}
}

// HexLines appends p to b as the lines of [HexDump]: 16 bytes to a
// line, each line led by "#ID" and the direction's arrow ("<" in, ">"
// out) and the offset, base plus the line's place in p. A datagram's
// dump shares them.
func HexLines(b *strings.Builder, id int64, dir Direction, base int64, p []byte) {
	arrow := "<"
	if dir == Out {
		arrow = ">"
	}
	for off := 0; off < len(p); off += 16 {
		line := p[off:min(off+16, len(p))]
		fmt.Fprintf(b, "#%d %s %08x  ", id, arrow, base+int64(off))
		for i := range 16 {
			if i < len(line) {
				fmt.Fprintf(b, "%02x ", line[i])
			} else {
				b.WriteString("   ")
			}
			if i == 7 {
				b.WriteByte(' ')
			}
		}
		b.WriteString(" |")
		for _, c := range line {
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			b.WriteByte(c)
		}
		b.WriteString("|\n")
	}
}
