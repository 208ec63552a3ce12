package proxyproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
)

// The two headers' fixed parts.
var (
	v1Prefix = []byte("PROXY ")
	v2Sig    = []byte("\r\n\r\n\x00\r\nQUIT\n")
)

const (
	v1MaxLen = 107 // the longest v1 line, CRLF included
	v2FixLen = 16  // signature, version and command, family, length
)

// Read reads one header from r, taking exactly its bytes: r's next byte
// is the first one after the header. A v1 line is read a byte at a time
// (at most 107 reads) so as never to read past it; a v2 header takes
// three reads. r should have a deadline: a peer that sends nothing holds
// Read until it ends.
//
// The error wraps [ErrNoHeader] when r does not begin like a header,
// [ErrBadHeader] when the header is malformed or r ends inside it, and
// otherwise r's error.
func Read(r io.Reader) (Header, error) {
	var first [1]byte
	if _, err := io.ReadFull(r, first[:]); err != nil {
		if err == io.EOF {
			return Header{}, fmt.Errorf("%w: the connection ended before sending one", ErrNoHeader)
		}
		return Header{}, readErr(err)
	}
	switch first[0] {
	case v1Prefix[0]:
		return readV1(r)
	case v2Sig[0]:
		return readV2(r)
	}
	return Header{}, ErrNoHeader
}

// readErr wraps an error of the connection met inside a header.
func readErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: the connection ended inside it", ErrBadHeader)
	}
	return fmt.Errorf("reading the PROXY protocol header: %w", err)
}

// bad is an ErrBadHeader saying why.
func bad(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadHeader}, args...)...)
}

// readV1 reads the rest of a v1 line, its "P" read already.
func readV1(r io.Reader) (Header, error) {
	line := make([]byte, 1, v1MaxLen)
	line[0] = v1Prefix[0]
	var b [1]byte
	for {
		if len(line) == v1MaxLen {
			return Header{}, bad("a v1 line longer than %d bytes", v1MaxLen)
		}
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return Header{}, readErr(err)
		}
		line = append(line, b[0])
		if n := len(line); n <= len(v1Prefix) && line[n-1] != v1Prefix[n-1] {
			return Header{}, ErrNoHeader
		}
		if b[0] == '\n' {
			return parseV1(line)
		}
	}
}

// parseV1 reads a whole v1 line, "PROXY " to "\r\n".
func parseV1(line []byte) (Header, error) {
	body, ok := bytes.CutSuffix(line[len(v1Prefix):], []byte("\r\n"))
	if !ok || bytes.IndexByte(body, '\r') >= 0 {
		return Header{}, bad("a v1 line must end in CRLF")
	}
	h := Header{Version: 1}
	f := bytes.Split(body, []byte(" "))
	switch string(f[0]) {
	case "UNKNOWN": // the rest is to be ignored
		return h, nil
	case "TCP4", "TCP6":
	default:
		return Header{}, bad("unknown v1 protocol %q", f[0])
	}
	if len(f) != 5 {
		return Header{}, bad("a v1 %s line has 4 fields after it, not %d", f[0], len(f)-1)
	}
	v6 := string(f[0]) == "TCP6"
	var addrs [2]netip.Addr
	for i, s := range f[1:3] {
		a, err := netip.ParseAddr(string(s))
		if err != nil || a.Zone() != "" || a.Is6() != v6 {
			return Header{}, bad("bad %s address %q", f[0], s)
		}
		addrs[i] = a
	}
	var ports [2]uint16
	for i, s := range f[3:5] {
		p, err := strconv.ParseUint(string(s), 10, 16)
		if err != nil || (len(s) > 1 && s[0] == '0') || s[0] == '+' {
			return Header{}, bad("bad port %q", s)
		}
		ports[i] = uint16(p)
	}
	h.Source = netip.AddrPortFrom(addrs[0], ports[0])
	h.Dest = netip.AddrPortFrom(addrs[1], ports[1])
	return h, nil
}

// v2's commands, families and transports (the high and low halves of
// the 13th and 14th bytes).
const (
	cmdLocal = 0x0
	cmdProxy = 0x1

	afUnspec = 0x0
	afInet   = 0x1
	afInet6  = 0x2
	afUnix   = 0x3

	tpUnspec = 0x0
	tpStream = 0x1
	tpDgram  = 0x2
)

// readV2 reads the rest of a v2 header, its first byte read already.
func readV2(r io.Reader) (Header, error) {
	var fix [v2FixLen]byte
	fix[0] = v2Sig[0]
	if n, err := io.ReadFull(r, fix[1:]); err != nil {
		if got := fix[:1+n]; len(got) < len(v2Sig) && !bytes.HasPrefix(v2Sig, got) || len(got) >= len(v2Sig) && !bytes.HasPrefix(got, v2Sig) {
			return Header{}, ErrNoHeader
		}
		return Header{}, readErr(err)
	}
	if !bytes.Equal(fix[:len(v2Sig)], v2Sig) {
		return Header{}, ErrNoHeader
	}
	if v := fix[12] >> 4; v != 2 {
		return Header{}, bad("version %d", v)
	}
	cmd, af, tp := fix[12]&0xf, fix[13]>>4, fix[13]&0xf
	body := make([]byte, binary.BigEndian.Uint16(fix[14:]))
	if _, err := io.ReadFull(r, body); err != nil {
		return Header{}, readErr(err)
	}
	h := Header{Version: 2}
	switch cmd {
	case cmdLocal:
		h.Local = true
		return h, nil
	case cmdProxy:
	default:
		return Header{}, bad("unknown v2 command %#x", cmd)
	}
	switch tp {
	case tpUnspec, tpStream:
	case tpDgram:
		return Header{}, bad("a datagram transport on a stream")
	default:
		return Header{}, bad("unknown v2 transport %#x", tp)
	}
	var size int
	switch af {
	case afUnspec:
		return h, nil
	case afInet:
		size = 12
	case afInet6:
		size = 36
	case afUnix:
		size = 216
	default:
		return Header{}, bad("unknown v2 address family %#x", af)
	}
	if len(body) < size {
		return Header{}, bad("%d address bytes, fewer than the family's %d", len(body), size)
	}
	if af == afUnix {
		return h, nil // Unix paths say nothing a TCP server can use
	}
	n := (size - 4) / 2
	src, _ := netip.AddrFromSlice(body[:n])
	dst, _ := netip.AddrFromSlice(body[n : 2*n])
	h.Source = netip.AddrPortFrom(src, binary.BigEndian.Uint16(body[2*n:]))
	h.Dest = netip.AddrPortFrom(dst, binary.BigEndian.Uint16(body[2*n+2:]))
	return h, nil
}
