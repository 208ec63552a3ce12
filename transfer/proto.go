package transfer

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"unicode/utf8"
)

// Wire constants; docs/PROTOCOL.md describes the frames.
const (
	magic = "SKXF"
	// version is the protocol's version; 2 added the refusal codes.
	version = 2

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

// ErrNotSockit is wrapped by the error for a peer that does not speak the
// protocol at all.
var ErrNotSockit = errors.New("the peer does not speak sockit's transfer protocol")

// ErrVersion is wrapped by the error for a peer that speaks another
// version of the protocol: see [VersionError].
var ErrVersion = errors.New("another version of the transfer protocol")

// VersionError is the error for a peer that speaks another version of the
// protocol (an older or newer sockit). It wraps ErrVersion and
// ErrProtocol.
type VersionError struct {
	// Peer is the peer's version, Ours this side's.
	Peer, Ours int
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("the peer speaks version %d of the transfer protocol, this sockit version %d", e.Peer, e.Ours)
}

func (e *VersionError) Unwrap() []error { return []error{ErrVersion, ErrProtocol} }

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
