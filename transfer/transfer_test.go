package transfer

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTreeWithModes: a directory tree arrives byte-exact with its
// relative paths and permission bits, empty files and directories too.
func TestTreeWithModes(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	big := randomFile(t, src, "tree/big", 9<<20+123, 0o640)
	small := randomFile(t, src, "tree/sub/small", 100, 0o755)
	randomFile(t, src, "tree/empty", 0, 0o600)
	os.Mkdir(filepath.Join(src, "tree/emptydir"), 0o750)
	os.Chmod(filepath.Join(src, "tree/sub"), 0o711)
	os.Symlink("big", filepath.Join(src, "tree/link"))
	var skipped []string
	os.Symlink("tree", filepath.Join(src, "treelink"))
	items, err := Collect([]string{filepath.Join(src, "treelink")}, func(p, why string) { skipped = append(skipped, filepath.Base(p)+": "+why) })
	for i := range items { // sent under the link's name: rename for the checks below
		items[i].Name = "tree" + strings.TrimPrefix(items[i].Name, "treelink")
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) != 1 || skipped[0] != "link: symbolic link" {
		t.Errorf("skipped %q, want the link", skipped)
	}
	sst, serr, rst, rerr := transfer(t, items, dst, SendOptions{}, ReceiveOptions{})
	if serr != nil || rerr != nil {
		t.Fatalf("send %v, receive %v", serr, rerr)
	}
	if sst.Files != 3 || rst.Files != 3 || rst.Bytes != int64(len(big)+len(small)) {
		t.Errorf("stats %+v %+v", sst, rst)
	}
	mustEqualFile(t, filepath.Join(dst, "tree/big"), big)
	mustEqualFile(t, filepath.Join(dst, "tree/sub/small"), small)
	mustEqualFile(t, filepath.Join(dst, "tree/empty"), nil)
	for name, mode := range map[string]os.FileMode{"tree/big": 0o640, "tree/sub/small": 0o755, "tree/empty": 0o600, "tree/sub": 0o711 | os.ModeDir, "tree/emptydir": 0o750 | os.ModeDir} {
		fi, err := os.Stat(filepath.Join(dst, name))
		if err != nil || fi.Mode() != mode {
			t.Errorf("%s: %v, %v; want mode %v", name, fi.Mode(), err, mode)
		}
	}
	if left := listDir(t, dst); len(left) != 6 {
		t.Errorf("receiver holds %q; want 6 entries and no partial file", left)
	}
}

// TestStreamAndStdout: a stream of unknown length arrives whole, into a
// file or to stdout.
func TestStreamAndStdout(t *testing.T) {
	data := bytes.Repeat([]byte("stream me "), 100000)
	dst := t.TempDir()
	items := []Item{{Header: Header{Name: "in.txt", Size: -1, Mode: 0o644}, Stream: bytes.NewReader(data)}}
	if _, serr, _, rerr := transfer(t, items, dst, SendOptions{}, ReceiveOptions{}); serr != nil || rerr != nil {
		t.Fatalf("send %v, receive %v", serr, rerr)
	}
	mustEqualFile(t, filepath.Join(dst, "in.txt"), data)

	var out bytes.Buffer
	items[0].Stream = bytes.NewReader(data)
	if _, serr, _, rerr := transfer(t, items, dst, SendOptions{}, ReceiveOptions{Stdout: &out}); serr != nil || rerr != nil {
		t.Fatalf("send %v, receive %v", serr, rerr)
	}
	if !bytes.Equal(out.Bytes(), data) {
		t.Errorf("stdout got %d bytes, want %d", out.Len(), len(data))
	}
}

// TestResume: a partial file that matches is kept to its last whole
// block; a damaged block and everything after it is sent again.
func TestResume(t *testing.T) {
	for _, tc := range []struct {
		name      string
		held      int   // bytes of the partial file
		damage    int   // offset of a flipped byte, or -1
		wantKept  int64 // bytes the resume keeps
		wantMoved int64
	}{
		{"aligned", 2 * BlockSize, -1, 2 * BlockSize, 3*BlockSize + 5 - 2*BlockSize},
		{"unaligned", 2*BlockSize + 100, -1, 2 * BlockSize, BlockSize + 5},
		{"complete", 3*BlockSize + 5, -1, 3*BlockSize + 5, 0},
		{"damaged", 2 * BlockSize, BlockSize + 7, BlockSize, 2*BlockSize + 5},
		{"longer", 4 * BlockSize, -1, 3*BlockSize + 5, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, dst := t.TempDir(), t.TempDir()
			data := randomFile(t, src, "f", 3*BlockSize+5, 0o644)
			partial := append([]byte(nil), data[:min(tc.held, len(data))]...)
			partial = append(partial, make([]byte, max(0, tc.held-len(data)))...)
			if tc.damage >= 0 {
				partial[tc.damage] ^= 1
			}
			os.WriteFile(filepath.Join(dst, PartialName("f")), partial, 0o600)
			items, _ := Collect([]string{filepath.Join(src, "f")}, nil)
			sst, serr, rst, rerr := transfer(t, items, dst, SendOptions{}, ReceiveOptions{})
			if serr != nil || rerr != nil {
				t.Fatalf("send %v, receive %v", serr, rerr)
			}
			if rst.Kept != tc.wantKept || rst.Bytes != tc.wantMoved || sst.Bytes != tc.wantMoved {
				t.Errorf("kept %d moved %d (sender %d); want %d and %d", rst.Kept, rst.Bytes, sst.Bytes, tc.wantKept, tc.wantMoved)
			}
			mustEqualFile(t, filepath.Join(dst, "f"), data)
			if _, err := os.Stat(filepath.Join(dst, PartialName("f"))); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("partial file left: %v", err)
			}
		})
	}
}

// TestNoOverwrite: an existing file is refused (the others still go),
// and replaced with Force.
func TestNoOverwrite(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	a := randomFile(t, src, "a", 1000, 0o644)
	b := randomFile(t, src, "b", 1000, 0o644)
	os.WriteFile(filepath.Join(dst, "a"), []byte("keep me"), 0o644)
	items, _ := Collect([]string{filepath.Join(src, "a"), filepath.Join(src, "b")}, nil)
	sst, serr, rst, rerr := transfer(t, items, dst, SendOptions{}, ReceiveOptions{})
	var ff *FilesFailed
	if !errors.As(serr, &ff) || !errors.Is(serr, ErrExists) || !strings.Contains(serr.Error(), "a: receiver: a exists") {
		t.Errorf("send error %v", serr)
	}
	if !errors.As(rerr, &ff) || !errors.Is(ff.Errs[0], ErrExists) {
		t.Errorf("receive error %v", rerr)
	}
	if sst.Files != 1 || sst.Failed != 1 || rst.Files != 1 {
		t.Errorf("stats %+v %+v", sst, rst)
	}
	mustEqualFile(t, filepath.Join(dst, "a"), []byte("keep me"))
	mustEqualFile(t, filepath.Join(dst, "b"), b)

	items, _ = Collect([]string{filepath.Join(src, "a")}, nil)
	if _, serr, _, rerr := transfer(t, items, dst, SendOptions{}, ReceiveOptions{Force: true}); serr != nil || rerr != nil {
		t.Fatalf("forced: send %v, receive %v", serr, rerr)
	}
	mustEqualFile(t, filepath.Join(dst, "a"), a)
}

// TestExistingSame: a file already in place with the sender's content
// counts as received (as on a second run after an interrupted tree); one
// of the same size but other content is refused, untouched.
func TestExistingSame(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	a := randomFile(t, src, "a", BlockSize+10, 0o644)
	b := randomFile(t, src, "b", 1000, 0o644)
	os.WriteFile(filepath.Join(dst, "a"), a, 0o644)
	other := bytes.Repeat([]byte("x"), len(b))
	os.WriteFile(filepath.Join(dst, "b"), other, 0o644)
	items, _ := Collect([]string{filepath.Join(src, "a"), filepath.Join(src, "b")}, nil)
	sst, serr, rst, rerr := transfer(t, items, dst, SendOptions{}, ReceiveOptions{})
	var ff *FilesFailed
	if !errors.As(serr, &ff) || len(ff.Errs) != 1 || !strings.Contains(serr.Error(), "b: receiver: b exists") || !errors.As(rerr, &ff) {
		t.Errorf("send %v, receive %v", serr, rerr)
	}
	if sst.Files != 1 || rst.Files != 1 || rst.Kept != int64(len(a)) || sst.Bytes != int64(len(b)) {
		t.Errorf("stats %+v %+v", sst, rst)
	}
	mustEqualFile(t, filepath.Join(dst, "a"), a)
	mustEqualFile(t, filepath.Join(dst, "b"), other)
}

// TestOutput: -o writes the one file to its path, whatever its name, and
// refuses a second.
func TestOutput(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	a := randomFile(t, src, "a", 5000, 0o644)
	randomFile(t, src, "b", 10, 0o644)
	out := filepath.Join(dst, "renamed.bin")
	items, _ := Collect([]string{filepath.Join(src, "a")}, nil)
	if _, serr, _, rerr := transfer(t, items, dst, SendOptions{}, ReceiveOptions{Output: out}); serr != nil || rerr != nil {
		t.Fatalf("send %v, receive %v", serr, rerr)
	}
	mustEqualFile(t, out, a)
	items, _ = Collect([]string{filepath.Join(src, "a"), filepath.Join(src, "b")}, nil)
	_, serr, _, rerr := transfer(t, items, dst, SendOptions{}, ReceiveOptions{Output: filepath.Join(dst, "two")})
	if rerr == nil || !strings.Contains(rerr.Error(), "takes one file") || serr == nil || !strings.Contains(serr.Error(), "takes one file") {
		t.Errorf("two files to -o: send %v, receive %v", serr, rerr)
	}
}

// TestRate: the sender keeps to its rate.
func TestRate(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	randomFile(t, src, "f", 600<<10, 0o644)
	items, _ := Collect([]string{filepath.Join(src, "f")}, nil)
	start := time.Now()
	if _, serr, _, rerr := transfer(t, items, dst, SendOptions{Rate: 1 << 20}, ReceiveOptions{}); serr != nil || rerr != nil {
		t.Fatalf("send %v, receive %v", serr, rerr)
	}
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("600 KiB at 1 MiB/s took %v", d)
	}
}

// TestCancel: cancelling the sender ends both sides and keeps the
// partial file.
func TestCancel(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	randomFile(t, src, "f", 4<<20, 0o644)
	items, _ := Collect([]string{filepath.Join(src, "f")}, nil)
	sc, rcConn := tcpPair(t)
	done := make(chan error, 1)
	go func() {
		_, err := Receive(context.Background(), rcConn, dst, ReceiveOptions{})
		done <- err
	}()
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("stop")
	time.AfterFunc(300*time.Millisecond, func() { cancel(stop) })
	if _, err := Send(ctx, sc, items, SendOptions{Rate: 1 << 20}); !errors.Is(err, stop) {
		t.Errorf("Send = %v, want the cause", err)
	}
	if err := <-done; err == nil || !strings.Contains(err.Error(), "ended in the middle") {
		t.Errorf("Receive = %v", err)
	}
	fi, err := os.Stat(filepath.Join(dst, PartialName("f")))
	if err != nil || fi.Size() == 0 {
		t.Errorf("partial file: %v", err)
	}
}
