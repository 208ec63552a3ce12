package udp

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/ipv4"
)

// The shape of scripts/bench.sh's case 10, in process: 8 sockets send
// 64-byte datagrams, each keeping 16 unanswered. Compare the two:
//
//	go test ./udp -run '^$' -bench Echo
func BenchmarkEcho(b *testing.B) {
	benchEcho(b, func(ctx context.Context, c *net.UDPConn) { Echo(ctx, c, EchoOptions{}, nil) })
}

// BenchmarkEchoReadFrom is the bare Go server: ReadFrom, WriteTo, one
// goroutine.
func BenchmarkEchoReadFrom(b *testing.B) {
	benchEcho(b, func(ctx context.Context, c *net.UDPConn) {
		context.AfterFunc(ctx, func() { c.Close() })
		buf := make([]byte, slotSize)
		for {
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err == nil {
				c.WriteToUDPAddrPort(buf[:n], from)
			}
		}
	})
}

func benchEcho(b *testing.B, serve func(context.Context, *net.UDPConn)) {
	const senders, window = 8, 16
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var served sync.WaitGroup
	served.Go(func() { serve(ctx, c) })
	defer func() { cancel(); served.Wait() }()
	to := c.LocalAddr().(*net.UDPAddr)
	var lost atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for s := range senders {
		n := b.N / senders
		if s < b.N%senders {
			n++
		}
		cl, err := net.DialUDP("udp4", nil, to)
		if err != nil {
			b.Fatal(err)
		}
		defer cl.Close()
		wg.Go(func() { lost.Add(windowed(cl, n, window)) })
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "datagrams/s")
	b.ReportMetric(float64(lost.Load())/float64(b.N), "lost/op")
}

// windowed sends n 64-byte datagrams on c, at most window unanswered, in
// batches (as loadgen does: the client costs little, the server is
// measured), and returns how many were given up (no reply within 100ms).
func windowed(c *net.UDPConn, n, window int) int64 {
	pc := ipv4.NewPacketConn(c)
	out, in := make([]ipv4.Message, window), make([]ipv4.Message, window)
	for i := range out {
		out[i].Buffers = [][]byte{make([]byte, 64)}
		in[i].Buffers = [][]byte{make([]byte, 128)}
	}
	sent, done, lost := 0, 0, int64(0)
	for done < n {
		if k := min(n-sent, window-(sent-done)); k > 0 {
			m, _ := pc.WriteBatch(out[:k], 0)
			sent += max(m, 0)
		}
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		m, err := pc.ReadBatch(in, 0)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			lost += int64(sent - done)
			done = sent
			continue
		}
		done += max(m, 0)
	}
	return lost
}
