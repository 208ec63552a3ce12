package transfer

import (
	"fmt"
	"io"
)

// answer is the receiver's answer to a file's data.
type answer struct {
	ref *Refusal
	err error
}

// answer returns the receiver's answer to the current file, which data
// may have taken early.
func (s *fileSender) answer(replies <-chan answer) answer {
	if s.early != nil {
		a := *s.early
		s.early = nil
		return a
	}
	return <-replies
}

// awaitAnswer reads the receiver's answer to a file, which may come
// before the data is all sent (a receiver that fails gives up at once).
func awaitAnswer(s *fileSender, out chan<- answer) {
	ref, err := s.reply(frameOK)
	out <- answer{ref, err}
}

// data sends n bytes of in (all of it, chunked, when n is negative: a
// stream) with their digest in h. It stops early when the receiver
// answers before the end.
func (s *fileSender) data(in io.Reader, n int64, h io.Writer, replies <-chan answer) (int64, error) {
	stream := n < 0
	var moved int64
	for stream || moved < n {
		select {
		case a := <-replies: // early: only a failure ends it
			s.early = &a
			err := a.err
			switch {
			case err == nil && a.ref == nil:
				err = protoErrorf("an OK before the data ended")
			case err == nil:
				err = a.ref
			}
			s.conn.Close()
			return moved, err
		default:
		}
		want := len(s.buf)
		if !stream {
			want = int(min(int64(want), n-moved))
		}
		var m int
		var err error
		if stream { // send what has come: a stream may be slow
			if m, err = in.Read(s.buf); err == io.EOF {
				err = nil
				if m == 0 {
					s.w.u32(0)
					return moved, nil
				}
			}
		} else {
			m, err = io.ReadFull(in, s.buf[:want])
		}
		if m == 0 && err == nil {
			continue // nothing came: a zero-length chunk would end the stream
		}
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return moved, fmt.Errorf("the file shrank while being sent: %w", io.ErrUnexpectedEOF)
			}
			return moved, fmt.Errorf("read: %w", err)
		}
		h.Write(s.buf[:m])
		if err := s.pace.wait(s.ctx, m); err != nil {
			return moved, err
		}
		if stream {
			s.w.u32(m)
		}
		if _, err := s.w.Write(s.buf[:m]); err != nil {
			return moved, err
		}
		moved += int64(m)
		s.o.Progress.Add(int64(m))
	}
	return moved, nil
}
