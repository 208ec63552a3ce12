package pipe

import (
	"errors"
	"io"
	"testing"
	"time"
)

// TestFeedHandsOnWithoutLoss: a stopped reader takes nothing more, the
// next reader gets what was read meanwhile, and the input's EOF comes
// after all was handed out.
func TestFeedHandsOnWithoutLoss(t *testing.T) {
	pr, pw := io.Pipe()
	f := NewFeed(pr)
	r1 := f.Reader()
	go pw.Write([]byte("one"))
	buf := make([]byte, 10)
	n, err := r1.Read(buf)
	if err != nil || string(buf[:n]) != "one" || r1.Handed() != 3 {
		t.Fatalf("first read: %q, %v, handed %d", buf[:n], err, r1.Handed())
	}
	blocked := make(chan error)
	go func() { _, err := r1.Read(buf); blocked <- err }()
	time.Sleep(10 * time.Millisecond) // let it block; Stop must wake it either way
	r1.Stop()
	if err := <-blocked; !errors.Is(err, errFeedStopped) {
		t.Fatalf("stopped read: %v", err)
	}
	pw.Write([]byte("two"))
	pw.Close()
	if _, err := r1.Read(buf); !errors.Is(err, errFeedStopped) {
		t.Fatalf("read after stop: %v", err)
	}
	r2 := f.Reader()
	got, err := io.ReadAll(r2)
	if err != nil || string(got) != "two" || !f.Done() {
		t.Fatalf("second reader: %q, %v, done %v", got, err, f.Done())
	}
}
