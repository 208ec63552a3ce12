package serve

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"sockit/pipe"
)

// Broker relays every byte one client sends to all the other clients
// (not back to the sender), with the same per-client queues as [Fanout]:
// a sender goes at the pace of the slowest client that keeps reading, and
// a client that stops reading is dropped after the stall time.
type Broker struct{ hub *hub }

// NewBroker returns a Broker; queueBytes is the per-client queue (zero:
// [DefaultQueueBytes]); o receives drop events.
func NewBroker(o pipe.Options, queueBytes int) *Broker {
	return &Broker{hub: newHub(o, queueBytes, 0)}
}

// Serve is the handler for one client.
func (b *Broker) Serve(ctx context.Context, c *pipe.Conn) error {
	m := b.hub.join(c, false)
	buf := make([]byte, 32<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			b.hub.send(bytes.Clone(buf[:n]), m)
		}
		if err == io.EOF {
			b.hub.finish(m)
			return nil
		}
		if err != nil {
			b.hub.leave(m)
			if b.hub.dropped(m) {
				return nil
			}
			return err
		}
	}
}

// maxChatLine is the longest chat line relayed whole, in bytes; longer
// lines are cut into pieces of this size.
const maxChatLine = 4096

// Chat is a line-based [Broker]: each line goes to the other clients as
// "userN: line", with control characters escaped (\x1b, \x00, ...), and
// joins and leaves are announced. A newcomer is told its name and who is
// there.
type Chat struct{ hub *hub }

// NewChat returns a Chat; queueBytes and o as for [NewBroker].
func NewChat(o pipe.Options, queueBytes int) *Chat {
	return &Chat{hub: newHub(o, queueBytes, 0)}
}

// Serve is the handler for one client.
func (ch *Chat) Serve(ctx context.Context, c *pipe.Conn) error {
	m := ch.hub.join(c, false)
	others := ch.hub.names(m)
	here := "nobody else is here"
	if len(others) > 0 {
		here = "here: " + strings.Join(others, ", ")
	}
	ch.hub.sendTo(m, []byte(fmt.Sprintf("*** you are %s; %s\n", m.name, here)))
	ch.hub.send([]byte(fmt.Sprintf("*** %s joined\n", m.name)), m)
	defer func() {
		if ctx.Err() == nil { // not when the whole room is closing
			ch.hub.send([]byte(fmt.Sprintf("*** %s left\n", m.name)), m)
		}
	}()
	r := bufio.NewReaderSize(c, maxChatLine)
	for {
		line, err := r.ReadSlice('\n')
		if len(line) > 0 {
			ch.hub.send(chatLine(m.name, line), m)
		}
		switch {
		case err == nil, errors.Is(err, bufio.ErrBufferFull):
		case err == io.EOF:
			ch.hub.finish(m)
			return nil
		default:
			ch.hub.leave(m)
			if ch.hub.dropped(m) {
				return nil
			}
			return err
		}
	}
}

// chatLine formats one line (or piece of a line) from name: the line end
// (LF or CRLF) is dropped, control characters are escaped, and one LF
// ends it.
func chatLine(name string, line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	var b bytes.Buffer
	b.WriteString(name)
	b.WriteString(": ")
	for _, c := range line {
		if c < 0x20 && c != '\t' || c == 0x7f {
			fmt.Fprintf(&b, `\x%02x`, c)
			continue
		}
		b.WriteByte(c)
	}
	b.WriteByte('\n')
	return b.Bytes()
}
