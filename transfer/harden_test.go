package transfer

// A receiver against a hostile or careless sender (issue 12, section 2):
// directory modes, special files, memory, deep trees, long names, a
// partial file swapped mid-transfer, and a header cut short.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// receiveWithin is receiveFrom with a deadline: a receiver that is not
// done by then fails the test instead of hanging it.
func receiveWithin(t *testing.T, d time.Duration, dir string, o ReceiveOptions, speak func(cr *crafted)) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	sc, rcConn := tcpPair(t)
	done := make(chan error, 1)
	go func() {
		_, err := Receive(ctx, rcConn, dir, o)
		rcConn.Close()
		done <- err
	}()
	speak(newCrafted(t, sc))
	sc.Close()
	err := <-done
	if ctx.Err() != nil {
		t.Fatalf("the receiver was not done within %v: %v", d, err)
	}
	return err
}

// sendFile plays the sender of one whole file (data from offset 0) and
// returns the receiver's refusal, or nil when it took the file.
func (cr *crafted) sendFile(t testing.TB, name string, data []byte, mode fs.FileMode) *Refusal {
	t.Helper()
	cr.w.header(Header{Name: name, Size: int64(len(data)), Mode: mode})
	if err := cr.w.Flush(); err != nil {
		t.Fatal(err)
	}
	if ref := cr.answer(t, frameAccept); ref != nil {
		return ref
	}
	if _, _, err := cr.r.accept(int64(len(data)), 32); err != nil {
		t.Fatal(err)
	}
	cr.w.u8(frameResume)
	cr.w.i64(0)
	cr.w.Write(data)
	cr.w.trailer(digestOf(data), int64(len(data)))
	if err := cr.w.Flush(); err != nil {
		t.Fatal(err)
	}
	return cr.answer(t, frameOK)
}

// answer reads the receiver's answer: nil for ok, or its refusal.
func (cr *crafted) answer(t testing.TB, ok byte) *Refusal {
	t.Helper()
	ft, err := cr.r.frameType()
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	switch ft {
	case ok:
		return nil
	case frameRefuse:
		ref, err := cr.r.refusal()
		if err != nil {
			t.Fatal(err)
		}
		return ref
	}
	t.Fatalf("frame %q, want %q", ft, ok)
	return nil
}

// end ends the session and checks the receiver's OK.
func (cr *crafted) end(t testing.TB) {
	t.Helper()
	cr.w.u8(frameEnd)
	cr.w.Flush()
	if ref := cr.answer(t, frameOK); ref != nil {
		t.Errorf("end refused: %v", ref)
	}
}

// digestOf is the SHA-256 digest tree of data.
func digestOf(data []byte) []byte {
	tr := newTree(Hash{}.orDefault(), nil)
	tr.Write(data)
	return tr.Sum()
}

// withUmask runs the test under umask m.
func withUmask(t *testing.T, m int) {
	old := syscall.Umask(m)
	t.Cleanup(func() { syscall.Umask(old) })
}

// removable makes every directory under dir writable again when the
// test ends, so that t.TempDir can remove the read-only ones a test
// received (root needs no such help).
func removable(t testing.TB, dir string) {
	t.Cleanup(func() {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				os.Chmod(p, 0o700)
			}
			return nil
		})
	})
}

func modeOf(t *testing.T, p string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()
}

// TestDirModes: a directory header never changes a directory that was
// there before (sockit send host .ssh must not open up ~/.ssh); the
// directories recv creates get the sender's modes under the umask, and
// a read-only one is still filled. Files' modes are masked too.
func TestDirModes(t *testing.T) {
	withUmask(t, 0o022)
	dst := t.TempDir()
	removable(t, dst)
	os.Mkdir(filepath.Join(dst, ".ssh"), 0o700)
	err := receiveWithin(t, time.Minute, dst, ReceiveOptions{}, func(cr *crafted) {
		// in the order of a depth-first walk, as send sends a tree
		for _, h := range []Header{
			{Name: ".ssh", Dir: true, Mode: 0o777}, {Name: ".ssh/authorized_keys", Mode: 0o666},
			{Name: "new", Dir: true, Mode: 0o777}, {Name: "new/g", Mode: 0o666},
			{Name: "new/ro", Dir: true, Mode: 0o555}, {Name: "new/ro/f", Mode: 0o666},
		} {
			if h.Dir {
				cr.w.header(h)
			} else if ref := cr.sendFile(t, h.Name, []byte("data"), h.Mode); ref != nil {
				t.Errorf("%s refused: %v", h.Name, ref)
			}
		}
		cr.end(t)
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]fs.FileMode{
		".ssh": fs.ModeDir | 0o700, "new": fs.ModeDir | 0o755, "new/ro": fs.ModeDir | 0o555,
		".ssh/authorized_keys": 0o644, "new/ro/f": 0o644, "new/g": 0o644,
	} {
		if got := modeOf(t, filepath.Join(dst, name)); got != want {
			t.Errorf("%s: mode %v, want %v", name, got, want)
		}
	}
}

// TestNotRegularTarget: a FIFO, a socket or a symbolic link at the
// final or the partial name is refused at once, --force or not, and
// left as it is; recv never opens it (a FIFO would block it for ever).
func TestNotRegularTarget(t *testing.T) {
	for _, force := range []bool{false, true} {
		dst := t.TempDir()
		fifo := filepath.Join(dst, "fifo")
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Fatal(err)
		}
		syscall.Mkfifo(filepath.Join(dst, PartialName("pfifo")), 0o600)
		os.WriteFile(filepath.Join(dst, "target"), []byte("other"), 0o644)
		os.Symlink("target", filepath.Join(dst, "link"))
		// a receiver stuck in open() is let go after a while, so that
		// the test fails rather than hangs
		watchdog := time.AfterFunc(20*time.Second, func() {
			for _, p := range []string{fifo, filepath.Join(dst, PartialName("pfifo"))} {
				if fd, err := syscall.Open(p, syscall.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
					syscall.Close(fd)
				}
			}
		})
		err := receiveWithin(t, time.Minute, dst, ReceiveOptions{Force: force}, func(cr *crafted) {
			for name, want := range map[string]string{
				"fifo": "fifo exists (not a regular file)", "link": "link exists (not a regular file)",
				"pfifo": PartialName("pfifo") + " exists (not a regular file)",
			} {
				ref := cr.sendFile(t, name, []byte("data"), 0o644)
				if ref == nil || ref.Fatal || ref.Code != CodeNotRegular || !strings.Contains(ref.Msg, want) {
					t.Errorf("force %v: %s: refusal %+v, want %q", force, name, ref, want)
				}
			}
			cr.end(t)
		})
		watchdog.Stop()
		var ff *FilesFailed
		if !errors.As(err, &ff) || len(ff.Errs) != 3 {
			t.Errorf("force %v: Receive = %v", force, err)
		}
		if m := modeOf(t, fifo); m.Type() != fs.ModeNamedPipe {
			t.Errorf("fifo is now %v", m)
		}
		if m := modeOf(t, filepath.Join(dst, "link")); m.Type() != fs.ModeSymlink {
			t.Errorf("link is now %v", m)
		}
		mustEqualFile(t, filepath.Join(dst, "target"), []byte("other"))
	}
}

// TestDirHeadersMemory: what a receiver keeps does not grow with the
// directory headers sent: 10,000 headers of 4 KB names (40 MB) leave
// the heap about where it was (it held them all: 40 MB more).
func TestDirHeadersMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 40 MB of headers")
	}
	dst := t.TempDir()
	prefix := strings.Repeat("p"+strings.Repeat("x", 250)+"/", 15)
	var before, after runtime.MemStats
	err := receiveWithin(t, 5*time.Minute, dst, ReceiveOptions{}, func(cr *crafted) {
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range 10000 {
			// read-only directories: their modes wait until the sender
			// leaves them
			cr.w.header(Header{Name: prefix + fmt.Sprintf("%0250d", i), Dir: true, Mode: 0o500})
		}
		// the answer to a file comes once every header before it is done
		if ref := cr.sendFile(t, "sync", nil, 0o644); ref != nil {
			t.Fatalf("sync refused: %v", ref)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		cr.end(t)
	})
	if err != nil {
		t.Fatal(err)
	}
	grown := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	if grown > 16<<20 {
		t.Errorf("the heap grew by %d MB over 40 MB of directory headers", grown>>20)
	}
	t.Logf("heap grown by %d KB", grown>>10)
	last := filepath.Join(dst, prefix, fmt.Sprintf("%0250d", 9999))
	if m := modeOf(t, last); m != fs.ModeDir|0o500 {
		t.Errorf("last directory: mode %v", m)
	}
}

// TestDeepTree: a tree 1000 directories deep, with a file at every
// level, arrives whole (it took minutes when every file re-walked its
// path from the top).
func TestDeepTree(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	deep := filepath.Join(src, "d"+strings.Repeat("/d", 999))
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	for p := deep; p != src; p = filepath.Dir(p) {
		if err := os.WriteFile(filepath.Join(p, "f"), []byte(p[len(src):]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	items, err := Collect([]string{filepath.Join(src, "d")}, nil)
	if err != nil || len(items) != 2000 {
		t.Fatalf("%d items, %v", len(items), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sc, rcConn := tcpPair(t)
	done := make(chan error, 1)
	go func() {
		_, err := Receive(ctx, rcConn, dst, ReceiveOptions{})
		rcConn.Close()
		done <- err
	}()
	st, serr := Send(ctx, sc, items, SendOptions{})
	sc.Close()
	rerr := <-done
	if ctx.Err() != nil {
		t.Fatalf("not done within the deadline: %v, %v", serr, rerr)
	}
	if serr != nil || rerr != nil || st.Files != 1000 {
		t.Fatalf("send %+v %v, receive %v", st, serr, rerr)
	}
	// the path is longer than some tools like: check through a root
	root, err := os.OpenRoot(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	for _, rel := range []string{"d/f", "d" + strings.Repeat("/d", 499) + "/f", "d" + strings.Repeat("/d", 999) + "/f"} {
		got, err := root.ReadFile(rel)
		if err != nil || string(got) != "/"+path.Dir(rel) {
			t.Errorf("%.20s...: %q, %v", rel, got, err)
		}
	}
}

// TestDeepHeaders: headers whose names are 2048 directories deep (4 KB,
// the longest a name may be) cost little: files, a directory, and files
// in the directories on the way back up (each cost seconds when every
// name was walked again from the top for each of its directories).
func TestDeepHeaders(t *testing.T) {
	dst := t.TempDir()
	err := receiveWithin(t, 45*time.Second, dst, ReceiveOptions{}, func(cr *crafted) {
		for _, top := range "abcdefgh" {
			name := strings.Repeat(string(top)+"/", 2047) + "x"
			if ref := cr.sendFile(t, name, []byte(name[:10]), 0o644); ref != nil {
				t.Fatalf("refused: %v", ref)
			}
		}
		cr.w.header(Header{Name: strings.Repeat("e/", 2047) + "e", Dir: true, Mode: 0o700})
		for depth := 2047; depth > 0; depth -= 511 {
			if ref := cr.sendFile(t, strings.Repeat("e/", depth)+"y", nil, 0o644); ref != nil {
				t.Fatalf("refused: %v", ref)
			}
		}
		cr.end(t)
	})
	if err != nil {
		t.Fatal(err)
	}
	root, _ := os.OpenRoot(dst)
	defer root.Close()
	if got, err := root.ReadFile(strings.Repeat("c/", 2047) + "x"); err != nil || string(got) != "c/c/c/c/c/" {
		t.Errorf("deep file: %q, %v", got, err)
	}
	if _, err := root.Lstat(strings.Repeat("e/", 1025) + "y"); err != nil {
		t.Error(err)
	}
}

// TestLongNames: names of 240 to 255 bytes are valid, and arrive through
// a partial file whose name fits (a longer name is cut and hashed); a
// resume finds the same partial file again.
func TestLongNames(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	var names []string
	for _, n := range []int{239, 240, 250, 255} {
		names = append(names, strings.Repeat("n", n))
	}
	names = append(names, strings.Repeat("é", 127)+"x") // 255 bytes, cut inside no rune
	var paths []string
	for _, n := range names {
		randomFile(t, src, n, 100, 0o644)
		paths = append(paths, filepath.Join(src, n))
	}
	// one arrives after an interruption: its partial file holds a block
	big := randomFile(t, src, "sub/"+strings.Repeat("b", 255), BlockSize+5, 0o644)
	os.Mkdir(filepath.Join(dst, "sub"), 0o755)
	os.WriteFile(filepath.Join(dst, PartialName("sub/"+strings.Repeat("b", 255))), big[:BlockSize], 0o600)
	paths = append(paths, filepath.Join(src, "sub"))
	items, err := Collect(paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, serr, rst, rerr := transfer(t, items, dst, SendOptions{}, ReceiveOptions{})
	if serr != nil || rerr != nil {
		t.Fatalf("send %v, receive %v", serr, rerr)
	}
	if rst.Files != 6 || rst.Kept != BlockSize {
		t.Errorf("stats %+v, want 6 files and a block kept", rst)
	}
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dst, n)); err != nil {
			t.Error(err)
		}
	}
	mustEqualFile(t, filepath.Join(dst, "sub", strings.Repeat("b", 255)), big)
	if left := listDir(t, dst); len(left) != 7 {
		t.Errorf("receiver holds %d entries (a partial file left?)", len(left))
	}
}

// FuzzPartialName: every valid name has a partial name in the same
// directory whose last element fits in 255 bytes, is valid UTF-8, looks
// like a partial file, and is its own.
func FuzzPartialName(f *testing.F) {
	f.Add("a")
	f.Add("dir/" + strings.Repeat("n", 255))
	f.Add(strings.Repeat("é", 127) + "x")
	f.Add(strings.Repeat("日", 85))
	f.Fuzz(func(t *testing.T, name string) {
		if CheckName(name) != nil {
			return
		}
		p := PartialName(name)
		dir, base := path.Split(p)
		switch {
		case len(base) > 255:
			t.Fatalf("%q: partial element of %d bytes", name, len(base))
		case dir != name[:len(name)-len(path.Base(name))]:
			t.Fatalf("%q: partial %q in another directory", name, p)
		case !isPartialName(p), CheckName(p) != nil:
			t.Fatalf("%q: partial %q is not a partial name", name, p)
		case PartialName(name) != p:
			t.Fatalf("%q: partial name not stable", name)
		}
		if other := name + "y"; CheckName(other) == nil && PartialName(other) == p {
			t.Fatalf("%q and %q share partial %q", name, other, p)
		}
	})
}

// TestPartialSwapped: a partial file that another local process swaps
// for a symbolic link while the data arrives is not renamed into place
// nor reported verified.
func TestPartialSwapped(t *testing.T) {
	dst := t.TempDir()
	os.WriteFile(filepath.Join(dst, "target"), []byte("other"), 0o644)
	partial := filepath.Join(dst, PartialName("f"))
	err := receiveWithin(t, time.Minute, dst, ReceiveOptions{}, func(cr *crafted) {
		data := []byte("hello")
		cr.w.header(Header{Name: "f", Size: 5, Mode: 0o644})
		cr.w.Flush()
		if ref := cr.answer(t, frameAccept); ref != nil {
			t.Fatal(ref)
		}
		cr.r.accept(5, 32)
		// the receiver holds the partial file open: swap it
		if err := os.Rename(partial, filepath.Join(dst, "moved")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("target", partial); err != nil {
			t.Fatal(err)
		}
		cr.w.u8(frameResume)
		cr.w.i64(0)
		cr.w.Write(data)
		cr.w.trailer(digestOf(data), 5)
		cr.w.Flush()
		ref := cr.answer(t, frameOK)
		if ref == nil || ref.Fatal || ref.Code != CodeChanged || !strings.Contains(ref.Msg, "not the file written") {
			t.Errorf("refusal %+v", ref)
		}
		cr.end(t)
	})
	var ff *FilesFailed
	if !errors.As(err, &ff) {
		t.Errorf("Receive = %v", err)
	}
	if _, err := os.Lstat(filepath.Join(dst, "f")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("f was put in place: %v", err)
	}
	if m := modeOf(t, partial); m.Type() != fs.ModeSymlink {
		t.Errorf("the link was touched: %v", m)
	}
	mustEqualFile(t, filepath.Join(dst, "target"), []byte("other"))
}

// TestCutInHeader: a sender that closes in the middle of a header is
// named as such, not as a bare "unexpected EOF".
func TestCutInHeader(t *testing.T) {
	for _, cut := range []string{"F", "F\x00\x10abc", "D\x00\x01d\x00\x00\x00\x00"} {
		err := receiveWithin(t, time.Minute, t.TempDir(), ReceiveOptions{}, func(cr *crafted) {
			cr.w.WriteString(cut)
			cr.w.Flush()
		})
		if !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), "the sender closed the connection in the middle of a file header") {
			t.Errorf("%q: Receive = %v", cut, err)
		}
	}
}

// TestFailuresBounded: a sender whose every file fails does not make
// the receiver keep every error: the count is exact, the list capped.
func TestFailuresBounded(t *testing.T) {
	err := receiveWithin(t, 2*time.Minute, t.TempDir(), ReceiveOptions{}, func(cr *crafted) {
		for i := range 5000 {
			cr.w.header(Header{Name: fmt.Sprintf(".%0200d.sockit-partial", i), Size: 1, Mode: 0o644})
			cr.w.Flush()
			if ref := cr.answer(t, frameAccept); ref == nil {
				t.Fatal("a partial name was accepted")
			}
		}
		cr.end(t)
	})
	var ff *FilesFailed
	if !errors.As(err, &ff) || len(ff.Errs) > 100 || !strings.HasPrefix(err.Error(), "5000 files failed; the first: ") {
		t.Errorf("Receive = %.100v", err)
	}
}

// funcProgress calls its funcs, when set.
type funcProgress struct {
	begin func(Header, Phase)
	add   func(int64)
	end   func(Header)
}

func (o funcProgress) Begin(h Header, p Phase, done, total int64) {
	if o.begin != nil {
		o.begin(h, p)
	}
}

func (o funcProgress) Add(n int64) {
	if o.add != nil {
		o.add(n)
	}
}

func (o funcProgress) End(h Header, r Result) {
	if o.end != nil {
		o.end(h)
	}
}

// TestCancelStopsAtOnce: a cancelled receiver (SIGINT) does not go on
// with the frames it has already read, nor finish checking a large
// partial file first.
func TestCancelStopsAtOnce(t *testing.T) {
	t.Run("frames", func(t *testing.T) {
		dst := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		sc, rcConn := tcpPair(t)
		done := make(chan error, 1)
		go func() {
			_, err := Receive(ctx, rcConn, dst, ReceiveOptions{Progress: funcProgress{end: func(Header) { cancel() }}})
			done <- err
		}()
		cr := newCrafted(t, sc)
		// the file and the headers after it arrive together
		cr.w.header(Header{Name: "f", Size: 1, Mode: 0o644})
		cr.w.Flush()
		cr.answer(t, frameAccept)
		cr.r.accept(1, 32)
		cr.w.u8(frameResume)
		cr.w.i64(0)
		cr.w.WriteString("x")
		cr.w.trailer(digestOf([]byte("x")), 1)
		for i := range 100 {
			cr.w.header(Header{Name: fmt.Sprintf("d%d", i), Dir: true, Mode: 0o755})
		}
		cr.w.Flush()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Receive = %v", err)
		}
		if left := listDir(t, dst); len(left) != 1 {
			t.Errorf("went on after the cancel: %d entries", len(left))
		}
	})
	t.Run("check", func(t *testing.T) {
		dst := t.TempDir()
		os.WriteFile(filepath.Join(dst, PartialName("f")), make([]byte, 3*BlockSize), 0o600)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var checked int64
		obs := funcProgress{begin: func(_ Header, p Phase) {
			if p == Checking {
				cancel()
			}
		}, add: func(n int64) { checked += n }}
		sc, rcConn := tcpPair(t)
		done := make(chan error, 1)
		go func() {
			_, err := Receive(ctx, rcConn, dst, ReceiveOptions{Progress: obs})
			done <- err
		}()
		cr := newCrafted(t, sc)
		cr.w.header(Header{Name: "f", Size: 4 * BlockSize, Mode: 0o644})
		cr.w.Flush()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Receive = %v", err)
		}
		if checked >= 3*BlockSize {
			t.Errorf("checked all %d bytes after the cancel", checked)
		}
	})
}

// TestTreeChangedUnderneath: a directory on the path swapped for a
// symbolic link between two headers refuses the file below it, and the
// receiver goes on with the others.
func TestTreeChangedUnderneath(t *testing.T) {
	dst := t.TempDir()
	removable(t, dst)
	err := receiveWithin(t, time.Minute, dst, ReceiveOptions{}, func(cr *crafted) {
		cr.w.header(Header{Name: "x", Dir: true, Mode: 0o755})
		cr.w.header(Header{Name: "x/y", Dir: true, Mode: 0o500})
		cr.w.header(Header{Name: "x/y/z", Dir: true, Mode: 0o755})
		if ref := cr.sendFile(t, "x/y/z/s", nil, 0o644); ref != nil {
			t.Fatal(ref)
		}
		os.Rename(filepath.Join(dst, "x"), filepath.Join(dst, "x2"))
		os.Symlink("x2", filepath.Join(dst, "x"))
		if ref := cr.sendFile(t, "x/y/f", nil, 0o644); ref == nil || !strings.Contains(ref.Msg, "x is a symbolic link") {
			t.Errorf("refusal %+v", ref)
		}
		if ref := cr.sendFile(t, "q", []byte("q"), 0o644); ref != nil {
			t.Errorf("q refused: %v", ref)
		}
		cr.end(t)
	})
	var ff *FilesFailed
	if !errors.As(err, &ff) || ff.Count() != 1 {
		t.Errorf("Receive = %v", err)
	}
	mustEqualFile(t, filepath.Join(dst, "q"), []byte("q"))
	if _, err := os.Lstat(filepath.Join(dst, "x2/y/f")); err == nil {
		t.Error("written through the link")
	}
}

// FuzzDirWalk: any sequence of directories and files, in any order, at
// any depth, with directories swapped for links under the walk, never
// panics, holds few directories open, and enters the directory named.
func FuzzDirWalk(f *testing.F) {
	f.Add([]byte{0, 40, 1, 35, 4, 33, 2, 10, 1, 3, 0, 0})
	f.Add([]byte{4, 2, 4, 3, 1, 1, 6, 2, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		removable(t, dir)
		root, err := os.OpenRoot(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		w := newDirWalk(root)
		defer w.close()
		for i := 0; i+1 < len(data); i += 2 {
			op, n := data[i], 1+int(data[i+1])%40
			var parts []string
			for j := range n {
				parts = append(parts, string(rune('a'+(int(op>>3)>>(j%5))&1)))
			}
			name := strings.Join(parts, "/")
			switch op % 4 {
			case 0, 1:
				mode := fs.FileMode(0o755)
				if op&4 != 0 {
					mode = 0o500
				}
				if err := w.enterDir(name, mode); err != nil {
					continue
				}
				if fi, err := root.Lstat(name); err != nil || !fi.IsDir() {
					t.Fatalf("entered %s: %v", name, err)
				}
			case 2:
				w.enterFile(name + "/f")
			case 3: // another process swaps a directory for a link
				if fi, err := root.Lstat(name); err == nil && fi.IsDir() {
					root.Rename(name, name+"-moved")
					root.Symlink(path.Base(name)+"-moved", name)
				}
			}
			held := 0
			for _, r := range w.open {
				if r != nil {
					held++
				}
			}
			if held > len(w.path)/keepEvery+1 || len(w.owed) > len(w.path) {
				t.Fatalf("at depth %d: %d directories held, %d modes owed", len(w.path), held, len(w.owed))
			}
		}
		if err := w.finish(); err != nil {
			t.Logf("modes: %v", err)
		}
	})
}
