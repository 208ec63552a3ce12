package proxy

import (
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// Limits on an HTTP head read by ReadRequestHead and ReadResponseHead.
const (
	// MaxHeadLine is the longest line, CRLF included.
	MaxHeadLine = 8 << 10
	// MaxHeadBytes is the most a whole head may take.
	MaxHeadBytes = 64 << 10
)

// RequestHead is the head of an HTTP/1.x request: the request line and
// the header fields, without the body. For CONNECT, Target is the
// authority form host:port; for a request a proxy forwards, the
// absolute form http://host/path.
type RequestHead struct {
	Method string
	Target string
	// Proto is "HTTP/1.1" when empty.
	Proto  string
	Header http.Header
}

// NewConnect returns the head of a CONNECT to target (host:port) with
// a Host field and, when user is not empty, Proxy-Authorization: Basic.
func NewConnect(target, user, pass string) RequestHead {
	h := http.Header{"Host": {target}}
	if user != "" {
		h.Set("Proxy-Authorization", BasicAuth(user, pass))
	}
	return RequestHead{Method: http.MethodConnect, Target: target, Proto: "HTTP/1.1", Header: h}
}

// Append encodes q after b: the request line, the fields in Header
// (sorted by name) and the empty line.
func (q RequestHead) Append(b []byte) ([]byte, error) {
	proto := q.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	for _, s := range []string{q.Method, q.Target, proto} {
		if s == "" || strings.ContainsAny(s, " \r\n") {
			return b, fmt.Errorf("HTTP request line part %q is empty or contains a space or line break", s)
		}
	}
	b = append(b, q.Method...)
	b = append(b, ' ')
	b = append(b, q.Target...)
	b = append(b, ' ')
	b = append(b, proto...)
	b = append(b, "\r\n"...)
	return appendHeader(b, q.Header)
}

// ReadRequestHead decodes a request head: the request line and the
// fields up to the empty line, nothing after it.
func ReadRequestHead(r io.Reader) (RequestHead, error) {
	lr := newLineReader(r)
	line, err := lr.line("HTTP request")
	if err != nil {
		return RequestHead{}, err
	}
	parts := strings.Split(line, " ")
	if len(parts) != 3 || !isToken(parts[0]) || parts[1] == "" || strings.ContainsFunc(parts[1], isCtl) ||
		!strings.HasPrefix(parts[2], "HTTP/") || strings.ContainsFunc(parts[2], isCtl) {
		return RequestHead{}, malformed("HTTP request", "request line %q", clip(line))
	}
	h, err := lr.header("HTTP request")
	if err != nil {
		return RequestHead{}, err
	}
	return RequestHead{Method: parts[0], Target: parts[1], Proto: parts[2], Header: h}, nil
}

// ResponseHead is the head of an HTTP/1.x response: the status line and
// the header fields.
type ResponseHead struct {
	// Proto is "HTTP/1.1" when empty.
	Proto string
	Code  int
	// Reason is the reason phrase; Append sends http.StatusText(Code)
	// when it is empty, and ReadResponseHead fills it in the same way
	// when the status line has none.
	Reason string
	Header http.Header
}

// Err returns nil for a 2xx status and a *StatusError otherwise.
func (p ResponseHead) Err() error {
	if p.Code >= 200 && p.Code < 300 {
		return nil
	}
	reason := p.Reason
	if reason == "" {
		reason = http.StatusText(p.Code)
	}
	return &StatusError{Code: p.Code, Reason: reason}
}

// Append encodes p after b.
func (p ResponseHead) Append(b []byte) ([]byte, error) {
	proto := p.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	reason := p.Reason
	if reason == "" {
		reason = http.StatusText(p.Code)
	}
	if p.Code < 100 || p.Code > 999 || strings.ContainsAny(proto, " \r\n") || strings.ContainsAny(reason, "\r\n") {
		return b, fmt.Errorf("HTTP status line %s %d %q is not valid", proto, p.Code, reason)
	}
	b = append(b, proto...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(p.Code), 10)
	if reason != "" {
		b = append(b, ' ')
		b = append(b, reason...)
	}
	b = append(b, "\r\n"...)
	return appendHeader(b, p.Header)
}

// ReadResponseHead decodes a response head: the status line and the
// fields up to the empty line, nothing after it (a tunnel's first bytes
// stay unread).
func ReadResponseHead(r io.Reader) (ResponseHead, error) {
	lr := newLineReader(r)
	// A SOCKS server's answer has no line break to wait for: judge it by
	// its first byte.
	c, err := lr.byte()
	if err != nil {
		return ResponseHead{}, err
	}
	lr.total++
	if c != 'H' {
		return ResponseHead{}, malformed("HTTP response", "first byte 0x%02x, want HTTP/", c)
	}
	line, err := lr.line("HTTP response")
	if err != nil {
		return ResponseHead{}, err
	}
	line = "H" + line
	proto, rest, _ := strings.Cut(line, " ")
	code, reason, _ := strings.Cut(rest, " ")
	n, err := strconv.Atoi(code)
	if !strings.HasPrefix(proto, "HTTP/") || len(code) != 3 || err != nil || n < 100 || strings.ContainsFunc(line, isCtl) {
		return ResponseHead{}, malformed("HTTP response", "status line %q", clip(line))
	}
	if reason == "" {
		reason = http.StatusText(n)
	}
	h, err := lr.header("HTTP response")
	if err != nil {
		return ResponseHead{}, err
	}
	return ResponseHead{Proto: proto, Code: n, Reason: reason, Header: h}, nil
}

// BasicAuth returns the value of an Authorization or
// Proxy-Authorization field for user and pass: "Basic " and the base64
// of user:pass.
func BasicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// ParseBasicAuth decodes a value made by BasicAuth (the scheme name in
// any case); ok is false for anything else.
func ParseBasicAuth(v string) (user, pass string, ok bool) {
	scheme, enc, found := strings.Cut(strings.TrimSpace(v), " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

// appendHeader encodes the fields of h, sorted by name, then the empty
// line.
func appendHeader(b []byte, h http.Header) ([]byte, error) {
	var sb strings.Builder
	if err := h.Write(&sb); err != nil {
		return b, err
	}
	b = append(b, sb.String()...)
	return append(b, "\r\n"...), nil
}

// isToken reports whether s is an RFC 9110 token (a field name, a
// method).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7F || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// isCtl reports whether r is a control character other than a tab.
func isCtl(r rune) bool {
	return r != '\t' && (r < ' ' || r == 0x7F)
}

// clip shortens text from the wire for an error message.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// lineReader reads CRLF (or bare LF) terminated lines without reading
// past the last one asked for.
type lineReader struct {
	r     io.Reader
	br    io.ByteReader
	total int
}

func newLineReader(r io.Reader) *lineReader {
	lr := &lineReader{r: r}
	lr.br, _ = r.(io.ByteReader)
	return lr
}

func (lr *lineReader) byte() (byte, error) {
	if lr.br != nil {
		return lr.br.ReadByte()
	}
	var c [1]byte
	_, err := io.ReadFull(lr.r, c[:])
	return c[0], err
}

// line returns the next line without its line break.
func (lr *lineReader) line(what string) (string, error) {
	var s []byte
	for {
		c, err := lr.byte()
		if err != nil {
			if err == io.EOF && (len(s) > 0 || lr.total > 0) {
				err = io.ErrUnexpectedEOF
			}
			return "", err
		}
		lr.total++
		if lr.total > MaxHeadBytes {
			return "", malformed(what, "head longer than %d bytes", MaxHeadBytes)
		}
		if c == '\n' {
			if n := len(s); n > 0 && s[n-1] == '\r' {
				s = s[:n-1]
			}
			return string(s), nil
		}
		if len(s) >= MaxHeadLine {
			return "", malformed(what, "line longer than %d bytes", MaxHeadLine)
		}
		s = append(s, c)
	}
}

// header reads fields up to the empty line.
func (lr *lineReader) header(what string) (http.Header, error) {
	h := http.Header{}
	for {
		line, err := lr.line(what)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if line == "" {
			return h, nil
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || !isToken(name) || strings.ContainsFunc(value, isCtl) {
			return nil, malformed(what, "header line %q", clip(line))
		}
		h.Add(textproto.CanonicalMIMEHeaderKey(name), strings.TrimSpace(value))
	}
}
