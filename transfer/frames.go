package transfer

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"
	"time"
)

// writer encodes frames; Flush sends them.
type writer struct{ *bufio.Writer }

func (w writer) u8(v byte)   { w.WriteByte(v) }
func (w writer) u16(v int)   { w.Write(binary.BigEndian.AppendUint16(nil, uint16(v))) }
func (w writer) u32(v int)   { w.Write(binary.BigEndian.AppendUint32(nil, uint32(v))) }
func (w writer) i64(v int64) { w.Write(binary.BigEndian.AppendUint64(nil, uint64(v))) }

// hello greets the peer, naming the session's hash.
func (w writer) hello(hashName string) {
	w.WriteString(magic)
	w.u8(version)
	w.u8(byte(len(hashName)))
	w.WriteString(hashName)
}

func (w writer) header(h Header) {
	t := byte(frameFile)
	if h.Dir {
		t = frameDir
	}
	w.u8(t)
	w.u16(len(h.Name))
	w.WriteString(h.Name)
	w.i64(h.Size)
	w.u32(int(h.Mode.Perm()))
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// trailer encodes the end of a file's data: its digest and length.
func (w writer) trailer(d []byte, size int64) {
	w.u8(frameTrailer)
	w.Write(d)
	w.i64(size)
}

// reader decodes frames; every error it returns for bad bytes wraps
// ErrProtocol, and an early end is io.ErrUnexpectedEOF.
type reader struct{ *bufio.Reader }

func (r reader) full(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return b, nil
}

func (r reader) u16() (int, error) {
	b, err := r.full(2)
	if err != nil {
		return 0, err
	}
	return int(binary.BigEndian.Uint16(b)), nil
}

func (r reader) u32() (int, error) {
	b, err := r.full(4)
	if err != nil {
		return 0, err
	}
	return int(binary.BigEndian.Uint32(b)), nil
}

func (r reader) i64() (int64, error) {
	b, err := r.full(8)
	if err != nil {
		return 0, err
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

// hello reads and checks the peer's greeting: it must use hashName.
func (r reader) hello(hashName string) error {
	if err := r.greeting(); err != nil {
		return err
	}
	n, err := r.ReadByte()
	if err != nil {
		return cutShort(err, "the peer closed the connection during the greeting")
	}
	name, err := r.full(int(n))
	if err != nil {
		return cutShort(err, "the peer closed the connection during the greeting")
	}
	if string(name) != hashName {
		return protoErrorf("the peer verifies with %q, this sockit with %q", name, hashName)
	}
	return nil
}

// cutShort names an end of the connection where more was due (how says
// which); other errors pass unchanged.
func cutShort(err error, how string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: %w", how, io.ErrUnexpectedEOF)
	}
	return err
}

// greetTimeout bounds the wait for the peer's greeting, which a sockit
// peer sends as soon as it is connected. A variable for the tests.
var greetTimeout = 10 * time.Second

// greet exchanges greetings with the peer on conn: both sides send
// theirs at once, then read the other's. A peer silent for greetTimeout
// is not sockit: conn is closed. The package never sets conn's
// deadlines, which belong to its idle timeout (a pipe.Conn's).
func greet(conn net.Conn, w writer, r reader, hashName string) error {
	w.hello(hashName)
	if err := w.Flush(); err != nil {
		return err
	}
	closed := make(chan struct{})
	t := time.AfterFunc(greetTimeout, func() {
		conn.Close()
		close(closed)
	})
	err := r.hello(hashName)
	if !t.Stop() { // conn is closed, whatever the read saw
		<-closed
		return fmt.Errorf("%w: it sent no greeting within %v", ErrNotSockit, greetTimeout)
	}
	return err
}

// greeting reads the magic and the version.
func (r reader) greeting() error {
	b, err := r.full(len(magic) + 1)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("%w: it closed before greeting", ErrNotSockit)
		}
		return err
	}
	if string(b[:len(magic)]) != magic {
		return fmt.Errorf("%w: it sent %q", ErrNotSockit, b)
	}
	if b[len(magic)] != version {
		return &VersionError{Peer: int(b[len(magic)]), Ours: version}
	}
	return nil
}

// frameType reads the next frame's type byte; a clean end before it is
// io.EOF.
func (r reader) frameType() (byte, error) {
	return r.ReadByte()
}

// header reads the body of a file or directory frame (after its type),
// checking every field.
func (r reader) header(t byte) (Header, error) {
	h := Header{Dir: t == frameDir}
	n, err := r.u16()
	if err != nil {
		return h, err
	}
	if n == 0 || n > MaxName {
		return h, protoErrorf("name of %d bytes", n)
	}
	name, err := r.full(n)
	if err != nil {
		return h, err
	}
	h.Name = string(name)
	if h.Size, err = r.i64(); err != nil {
		return h, err
	}
	mode, err := r.u32()
	if err != nil {
		return h, err
	}
	switch {
	case h.Size < unknownSize:
		return h, protoErrorf("size %d", h.Size)
	case h.Dir && h.Size != 0:
		return h, protoErrorf("directory %q with size %d", h.Name, h.Size)
	case mode&^0o777 != 0:
		return h, protoErrorf("mode %#o", mode)
	}
	h.Mode = fs.FileMode(mode)
	return h, nil
}

// trailer reads the body of a trailer frame with a digest of dsize
// bytes.
func (r reader) trailer(dsize int) ([]byte, int64, error) {
	d, err := r.full(dsize)
	if err != nil {
		return nil, 0, err
	}
	size, err := r.i64()
	return d, size, err
}

// message reads a refusal's text.
func (r reader) message() (string, error) {
	n, err := r.u16()
	if err != nil {
		return "", err
	}
	if n > maxMessage {
		return "", protoErrorf("message of %d bytes", n)
	}
	b, err := r.full(n)
	if err != nil {
		return "", err
	}
	return strings.ToValidUTF8(string(b), "?"), nil
}

// accept encodes the receiver's offer: the bytes it holds and their
// block digests.
func (w writer) accept(have int64, sums [][]byte) {
	w.u8(frameAccept)
	w.i64(have)
	w.u32(len(sums))
	for _, s := range sums {
		w.Write(s)
	}
}

// accept reads the body of an accept frame for a file of size bytes,
// with digests of dsize bytes.
func (r reader) accept(size int64, dsize int) (have int64, sums [][]byte, err error) {
	if have, err = r.i64(); err != nil {
		return 0, nil, err
	}
	n, err := r.u32()
	if err != nil {
		return 0, nil, err
	}
	if have < 0 || have != keepable(have, size) {
		return 0, nil, protoErrorf("receiver holds %d bytes of a %d-byte file", have, size)
	}
	if want := (have + BlockSize - 1) / BlockSize; n > maxBlocks || int64(n) != want {
		return 0, nil, protoErrorf("%d block digests for %d bytes", n, have)
	}
	sums = make([][]byte, n)
	for i := range sums {
		if sums[i], err = r.full(dsize); err != nil {
			return 0, nil, err
		}
	}
	return have, sums, nil
}
