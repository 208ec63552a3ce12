package udp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/ipv4"

	"sockit/pipe"
)

// startEcho runs Echo on a fresh loopback socket and returns its address
// and stats; the server stops at the end of the test.
func startEcho(t *testing.T, o EchoOptions) (*net.UDPAddr, *EchoStats) {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stats := new(EchoStats)
	done := make(chan error, 1)
	go func() { done <- Echo(ctx, c, o, stats) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Echo returned %v, want context.Canceled", err)
		}
	})
	return c.LocalAddr().(*net.UDPAddr), stats
}

// client is a UDP socket talking to the server at to.
func client(t *testing.T, to *net.UDPAddr) *net.UDPConn {
	t.Helper()
	c, err := net.DialUDP("udp", nil, to)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip sends p and waits for the reply, which must be p.
func roundTrip(t *testing.T, c *net.UDPConn, p []byte) {
	t.Helper()
	if _, err := c.Write(p); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, slotSize+1)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("reply to %d bytes: %v", len(p), err)
	}
	if !bytes.Equal(buf[:n], p) {
		t.Fatalf("reply of %d bytes to %d bytes differs", n, len(p))
	}
}

func TestEchoSizes(t *testing.T) {
	to, stats := startEcho(t, EchoOptions{})
	c := client(t, to)
	var total int64
	for _, n := range []int{0, 1, 64, 1400, 60000, MaxDatagram} {
		p := bytes.Repeat([]byte{byte(n)}, n)
		roundTrip(t, c, p)
		total += int64(n)
	}
	// a reader counts a batch once it is sent, so the last reply may
	// come before its count
	for deadline := time.Now().Add(5 * time.Second); stats.Datagrams.Load() < 6 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if got := stats.Datagrams.Load(); got != 6 {
		t.Errorf("Datagrams = %d, want 6", got)
	}
	if got := stats.Bytes.Load(); got != total {
		t.Errorf("Bytes = %d, want %d", got, total)
	}
}

// Many peers at once, several readers: each peer gets exactly its own
// datagrams back, in any order (UDP on loopback loses none at this rate).
func TestEchoManyPeers(t *testing.T) {
	to, _ := startEcho(t, EchoOptions{Readers: 3, Batch: 4})
	const peers, each = 20, 50
	var wg sync.WaitGroup
	errs := make(chan error, peers)
	for p := range peers {
		c := client(t, to)
		wg.Go(func() {
			want := map[string]bool{}
			for i := range each {
				m := fmt.Sprintf("peer %d datagram %d", p, i)
				want[m] = true
				if _, err := c.Write([]byte(m)); err != nil {
					errs <- err
					return
				}
				if i%5 == 4 { // a window of five in flight, 100 in all: well within a receive buffer
					if err := drain(c, want, 5); err != nil {
						errs <- fmt.Errorf("peer %d: %w", p, err)
						return
					}
				}
			}
			if len(want) != 0 {
				errs <- fmt.Errorf("peer %d: %d datagrams never came back", p, len(want))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// drain reads n replies on c, each of which must be one of want's (and
// is crossed off).
func drain(c *net.UDPConn, want map[string]bool, n int) error {
	buf := make([]byte, 100)
	for range n {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		k, err := c.Read(buf)
		if err != nil {
			return err
		}
		if !want[string(buf[:k])] {
			return fmt.Errorf("got %q, not one of ours (or twice)", buf[:k])
		}
		delete(want, string(buf[:k]))
	}
	return nil
}

// A peer that goes away makes the kernel answer its reply with an ICMP
// port unreachable. On an unconnected socket Linux reports it only with
// IP_RECVERR, which this test turns on so that the error really reaches
// the loop: the loop must carry on serving others.
func TestEchoPeerVanishes(t *testing.T) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_RECVERR, 1)
	}); err != nil || serr != nil {
		t.Skipf("IP_RECVERR: %v %v", err, serr) // not Linux
	}
	to := c.LocalAddr().(*net.UDPAddr)
	// (stay is made first, so that it cannot get a gone peer's port)
	stay := client(t, to)
	// the datagrams wait in the socket until the loop starts, so their
	// senders are surely gone when the replies leave
	for range 5 {
		gone := client(t, to)
		if _, err := gone.Write([]byte("hello from a peer about to leave")); err != nil {
			t.Fatal(err)
		}
		gone.Close()
	}
	seen := &errCounter{batchConn: newBatchConn(c)}
	stats := new(EchoStats)
	done := make(chan error, 1)
	// one datagram a batch: each reply's ICMP error is on the socket
	// when the next read comes
	go func() { done <- echoReader(seen, newEchoBatch(1), stats) }()
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; i < 3 || seen.count() == 0 && time.Now().Before(deadline); i++ {
		roundTrip(t, stay, []byte(fmt.Sprintf("still served %d", i)))
	}
	if seen.count() == 0 {
		t.Error("no ICMP error reached the loop: the test did not test it")
	}
	if d := stats.Dropped.Load(); d != 0 {
		t.Errorf("Dropped = %d, want 0", d)
	}
	c.Close()
	if err := <-done; err != nil {
		t.Errorf("echoReader returned %v after the socket closed, want nil", err)
	}
}

// errCounter counts the errors its batchConn returns.
type errCounter struct {
	batchConn
	mu   sync.Mutex
	errs []error
}

func (e *errCounter) note(err error) {
	if err != nil && !errors.Is(err, net.ErrClosed) {
		e.mu.Lock()
		e.errs = append(e.errs, err)
		e.mu.Unlock()
	}
}

func (e *errCounter) count() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.errs)
}

func (e *errCounter) ReadBatch(ms []ipv4.Message, flags int) (int, error) {
	n, err := e.batchConn.ReadBatch(ms, flags)
	e.note(err)
	return n, err
}

func (e *errCounter) WriteBatch(ms []ipv4.Message, flags int) (int, error) {
	n, err := e.batchConn.WriteBatch(ms, flags)
	e.note(err)
	return n, err
}

// script is a fake batchConn: each ReadBatch returns the next batch of
// payloads (or error) in reads, each WriteBatch takes at most the next
// count of writes (negative: fails the first datagram with errno),
// recording what was sent.
type script struct {
	reads  []any // []string or error
	writes []int
	sent   []string
}

var errDone = net.ErrClosed

func (s *script) ReadBatch(ms []ipv4.Message, _ int) (int, error) {
	if len(s.reads) == 0 {
		return 0, errDone
	}
	r := s.reads[0]
	s.reads = s.reads[1:]
	if err, ok := r.(error); ok {
		return -1, err
	}
	batch := r.([]string)
	if len(batch) > len(ms) {
		panic("batch longer than the messages")
	}
	for i, p := range batch {
		ms[i].N = copy(ms[i].Buffers[0], p)
		ms[i].Addr = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1000 + i}
	}
	return len(batch), nil
}

func (s *script) WriteBatch(ms []ipv4.Message, _ int) (int, error) {
	n := len(ms)
	if len(s.writes) > 0 {
		w := s.writes[0]
		s.writes = s.writes[1:]
		if w < 0 {
			return -1, os.NewSyscallError("sendmmsg", syscall.Errno(-w))
		}
		n = min(n, w)
	}
	for _, m := range ms[:n] {
		s.sent = append(s.sent, string(m.Buffers[0]))
	}
	return n, nil
}

func TestEchoReaderBatches(t *testing.T) {
	for _, tc := range []struct {
		name    string
		reads   []any
		writes  []int
		sent    []string
		dropped int64
		err     error
	}{
		{name: "short batches",
			reads: []any{[]string{"a"}, []string{"b", "c"}, []string{"", "d", "e", "f"}},
			sent:  []string{"a", "b", "c", "", "d", "e", "f"}},
		{name: "short writes",
			reads:  []any{[]string{"a", "b", "c", "d"}},
			writes: []int{1, 2, 0 + 1},
			sent:   []string{"a", "b", "c", "d"}},
		{name: "a reply the kernel refuses twice is skipped",
			reads:   []any{[]string{"a", "b", "c"}},
			writes:  []int{1, -int(syscall.EPERM), -int(syscall.EPERM)},
			sent:    []string{"a", "c"},
			dropped: 1},
		{name: "an earlier datagram's error fails a send once",
			reads:  []any{[]string{"a", "b", "c"}},
			writes: []int{1, -int(syscall.ECONNREFUSED)},
			sent:   []string{"a", "b", "c"}},
		{name: "the last reply refused",
			reads:   []any{[]string{"a", "b"}, []string{"c"}},
			writes:  []int{1, -int(syscall.ECONNREFUSED), -int(syscall.ECONNREFUSED)},
			sent:    []string{"a", "c"},
			dropped: 1},
		{name: "ICMP errors on read do not stop it",
			reads: []any{[]string{"a"}, os.NewSyscallError("recvmmsg", syscall.ECONNREFUSED),
				os.NewSyscallError("recvmmsg", syscall.EHOSTUNREACH), []string{"b"}},
			sent: []string{"a", "b"}},
		{name: "a broken socket stops it",
			reads: []any{[]string{"a"}, os.NewSyscallError("recvmmsg", syscall.EBADF), []string{"b"}},
			sent:  []string{"a"},
			err:   syscall.EBADF},
		{name: "a broken socket on write stops it",
			reads:  []any{[]string{"a", "b"}, []string{"c"}},
			writes: []int{-int(syscall.ENOTSOCK)},
			err:    syscall.ENOTSOCK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &script{reads: tc.reads, writes: tc.writes}
			stats := new(EchoStats)
			err := echoReader(s, newEchoBatch(4), stats)
			if tc.err == nil && err != nil || tc.err != nil && !errors.Is(err, tc.err) {
				t.Fatalf("echoReader: %v, want %v", err, tc.err)
			}
			if fmt.Sprintf("%q", s.sent) != fmt.Sprintf("%q", tc.sent) && !(len(s.sent) == 0 && len(tc.sent) == 0) {
				t.Errorf("sent %q, want %q", s.sent, tc.sent)
			}
			if got := stats.Dropped.Load(); got != tc.dropped {
				t.Errorf("Dropped = %d, want %d", got, tc.dropped)
			}
			if got := stats.Datagrams.Load(); got != int64(len(tc.sent)) && tc.err == nil {
				t.Errorf("Datagrams = %d, want %d", got, len(tc.sent))
			}
		})
	}
}

// Each reply goes to the address its datagram came from.
func TestEchoReaderAddresses(t *testing.T) {
	s := &addrScript{}
	if err := echoReader(s, newEchoBatch(4), new(EchoStats)); err != nil {
		t.Fatal(err)
	}
	for i, a := range s.to {
		if a.Port != 2000+i {
			t.Errorf("reply %d went to port %d, want %d", i, a.Port, 2000+i)
		}
	}
	if len(s.to) != 3 {
		t.Errorf("%d replies, want 3", len(s.to))
	}
}

type addrScript struct {
	read bool
	to   []*net.UDPAddr
}

func (s *addrScript) ReadBatch(ms []ipv4.Message, _ int) (int, error) {
	if s.read {
		return 0, errDone
	}
	s.read = true
	for i := range 3 {
		ms[i].N = 1
		ms[i].Addr = &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2000 + i}
	}
	return 3, nil
}

func (s *addrScript) WriteBatch(ms []ipv4.Message, _ int) (int, error) {
	for _, m := range ms {
		s.to = append(s.to, m.Addr.(*net.UDPAddr))
	}
	return len(ms), nil
}

func TestEchoIPv6(t *testing.T) {
	c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Echo(ctx, c, EchoOptions{}, nil) }()
	cl := client(t, c.LocalAddr().(*net.UDPAddr))
	roundTrip(t, cl, []byte("over IPv6"))
	roundTrip(t, cl, nil)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Echo returned %v", err)
	}
}

// Admit refuses senders: their datagrams go unanswered, each refused
// sender is reported once, and the others are served as ever.
func TestEchoAdmit(t *testing.T) {
	var mu sync.Mutex
	var events []pipe.Event
	allowed := netip.MustParseAddr("127.0.0.1")
	to, stats := startEcho(t, EchoOptions{
		Readers: 1, // one queue, read in order: the refused datagrams are handled first
		Admit: func(ip netip.Addr) (bool, string) {
			if ip == allowed {
				return true, ""
			}
			return false, "not in the allow list"
		},
		OnEvent: func(e pipe.Event) { mu.Lock(); events = append(events, e); mu.Unlock() },
	})
	refused, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)}, to)
	if err != nil {
		t.Fatal(err)
	}
	defer refused.Close()
	for range 2 {
		if _, err := refused.Write([]byte("let me in")); err != nil {
			t.Fatal(err)
		}
	}
	roundTrip(t, client(t, to), []byte("served"))
	if got := stats.Refused.Load(); got != 2 {
		t.Errorf("Refused = %d, want 2", got)
	}
	refused.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, err := refused.Read(make([]byte, 64)); err == nil {
		t.Errorf("the refused sender got %d bytes back", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(events) != 1 || events[0].Name != pipe.EventReject || events[0].Remote.String() != refused.LocalAddr().String() ||
		events[0].Err == nil || events[0].Err.Error() != "not in the allow list" {
		t.Errorf("events %+v, want one reject of %v", events, refused.LocalAddr())
	}
}
