package pipe

import (
	"fmt"
	"io"
	"sync"
)

// Direction tells which way a tapped chunk went.
type Direction int

// The directions of a [Tap]: In was read from the peer, Out written to it.
const (
	In Direction = iota
	Out
)

// Tap receives a copy of every chunk connection id reads (In) or writes
// (Out). It is called from the goroutine doing the I/O, so several at
// once; it must not keep p.
type Tap func(id int64, dir Direction, p []byte)

// Taps combines taps into one; nil taps are skipped, and none gives nil.
func Taps(taps ...Tap) Tap {
	var ts []Tap
	for _, t := range taps {
		if t != nil {
			ts = append(ts, t)
		}
	}
	switch len(ts) {
	case 0:
		return nil
	case 1:
		return ts[0]
	}
	return func(id int64, dir Direction, p []byte) {
		for _, t := range ts {
			t(id, dir, p)
		}
	}
}

// LogTap writes the bytes of both directions of every connection to w,
// as they pass, one chunk at a time (ncat's -o). Write errors are
// reported once through onErr, which may be nil, and then ignored.
func LogTap(w io.Writer, onErr func(error)) Tap {
	var mu sync.Mutex
	failed := false
	return func(_ int64, _ Direction, p []byte) {
		mu.Lock()
		defer mu.Unlock()
		if failed {
			return
		}
		if _, err := w.Write(p); err != nil {
			failed = true
			if onErr != nil {
				onErr(fmt.Errorf("output log: %w", err))
			}
		}
	}
}
