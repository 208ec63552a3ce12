package transfer

import (
	"errors"
	"fmt"
	"strings"
)

// A receiver that will not take a file, or that ends the session, says
// why with a Code in its refusal frame; the text beside it is for
// people. What the sender does next (go on, stop, tell its user that a
// rerun resumes) follows from the code and the fatal flag, never from
// the text.

// Code says why a receiver refused a file or ended the session. Each
// code's error ([Code.Err]) is a sentinel for errors.Is.
type Code byte

// The refusal codes; docs/PROTOCOL.md lists them with their scope.
const (
	// CodeExists: the final name holds a regular file, which the receiver
	// does not replace (no --force). Only that file fails.
	CodeExists Code = 1
	// CodeNotRegular: a directory, FIFO, socket, device or symbolic link
	// holds the name or a directory on its path.
	CodeNotRegular Code = 2
	// CodeBadName: the name may never be written (not a clean relative
	// path, or named like a partial file).
	CodeBadName Code = 3
	// CodeDigest: the data did not match the sender's digest; nothing was
	// kept. Only that file fails.
	CodeDigest Code = 4
	// CodeBusy: another transfer is writing the same file, or has just
	// put it in place. Only that file fails.
	CodeBusy Code = 5
	// CodeChanged: another process changed the receiver's files while
	// they were checked or written (a partial file swapped for another).
	CodeChanged Code = 6
	// CodeOneFile: the receiver writes one file (recv -o) and the sender
	// sends more, or a directory. It ends the session.
	CodeOneFile Code = 7
	// CodeWriteFailed: the receiver failed to create, read or write
	// (permissions, a full disk, an I/O error). When it ends the session,
	// the partial file stays: a rerun resumes from it.
	CodeWriteFailed Code = 8
	// CodeProtocol: the sender's bytes broke the protocol. It ends the
	// session.
	CodeProtocol Code = 9
)

// The errors of the codes: a [Refusal] with a code matches its error
// (errors.Is), and so does the receiver's own error for it.
var (
	ErrExists      = errors.New("exists")
	ErrNotRegular  = errors.New("exists (not a regular file)")
	ErrBadName     = errors.New("name refused")
	ErrDigest      = errors.New("digest mismatch: the data was damaged on the way; not saved")
	ErrBusy        = errors.New("another transfer is writing the file")
	ErrChanged     = errors.New("the file changed while it was written")
	ErrOneFile     = errors.New("the receiver takes one file")
	ErrWriteFailed = errors.New("the receiver failed to write")
	// ErrProtocol is wrapped by every error about bytes that break the
	// protocol.
	ErrProtocol = errors.New("transfer protocol error")
)

// codes maps each code to its error and its name in docs/PROTOCOL.md.
var codes = [...]struct {
	err  error
	name string
}{
	CodeExists:      {ErrExists, "exists"},
	CodeNotRegular:  {ErrNotRegular, "not-regular"},
	CodeBadName:     {ErrBadName, "bad-name"},
	CodeDigest:      {ErrDigest, "digest-mismatch"},
	CodeBusy:        {ErrBusy, "busy"},
	CodeChanged:     {ErrChanged, "changed"},
	CodeOneFile:     {ErrOneFile, "one-file"},
	CodeWriteFailed: {ErrWriteFailed, "write-failed"},
	CodeProtocol:    {ErrProtocol, "protocol"},
}

// valid reports whether c is a code of this version of the protocol.
func (c Code) valid() bool { return c > 0 && int(c) < len(codes) }

// Err is the sentinel error of c; nil for a code this version does not
// know.
func (c Code) Err() error {
	if !c.valid() {
		return nil
	}
	return codes[c].err
}

func (c Code) String() string {
	if !c.valid() {
		return fmt.Sprintf("code %d", byte(c))
	}
	return codes[c].name
}

// codeOf is the code a receiver sends for err: the first code whose
// error err matches, CodeWriteFailed for any other failure.
func codeOf(err error) Code {
	for c := Code(1); c.valid(); c++ {
		if errors.Is(err, c.Err()) {
			return c
		}
	}
	return CodeWriteFailed
}

// Refusal is a receiver's refusal of a file, or its failure with it, as
// the sender reads it. It matches its code's error (errors.Is).
type Refusal struct {
	// Code says why.
	Code Code
	// Msg is the receiver's reason, for people.
	Msg string
	// Fatal tells that the receiver ended the session.
	Fatal bool
}

func (r *Refusal) Error() string { return "receiver: " + r.Msg }

// Unwrap returns the code's error.
func (r *Refusal) Unwrap() error { return r.Code.Err() }

// refuse encodes a refusal of err; fatal tells the sender the receiver
// is ending the session (and stops reading).
func (w writer) refuse(err error, fatal bool) {
	msg := err.Error() // the words only: the code says what it is
	if len(msg) > maxMessage {
		msg = strings.ToValidUTF8(msg[:maxMessage], "")
	}
	w.u8(frameRefuse)
	w.u8(byte(codeOf(err)))
	w.u8(boolByte(fatal))
	w.u16(len(msg))
	w.WriteString(msg)
}

// refusal reads the body of a refusal frame.
func (r reader) refusal() (*Refusal, error) {
	b, err := r.full(2)
	if err != nil {
		return nil, err
	}
	code, f := Code(b[0]), b[1]
	if !code.valid() {
		return nil, protoErrorf("refusal %v", code)
	}
	if f > 1 {
		return nil, protoErrorf("refusal flag %d", f)
	}
	msg, err := r.message()
	if err != nil {
		return nil, err
	}
	return &Refusal{Code: code, Msg: msg, Fatal: f == 1}, nil
}

// tagged is an error that keeps its own words and also matches a code's
// error: "NAME is a directory" is CodeNotRegular.
type tagged struct {
	err  error
	code Code
}

func (t tagged) Error() string   { return t.err.Error() }
func (t tagged) Unwrap() []error { return []error{t.err, t.code.Err()} }

// tag marks err with code.
func tag(code Code, err error) error { return tagged{err, code} }

// tagf builds an error with code.
func tagf(code Code, format string, args ...any) error {
	return tag(code, fmt.Errorf(format, args...))
}
