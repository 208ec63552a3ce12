package xfer

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"unicode/utf8"
)

// Wire constants; docs/PROTOCOL.md describes the frames.
const (
	magic   = "SKXF"
	version = 1

	// MaxName is the longest relative path a header may carry, in bytes.
	MaxName = 4096
	// BlockSize is the size of the blocks a partial file is checked in,
	// in bytes: a resume keeps every leading block that matches.
	BlockSize = 4 << 20
	// maxBlocks bounds the block list of one offer (16 TiB of partial).
	maxBlocks = 1 << 22
	// maxMessage bounds a refusal's text, in bytes.
	maxMessage = 1024
	// maxChunk bounds one chunk of a stream of unknown size, in bytes.
	maxChunk = 256 << 10

	// unknownSize is the size of a stream (stdin) whose length is not
	// known in advance.
	unknownSize = -1
)

// Frame types.
const (
	frameFile    = 'F' // sender: a file header
	frameDir     = 'D' // sender: a directory header
	frameEnd     = 'E' // sender: no more files
	frameResume  = 'R' // sender: the offset the data starts at
	frameTrailer = 'T' // sender: the digest (and size) after the data
	frameAccept  = 'A' // receiver: what it holds of the file
	frameRefuse  = 'X' // receiver: a refusal or failure, with its reason
	frameOK      = 'K' // receiver: the file is in place (or the session done)
)

// ErrProtocol is wrapped by every error about bytes that break the
// protocol.
var ErrProtocol = errors.New("transfer protocol error")

// ErrNotSockit is wrapped by the error for a peer that does not speak the
// protocol at all.
var ErrNotSockit = errors.New("the peer does not speak sockit's transfer protocol")

// protoErrorf builds an error wrapping ErrProtocol.
func protoErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrProtocol, fmt.Sprintf(format, args...))
}

// Header describes one file or directory on the wire.
type Header struct {
	// Name is the slash-separated path relative to the receiving
	// directory; see [CheckName].
	Name string
	// Size is the file's length in bytes; -1 for a stream whose length is
	// not known (not resumable). Zero for a directory.
	Size int64
	// Mode holds the permission bits (0o777 at most).
	Mode fs.FileMode
	// Dir marks a directory.
	Dir bool
}

// Stream reports whether the file's length is unknown (stdin).
func (h Header) Stream() bool { return h.Size == unknownSize }

// CheckName reports whether name may come from the wire: a relative,
// slash-separated, clean path of valid UTF-8 without empty, "." or ".."
// elements, NUL bytes or backslashes, at most MaxName bytes.
func CheckName(name string) error {
	switch {
	case name == "":
		return errors.New("empty name")
	case len(name) > MaxName:
		return fmt.Errorf("name of %d bytes is longer than %d", len(name), MaxName)
	case !utf8.ValidString(name):
		return fmt.Errorf("name %q is not valid UTF-8", name)
	case strings.ContainsAny(name, "\x00\\"):
		return fmt.Errorf("name %q holds a NUL or a backslash", name)
	case path.IsAbs(name):
		return fmt.Errorf("name %q is absolute", name)
	}
	for _, el := range strings.Split(name, "/") {
		if el == "" || el == "." || el == ".." {
			return fmt.Errorf("name %q is not a clean relative path (it may not hold %q)", name, el)
		}
		if len(el) > 255 {
			return fmt.Errorf("name %q has an element longer than 255 bytes", name)
		}
	}
	return nil
}

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

// refuse encodes a refusal; fatal tells the sender the receiver is ending
// the session (and stops reading).
func (w writer) refuse(msg string, fatal bool) {
	if len(msg) > maxMessage {
		msg = strings.ToValidUTF8(msg[:maxMessage], "")
	}
	w.u8(frameRefuse)
	w.u8(boolByte(fatal))
	w.u16(len(msg))
	w.WriteString(msg)
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
		return unexpectedEnd(err)
	}
	name, err := r.full(int(n))
	if err != nil {
		return unexpectedEnd(err)
	}
	if string(name) != hashName {
		return protoErrorf("the peer verifies with %q, this sockit with %q", name, hashName)
	}
	return nil
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
		return protoErrorf("peer speaks version %d, this sockit version %d", b[len(magic)], version)
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

// Refusal is a receiver's refusal of a file, or its failure with it.
type Refusal struct {
	// Msg is the receiver's reason.
	Msg string
	// Fatal tells that the receiver ended the session.
	Fatal bool
}

func (r *Refusal) Error() string { return "receiver: " + r.Msg }

// refusal reads the body of a refusal frame.
func (r reader) refusal() (*Refusal, error) {
	f, err := r.ReadByte()
	if err != nil {
		return nil, err
	}
	if f > 1 {
		return nil, protoErrorf("refusal flag %d", f)
	}
	msg, err := r.message()
	if err != nil {
		return nil, err
	}
	return &Refusal{Msg: msg, Fatal: f == 1}, nil
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
