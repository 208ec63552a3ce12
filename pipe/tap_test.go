package pipe

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestCRLF(t *testing.T) {
	for in, want := range map[string]string{
		"":              "",
		"a\nb\n":        "a\r\nb\r\n",
		"a\r\nb":        "a\r\nb",
		"\n\n":          "\r\n\r\n",
		"x\r\r\ny\n":    "x\r\r\ny\r\n",
		"no newline":    "no newline",
		"\r" + "\n\r\n": "\r\n\r\n",
	} {
		for _, r := range []io.Reader{strings.NewReader(in), iotest.OneByteReader(strings.NewReader(in))} {
			got, err := io.ReadAll(CRLF(r))
			if err != nil || string(got) != want {
				t.Errorf("CRLF(%q) = %q, %v; want %q", in, got, err, want)
			}
		}
	}
	if err := iotest.TestReader(CRLF(strings.NewReader("ab\ncd\n")), []byte("ab\r\ncd\r\n")); err != nil {
		t.Error(err)
	}
}

func TestHexDump(t *testing.T) {
	var b bytes.Buffer
	tap := HexDump(&b, nil)
	tap(1, Out, []byte("hello\n"))
	tap(1, In, []byte("0123456789abcdefXY"))
	tap(1, Out, []byte("!"))
	want := "" +
		"#1 > 00000000  68 65 6c 6c 6f 0a                                 |hello.|\n" +
		"#1 < 00000000  30 31 32 33 34 35 36 37  38 39 61 62 63 64 65 66  |0123456789abcdef|\n" +
		"#1 < 00000010  58 59                                             |XY|\n" +
		"#1 > 00000006  21                                                |!|\n"
	if b.String() != want {
		t.Errorf("hex dump:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestTapSeesEverything: a tapped connection copies in user space and the
// tap sees every byte both ways, also through io.Copy's ReadFrom path.
func TestTapSeesEverything(t *testing.T) {
	a, b := tcpPair(t)
	var log bytes.Buffer
	w := wrap(t, a, Options{Tap: LogTap(&log, nil)})
	src, data := randomFile(t, 100000)
	go func() {
		io.Copy(w, src)
		w.CloseWrite()
	}()
	got, _ := io.ReadAll(b)
	b.Write([]byte("back"))
	b.Close()
	io.ReadAll(w)
	if !bytes.Equal(got, data) || log.String() != string(data)+"back" {
		t.Errorf("peer got %d bytes, log has %d; want %d and %d", len(got), log.Len(), len(data), len(data)+4)
	}
}
