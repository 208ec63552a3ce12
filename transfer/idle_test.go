package transfer

import (
	"context"
	"crypto/sha256"
	"hash"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"sockit/pipe"
)

// slowHash is SHA-256 that takes 10 ms per write, as a slow disk would.
type slowHash struct{ hash.Hash }

func (h slowHash) Write(p []byte) (int, error) {
	time.Sleep(10 * time.Millisecond)
	return h.Hash.Write(p)
}

// TestIdleHeldWhileChecking: the time both sides spend checking a partial
// file is not idle time, though no byte moves meanwhile.
func TestIdleHeldWhileChecking(t *testing.T) {
	src, dst := t.TempDir(), t.TempDir()
	data := randomFile(t, src, "f", 3*BlockSize+5, 0o644)
	os.WriteFile(filepath.Join(dst, PartialName("f")), data[:3*BlockSize], 0o600)
	items, _ := Collect([]string{filepath.Join(src, "f")}, nil)
	slow := Hash{Name: "slow", New: func() hash.Hash { return slowHash{sha256.New()} }}
	a, b := tcpPair(t)
	wrap := func(c net.Conn) *pipe.Conn {
		w, err := pipe.Wrap(c, pipe.Options{IdleTimeout: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		return w
	}
	sc, rcConn := wrap(a), wrap(b)
	done := make(chan error, 1)
	go func() {
		_, err := Receive(context.Background(), rcConn, dst, ReceiveOptions{Hash: slow})
		done <- err
	}()
	st, err := Send(context.Background(), sc, items, SendOptions{Hash: slow})
	if err != nil || st.Kept != 3*BlockSize {
		t.Errorf("Send = %+v, %v", st, err)
	}
	if err := <-done; err != nil {
		t.Errorf("Receive = %v", err)
	}
	mustEqualFile(t, filepath.Join(dst, "f"), data)
}
