package udp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"

	"sockit/pipe"
)

// slotSize is the size of each of [Echo]'s receive buffers: a datagram of
// any size IPv4 or IPv6 (65,527 bytes without jumbograms) fits whole.
// Only the pages a datagram fills are ever touched, so a batch of slots
// costs address space, not memory, while the datagrams are small.
const slotSize = 1 << 16

// DefaultBatch is [EchoOptions.Batch]'s default: datagrams read or
// written by one system call at most.
const DefaultBatch = 64

// EchoOptions are the settings of [Echo]. The zero value is the default.
type EchoOptions struct {
	// Readers is the number of goroutines that read the socket and send
	// each batch back; zero means runtime.GOMAXPROCS(0). While one
	// goroutine sends its batch another is already reading the next.
	Readers int
	// Batch is the most datagrams one recvmmsg or sendmmsg takes; zero
	// means DefaultBatch. Each reader holds Batch buffers of 64 KiB of
	// address space, of which only the pages datagrams fill are touched.
	Batch int
	// Admit, when not nil, is asked about the sender of every datagram
	// (--allow, --deny); a datagram it refuses is dropped unanswered.
	Admit func(ip netip.Addr) (ok bool, why string)
	// OnEvent receives an error event when a reader stops on an
	// unexpected error, and a reject event (with Admit's why) the first
	// time a sender is refused; nil ignores events. Echo emits nothing
	// per datagram.
	OnEvent pipe.Observer
}

// EchoStats are what [Echo] has done so far, counted by all its readers.
type EchoStats struct {
	Datagrams atomic.Int64 // datagrams sent back
	Bytes     atomic.Int64 // bytes of payload sent back
	Dropped   atomic.Int64 // datagrams whose reply the kernel refused (the sender unreachable, no buffer space)
	Refused   atomic.Int64 // datagrams not answered because Admit refused their sender
}

// Echo sends every datagram that arrives on c back to its sender, as it
// came (an empty datagram as an empty datagram), for any number of
// senders at once, until ctx ends or c fails; it then closes c and returns
// ctx's cause, or the error that stopped it. It reads and writes in
// batches (recvmmsg and sendmmsg on Linux, one datagram per call
// elsewhere). Errors the kernel reports for one peer (an ICMP port
// unreachable, a reply it cannot send) do not stop it. stats, if not
// nil, is kept up to date.
func Echo(ctx context.Context, c *net.UDPConn, o EchoOptions, stats *EchoStats) error {
	if stats == nil {
		stats = new(EchoStats)
	}
	readers := o.Readers
	if readers <= 0 {
		readers = runtime.GOMAXPROCS(0)
	}
	batch := o.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	bc := newBatchConn(c)
	g := newGate(o, c.LocalAddr())
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	errs := make([]error, readers)
	var wg sync.WaitGroup
	for i := range readers {
		wg.Go(func() {
			b := newEchoBatch(batch)
			b.gate = g
			errs[i] = echoReader(bc, b, stats)
			if errs[i] != nil && ctx.Err() == nil {
				// one reader's failure is the socket's: end the others
				o.OnEvent.Emit(pipe.Event{Name: pipe.EventError, Local: c.LocalAddr(), Err: errs[i]})
				c.Close()
			}
		})
	}
	wg.Wait()
	c.Close()
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	return errors.Join(errs...)
}

// batchConn is what the echo loop needs of a socket: ipv4.PacketConn and
// ipv6.PacketConn, or a fake in tests.
type batchConn interface {
	ReadBatch(ms []ipv4.Message, flags int) (int, error)
	WriteBatch(ms []ipv4.Message, flags int) (int, error)
}

// newBatchConn is c's batch reader and writer for its address family.
func newBatchConn(c *net.UDPConn) batchConn {
	if la, ok := c.LocalAddr().(*net.UDPAddr); ok && la.IP.To4() == nil && len(la.IP) == net.IPv6len {
		return ipv6.NewPacketConn(c)
	}
	return ipv4.NewPacketConn(c)
}

// echoBatch is one reader's messages: in receives a batch, out sends the
// same buffers back cut to each datagram's length; gate, when not nil,
// says which senders get theirs.
type echoBatch struct {
	in, out []ipv4.Message
	gate    *gate
}

// newEchoBatch allocates n receive slots of slotSize bytes each.
func newEchoBatch(n int) *echoBatch {
	b := &echoBatch{in: make([]ipv4.Message, n), out: make([]ipv4.Message, n)}
	for i := range b.in {
		b.in[i].Buffers = [][]byte{make([]byte, slotSize)}
		b.out[i].Buffers = make([][]byte, 1)
	}
	return b
}

// echoReader reads batches from bc and sends each datagram back to its
// sender until bc is closed or fails for good.
func echoReader(bc batchConn, b *echoBatch, stats *EchoStats) error {
	for {
		n, err := bc.ReadBatch(b.in, 0)
		n = max(n, 0) // -1 from a failed recvmmsg
		if err != nil {
			if skippable(err, false) {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("read datagrams: %w", err)
		}
		var bytes int64
		k := 0
		for i := range n {
			m := &b.in[i]
			if !b.gate.lets(m) {
				stats.Refused.Add(1)
				continue
			}
			b.out[k].Buffers[0] = m.Buffers[0][:m.N]
			b.out[k].Addr = m.Addr
			bytes += int64(m.N)
			k++
		}
		if k == 0 {
			continue
		}
		sent, err := writeAll(bc, b.out[:k], stats)
		if err != nil {
			return err
		}
		stats.Datagrams.Add(int64(sent))
		stats.Bytes.Add(bytes)
	}
}

// writeAll sends ms, skipping each datagram the kernel refuses twice
// (counted as dropped), and returns how many went. It fails only when the
// socket is broken; a closed socket ends it quietly.
//
// A datagram is tried twice because a send may fail with an error that
// belongs to an earlier one: with IP_RECVERR the kernel keeps the last
// ICMP error on the socket and hands it to the next call, which then
// sends nothing.
func writeAll(bc batchConn, ms []ipv4.Message, stats *EchoStats) (int, error) {
	sent, failed := 0, 0
	for len(ms) > 0 {
		n, err := bc.WriteBatch(ms, 0)
		n = max(n, 0) // -1 from a failed sendmmsg
		sent += n
		ms = ms[n:]
		if n > 0 {
			failed = 0
		}
		switch {
		case err == nil && n == 0:
			return sent, errors.New("send datagrams: nothing sent")
		case err == nil, len(ms) == 0:
		case errors.Is(err, net.ErrClosed):
			return sent, nil
		case !skippable(err, true):
			return sent, fmt.Errorf("send datagrams: %w", err)
		default: // sendmmsg failed on ms[0]
			if failed++; failed > 1 {
				stats.Dropped.Add(1)
				ms, failed = ms[1:], 0
			}
		}
	}
	return sent, nil
}

// peerErrors are the errors the kernel reports on an unconnected socket
// about one peer (an ICMP error, queued when IP_RECVERR is on) or for a
// passing shortage: the socket itself is fine and serves the others.
var peerErrors = []error{
	syscall.ECONNREFUSED, syscall.EHOSTUNREACH, syscall.ENETUNREACH,
	syscall.EHOSTDOWN, syscall.ENETDOWN, syscall.ECONNRESET, syscall.EPROTO,
	syscall.EMSGSIZE, syscall.ENOBUFS, syscall.ENOMEM, syscall.EINTR, syscall.EAGAIN,
}

// replyErrors are the further errors a send reports about one datagram:
// a firewall's refusal, an address the socket cannot reach.
var replyErrors = []error{
	syscall.EPERM, syscall.EACCES, syscall.EINVAL, syscall.EADDRNOTAVAIL,
	syscall.EAFNOSUPPORT, syscall.EDESTADDRREQ,
}

// skippable reports whether err concerns one peer or one moment, not the
// socket; sending, whether it concerns the one datagram sent.
func skippable(err error, sending bool) bool {
	is := func(e error) bool { return errors.Is(err, e) }
	return slices.ContainsFunc(peerErrors, is) || sending && slices.ContainsFunc(replyErrors, is)
}
