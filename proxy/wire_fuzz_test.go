package proxy

import (
	"bytes"
	"io"
	"reflect"
	"testing"
)

// fuzzDecoder checks a decoder against arbitrary bytes: it never panics
// or reads past its message, and what it accepts re-encodes to the same
// bytes it consumed (for decoders whose message has one encoding) or at
// least decodes again to the same value.
func fuzzDecoder[T any](f *testing.F, seeds [][]byte, read func(io.Reader) (T, error), encode func(T) ([]byte, error), canonical bool) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bytes.NewReader(b)
		v, err := read(r)
		if err != nil {
			return
		}
		used := b[:len(b)-r.Len()]
		enc, err := encode(v)
		if err != nil {
			t.Fatalf("decoded %+v from % x but cannot encode it: %v", v, used, err)
		}
		if canonical && !bytes.Equal(enc, used) {
			t.Fatalf("% x decodes to %+v which encodes as % x", used, v, enc)
		}
		again, err := read(bytes.NewReader(enc))
		if err != nil || !reflect.DeepEqual(again, v) {
			t.Fatalf("%+v encodes as % x which decodes to %+v, %v", v, enc, again, err)
		}
	})
}

func ok[T any](f func(T) []byte) func(T) ([]byte, error) {
	return func(v T) ([]byte, error) { return f(v), nil }
}

func FuzzReadGreeting(f *testing.F) {
	fuzzDecoder(f, [][]byte{{5, 1, 0}, {5, 2, 0, 2}}, ReadGreeting,
		func(g Greeting) ([]byte, error) { return g.Append(nil) }, true)
}

func FuzzReadMethodReply(f *testing.F) {
	fuzzDecoder(f, [][]byte{{5, 0}, {5, 0xFF}}, ReadMethodReply, ok(func(m MethodReply) []byte { return m.Append(nil) }), true)
}

func FuzzReadUserPass(f *testing.F) {
	fuzzDecoder(f, [][]byte{{1, 1, 'u', 1, 'p'}, {1, 1, 'u', 0}}, ReadUserPass,
		func(u UserPass) ([]byte, error) { return u.Append(nil) }, true)
}

func FuzzReadUserPassReply(f *testing.F) {
	// Version 5 is accepted and re-encoded as 1: not canonical.
	fuzzDecoder(f, [][]byte{{1, 0}, {1, 1}}, ReadUserPassReply, ok(func(u UserPassReply) []byte { return u.Append(nil) }), false)
}

func FuzzReadRequest(f *testing.F) {
	// RSV is ignored and sent as 0: not canonical.
	fuzzDecoder(f, [][]byte{{5, 1, 0, 1, 127, 0, 0, 1, 0, 80}, {5, 1, 0, 3, 1, 'a', 0, 1}}, ReadRequest,
		func(q Request) ([]byte, error) { return q.Append(nil) }, false)
}

func FuzzReadReply(f *testing.F) {
	fuzzDecoder(f, [][]byte{{5, 0, 0, 1, 0, 0, 0, 0, 0, 0}, {5, 4, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0}}, ReadReply,
		func(p Reply) ([]byte, error) { return p.Append(nil) }, false)
}

func FuzzReadRequest4(f *testing.F) {
	// 4a's DSTIP 0.0.0.x re-encodes as 0.0.0.1: not canonical.
	fuzzDecoder(f, [][]byte{{4, 1, 0, 80, 1, 2, 3, 4, 0}, {4, 1, 0, 80, 0, 0, 0, 9, 'u', 0, 'h', 0}}, ReadRequest4,
		func(q Request4) ([]byte, error) { return q.Append(nil) }, false)
}

func FuzzReadReply4(f *testing.F) {
	fuzzDecoder(f, [][]byte{{0, 90, 0, 0, 0, 0, 0, 0}, {4, 91, 1, 2, 3, 4, 5, 6}}, ReadReply4, ok(func(p Reply4) []byte { return p.Append(nil) }), false)
}

func FuzzReadRequestHead(f *testing.F) {
	fuzzDecoder(f, [][]byte{
		[]byte("CONNECT h:1 HTTP/1.1\r\nHost: h:1\r\n\r\n"),
		[]byte("GET http://h/ HTTP/1.0\nA: b\nA: c\n\n"),
	}, ReadRequestHead, func(q RequestHead) ([]byte, error) { return q.Append(nil) }, false)
}

func FuzzReadResponseHead(f *testing.F) {
	fuzzDecoder(f, [][]byte{
		[]byte("HTTP/1.1 200 Connection established\r\n\r\n"),
		[]byte("HTTP/1.0 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\n\r\n"),
	}, ReadResponseHead, func(p ResponseHead) ([]byte, error) { return p.Append(nil) }, false)
}
