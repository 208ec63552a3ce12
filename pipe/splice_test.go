package pipe

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// TestPipeInputCounts sends a pipe (a shell pipeline's stdin, which Conn
// splices into the socket itself) through Join in both of its send loops,
// over TCP and Unix, with and without options that force user-space
// copies, and checks the bytes and the counters.
func TestPipeInputCounts(t *testing.T) {
	const size = 3<<20 + 4321
	data := bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstu\n"), size/32+1)[:size]
	for _, pc := range []struct {
		name string
		pair func(testing.TB) (net.Conn, net.Conn)
	}{{"tcp", tcpPair}, {"unix", unixPair}} {
		for _, oc := range []struct {
			name string
			o    Options
		}{
			{"plain", Options{}},
			{"idle-timeout", Options{IdleTimeout: time.Minute}},
			{"tap", Options{Tap: func(int64, Direction, []byte) {}}},
		} {
			for _, jc := range []struct {
				name string
				o    JoinOptions
			}{{"until-idle", JoinOptions{StopAtPeerEnd: true}}, {"default", JoinOptions{}}} {
				t.Run(pc.name+"/"+oc.name+"/"+jc.name, func(t *testing.T) {
					a, peer := pc.pair(t)
					r, w := openPipe(t)
					c := wrap(t, a, oc.o)
					got := make(chan []byte, 1)
					go func() { b, _ := io.ReadAll(peer); got <- b }()
					res := make(chan error, 1)
					go func() { res <- Join(context.Background(), c, r, io.Discard, jc.o) }()
					go func() { w.Write(data); w.Close() }()
					b := <-got // ends at Join's half-close after input EOF
					peer.Close()
					select {
					case err := <-res:
						if err != nil {
							t.Fatalf("Join = %v", err)
						}
					case <-time.After(10 * time.Second):
						t.Fatal("Join did not return")
					}
					if !bytes.Equal(b, data) {
						t.Fatalf("peer got %d bytes, want %d (equal: %v)", len(b), len(data), bytes.Equal(b, data[:min(len(b), len(data))]))
					}
					if c.BytesOut() != size {
						t.Errorf("BytesOut = %d, want %d", c.BytesOut(), size)
					}
				})
			}
		}
	}
}

// TestPipeInputIdleTimeout: a connection whose pipe input is spliced
// still times out when nothing moves.
func TestPipeInputIdleTimeout(t *testing.T) {
	a, peer := tcpPair(t)
	r, w := openPipe(t)
	c := wrap(t, a, Options{IdleTimeout: 200 * time.Millisecond})
	w.Write([]byte("before the silence"))
	res := make(chan error, 1)
	go func() { res <- Join(context.Background(), c, r, io.Discard, JoinOptions{}) }()
	buf := make([]byte, 18)
	if _, err := io.ReadFull(peer, buf); err != nil || string(buf) != "before the silence" {
		t.Fatalf("peer read %q, %v", buf, err)
	}
	select {
	case err := <-res:
		if !errors.Is(err, ErrIdleTimeout) {
			t.Fatalf("Join = %v, want an idle timeout", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Join did not time out")
	}
	if c.BytesOut() != 18 {
		t.Errorf("BytesOut = %d, want 18", c.BytesOut())
	}
}
