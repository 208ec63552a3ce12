package transfer

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// receiveFrom runs Receive on one end of a connection and hands the other
// to speak, which plays the sender.
func receiveFrom(t *testing.T, dir string, speak func(cr *crafted)) error {
	t.Helper()
	sc, rcConn := tcpPair(t)
	done := make(chan error, 1)
	go func() {
		_, err := Receive(context.Background(), rcConn, dir, ReceiveOptions{})
		rcConn.Close()
		done <- err
	}()
	speak(newCrafted(t, sc))
	sc.Close()
	return <-done
}

// TestHostileNames: names that would leave the directory end the session
// with a refusal the sender hears, and nothing is written anywhere.
func TestHostileNames(t *testing.T) {
	for _, name := range []string{"../x", "/etc/x", "a/../../x", "a//b", "./x", "a\\..\\x", "x\x00y", strings.Repeat("n", 300), strings.Repeat("d/", 2100) + "x"} {
		for _, dir := range []bool{false, true} {
			parent := t.TempDir()
			dst := filepath.Join(parent, "dst")
			os.Mkdir(dst, 0o755)
			var heard error
			err := receiveFrom(t, dst, func(cr *crafted) {
				if len(name) > MaxName { // the encoder cannot even say it: send the bytes
					cr.w.u8(frameFile)
					cr.w.u16(len(name) & 0xffff)
					cr.w.WriteString(name)
					cr.w.i64(1)
					cr.w.u32(0o644)
				} else {
					size := int64(1)
					if dir {
						size = 0
					}
					cr.w.header(Header{Name: name, Size: size, Mode: 0o644, Dir: dir})
				}
				cr.w.Flush()
				if ft, err := cr.r.frameType(); err == nil && ft == frameRefuse {
					ref, _ := cr.r.refusal()
					heard = ref
				}
			})
			if err == nil {
				t.Errorf("%.40q (dir %v) was taken", name, dir)
			}
			if len(name) <= MaxName {
				var ref *Refusal
				if !errors.As(heard, &ref) || !ref.Fatal || ref.Code != CodeBadName || !strings.Contains(ref.Msg, "refused") {
					t.Errorf("%.40q: sender heard %v", name, heard)
				}
			}
			if left := listDir(t, parent); len(left) != 1 {
				t.Errorf("%.40q: written %q", name, left)
			}
		}
	}
}

// TestSymlinkedDirRefused: a symbolic link to a directory inside the
// receiving directory is not followed.
func TestSymlinkedDirRefused(t *testing.T) {
	dst, outside := t.TempDir(), t.TempDir()
	os.Symlink(outside, filepath.Join(dst, "link"))
	src := t.TempDir()
	randomFile(t, src, "link/f", 10, 0o644)
	items := []Item{{Header: Header{Name: "link/f", Size: 10, Mode: 0o644}, Path: filepath.Join(src, "link/f")}}
	_, serr, _, rerr := transfer(t, items, dst, SendOptions{}, ReceiveOptions{})
	if !errors.Is(serr, ErrNotRegular) || !strings.Contains(serr.Error(), "symbolic link") || rerr == nil {
		t.Errorf("send %v, receive %v", serr, rerr)
	}
	if left := listDir(t, outside); len(left) != 0 {
		t.Errorf("written outside: %q", left)
	}
}

// TestDigestMismatch: data that does not match the sender's digest
// leaves neither a file nor a partial file, and the sender hears why.
func TestDigestMismatch(t *testing.T) {
	dst := t.TempDir()
	var heard *Refusal
	err := receiveFrom(t, dst, func(cr *crafted) {
		cr.w.header(Header{Name: "f", Size: 5, Mode: 0o644})
		cr.w.Flush()
		if ft, _ := cr.r.frameType(); ft != frameAccept {
			t.Fatalf("frame %q", ft)
		}
		cr.r.accept(5, 32)
		cr.w.u8(frameResume)
		cr.w.i64(0)
		cr.w.WriteString("hello")
		cr.w.trailer(bytes.Repeat([]byte{1}, 32), 5)
		cr.w.Flush()
		if ft, _ := cr.r.frameType(); ft == frameRefuse {
			heard, _ = cr.r.refusal()
		}
		cr.w.u8(frameEnd)
		cr.w.Flush()
		cr.r.frameType()
	})
	var ff *FilesFailed
	if !errors.As(err, &ff) || !errors.Is(err, ErrDigest) {
		t.Errorf("Receive = %v, want a digest mismatch", err)
	}
	if heard == nil || heard.Fatal || heard.Code != CodeDigest || !strings.Contains(heard.Msg, "digest mismatch") {
		t.Errorf("sender heard %+v", heard)
	}
	if left := listDir(t, dst); len(left) != 0 {
		t.Errorf("left %q", left)
	}
}

// TestNotSockit: a peer that speaks something else is named as such.
func TestNotSockit(t *testing.T) {
	sc, rcConn := tcpPair(t)
	go func() { sc.Write([]byte("GET / HTTP/1.0\r\n\r\n")); sc.Close() }()
	_, err := Receive(context.Background(), rcConn, t.TempDir(), ReceiveOptions{})
	if !errors.Is(err, ErrNotSockit) {
		t.Errorf("Receive = %v", err)
	}
}

// FuzzReceive feeds arbitrary bytes after a valid greeting to a
// receiver: it must fail or succeed cleanly and never write outside its
// directory.
func FuzzReceive(f *testing.F) {
	var b bytes.Buffer
	w := writer{bufio.NewWriter(&b)}
	w.header(Header{Name: "a/b", Size: 3, Mode: 0o644})
	w.u8(frameResume)
	w.i64(0)
	w.WriteString("abc")
	w.trailer(make([]byte, 32), 3)
	w.header(Header{Name: "d", Dir: true, Mode: 0o755})
	w.header(Header{Name: "s", Size: -1, Mode: 0o600})
	w.u8(frameResume)
	w.i64(0)
	w.u32(2)
	w.WriteString("hi")
	w.u32(0)
	w.u8(frameEnd)
	w.Flush()
	f.Add(b.Bytes())
	f.Add([]byte("F\x00\x04../x\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x01\xa4"))
	f.Add([]byte("E"))
	// a read-only directory filled, left and entered again; a deep name;
	// a long name (its partial file is cut and hashed)
	b.Reset()
	w.header(Header{Name: "ro", Dir: true, Mode: 0o500})
	w.header(Header{Name: "ro/f", Size: 0, Mode: 0o644})
	w.u8(frameResume)
	w.i64(0)
	w.trailer(make([]byte, 32), 0)
	w.header(Header{Name: "x", Dir: true, Mode: 0o755})
	w.header(Header{Name: "ro/g", Size: 0, Mode: 0o644})
	w.header(Header{Name: strings.Repeat("d/", 300) + "f", Size: 0, Mode: 0o644})
	w.header(Header{Name: strings.Repeat("n", 255), Size: 0, Mode: 0o644})
	w.u8(frameEnd)
	w.Flush()
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		parent := t.TempDir()
		removable(t, parent)
		dst := filepath.Join(parent, "dst")
		os.Mkdir(dst, 0o755)
		sc, rcConn := tcpPair(t)
		done := make(chan error, 1)
		go func() {
			_, err := Receive(context.Background(), rcConn, dst, ReceiveOptions{})
			rcConn.Close()
			done <- err
		}()
		cr := &crafted{c: sc, w: writer{bufio.NewWriter(sc)}, r: reader{bufio.NewReader(sc)}}
		cr.w.hello("sha256")
		cr.w.Write(data)
		cr.w.Flush()
		go func() { cr.r.WriteTo(discard{}) }() // answers
		sc.(interface{ CloseWrite() error }).CloseWrite()
		<-done
		sc.Close()
		for _, p := range listDir(t, parent) {
			if p != dst && !strings.HasPrefix(p, dst+"/") {
				t.Fatalf("wrote %s outside the directory", p)
			}
		}
	})
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// FuzzHeader: the header decoder accepts only what CheckName and the
// field checks allow, and what it accepts encodes back to the same bytes.
func FuzzHeader(f *testing.F) {
	f.Add([]byte("\x00\x01a\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x01\xa4"))
	f.Add([]byte("\x00\x02..\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x01\xa4"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := reader{bufio.NewReader(bytes.NewReader(data))}
		h, err := r.header(frameFile)
		if err != nil {
			return
		}
		if h.Size < -1 || h.Mode&^0o777 != 0 || len(h.Name) > MaxName {
			t.Fatalf("accepted %+v", h)
		}
		var b bytes.Buffer
		w := writer{bufio.NewWriter(&b)}
		w.header(h)
		w.Flush()
		if !bytes.Equal(b.Bytes()[1:], data[:b.Len()-1]) {
			t.Fatalf("re-encoded %q from %q", b.Bytes(), data)
		}
	})
}

// fullWriter fails like a full disk after n bytes.
type fullWriter struct{ n int }

func (w *fullWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		m := w.n
		w.n = 0
		return m, &os.PathError{Op: "write", Path: "out", Err: syscall.ENOSPC}
	}
	w.n -= len(p)
	return len(p), nil
}

// TestWriteErrorTold: a receiver that cannot write ends the session at
// once, and the sender reports the receiver's reason, not a broken pipe.
func TestWriteErrorTold(t *testing.T) {
	src := t.TempDir()
	randomFile(t, src, "f", 8<<20, 0o644)
	items, _ := Collect([]string{filepath.Join(src, "f")}, nil)
	_, serr, _, rerr := transfer(t, items, t.TempDir(), SendOptions{}, ReceiveOptions{Stdout: &fullWriter{n: 1 << 20}})
	if !errors.Is(rerr, syscall.ENOSPC) {
		t.Errorf("Receive = %v", rerr)
	}
	var ref *Refusal
	if !errors.As(serr, &ref) || !ref.Fatal || ref.Code != CodeWriteFailed || !strings.Contains(ref.Msg, "no space left on device") {
		t.Errorf("Send = %v, want the receiver's reason", serr)
	}
}
