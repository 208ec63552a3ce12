package main

// The UDP commands of loadgen:
//
//	loadgen udp DURATION SENDERS WINDOW ADDR...
//	                         datagrams/s echoed by each ADDR: SENDERS sockets (the same ones
//	                         throughout) send 64-byte datagrams to it, each with at most WINDOW
//	                         unanswered, for DURATION per ADDR in slices of 0.5s taken in turn;
//	                         prints "RATE LOSS" per ADDR
//	                         (replies/s counted, and the fraction of datagrams never answered)
//	loadgen udpsessions ADDR N READYFILE
//	                         N sockets each send a 64-byte datagram to ADDR (twice, paced);
//	                         touch READYFILE, hold the sockets until killed

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
)

// udpSlice is how long one server takes the load before the next does.
const udpSlice = 500 * time.Millisecond

// lossWait is how long a sender waits for a reply before it counts every
// unanswered datagram lost and sends again.
const lossWait = 20 * time.Millisecond

func udpLoad(args []string) error {
	if err := need(args, 4); err != nil {
		return err
	}
	d, err := time.ParseDuration(args[0])
	if err != nil {
		return err
	}
	senders, err := strconv.Atoi(args[1])
	if err != nil {
		return err
	}
	window, err := strconv.Atoi(args[2])
	if err != nil {
		return err
	}
	addrs := args[3:]
	// The same sockets throughout: a server sees SENDERS peers (ncat -k
	// serves at most 100).
	conns := make([][]*net.UDPConn, len(addrs))
	for i, a := range addrs {
		ra, err := net.ResolveUDPAddr("udp", a)
		if err != nil {
			return err
		}
		for range senders {
			c, err := net.DialUDP("udp", nil, ra)
			if err != nil {
				return err
			}
			defer c.Close()
			conns[i] = append(conns[i], c)
		}
	}
	rates := make([][]float64, len(addrs))
	sent := make([]int64, len(addrs))
	answered := make([]int64, len(addrs)) // in time or late
	for cycle, start := 0, time.Now(); time.Since(start) < d*time.Duration(len(addrs)); cycle++ {
		for j := range addrs {
			i := (j + cycle) % len(addrs)
			s, g, late := udpRun(conns[i], window, udpSlice)
			sent[i] += s
			answered[i] += g + late
			rates[i] = append(rates[i], float64(g)/udpSlice.Seconds())
		}
	}
	for i, r := range rates {
		if i > 0 {
			fmt.Print(" ")
		}
		slices.Sort(r)
		loss := 0.0
		if sent[i] > 0 {
			loss = float64(sent[i]-answered[i]) / float64(sent[i])
		}
		fmt.Printf("%.0f %.4f", r[len(r)/2], loss)
	}
	fmt.Println()
	return nil
}

// udpRun loads a server for d through cs, each socket keeping up to
// window datagrams unanswered. It returns the datagrams sent, the replies
// received within d and the replies received in the moment after it
// (not counted in the rate, nor as lost).
func udpRun(cs []*net.UDPConn, window int, d time.Duration) (sent, got, late int64) {
	var sentAll, inTime, after atomic.Int64
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Go(func() {
			s, g, l := udpSender(c, window, end)
			sentAll.Add(s)
			inTime.Add(g)
			after.Add(l)
		})
	}
	wg.Wait()
	return sentAll.Load(), inTime.Load(), after.Load()
}

// udpSender is one socket of udpRun: it keeps window 64-byte datagrams
// unanswered, sending and receiving in batches (sendmmsg, recvmmsg) so
// that the load costs the client little and the server is what is
// measured, until end; then it waits briefly for the last replies. It
// returns datagrams sent, replies before end and replies after it.
func udpSender(c *net.UDPConn, window int, end time.Time) (sent, got, late int64) {
	pc := ipv4.NewPacketConn(c)
	out := make([]ipv4.Message, window)
	in := make([]ipv4.Message, window)
	msg := bytes.Repeat([]byte("x"), msgSize)
	for i := range out {
		out[i].Buffers = [][]byte{msg}
		in[i].Buffers = [][]byte{make([]byte, 2048)}
	}
	var lost int64
	for {
		now := time.Now()
		if !now.Before(end) {
			break
		}
		if k := int64(window) - (sent - got - lost); k > 0 {
			n, _ := pc.WriteBatch(out[:k], 0)
			sent += int64(max(n, 0))
		}
		c.SetReadDeadline(now.Add(lossWait))
		n, err := pc.ReadBatch(in, 0)
		switch {
		case err == nil:
			got += int64(n)
		case errors.Is(err, os.ErrDeadlineExceeded):
			lost = sent - got // every unanswered datagram is given up
		}
	}
	for {
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, err := pc.ReadBatch(in, 0)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, net.ErrClosed) {
				return sent, got, late
			}
			continue
		}
		late += int64(n)
	}
}

func udpSessions(args []string) error {
	if err := need(args, 3); err != nil {
		return err
	}
	n, err := strconv.Atoi(args[1])
	if err != nil {
		return err
	}
	ra, err := net.ResolveUDPAddr("udp", args[0])
	if err != nil {
		return err
	}
	msg := bytes.Repeat([]byte("x"), msgSize)
	cs := make([]*net.UDPConn, 0, n)
	for range n {
		c, err := net.DialUDP("udp", nil, ra)
		if err != nil {
			return fmt.Errorf("socket %d: %w", len(cs)+1, err)
		}
		cs = append(cs, c)
	}
	// Two rounds, paced: a burst of 10,000 datagrams would overflow the
	// server's receive buffer, and a datagram again from a peer with a
	// session only refreshes it.
	for range 2 {
		for i, c := range cs {
			if _, err := c.Write(msg); err != nil {
				return fmt.Errorf("socket %d: %w", i+1, err)
			}
			if i%64 == 63 {
				time.Sleep(time.Millisecond)
			}
		}
	}
	if err := os.WriteFile(args[2], nil, 0o644); err != nil {
		return err
	}
	select {} // hold the sockets (their ports) until killed
}

// udpBound reports whether an unconnected UDP socket is bound to port
// (st 07, no remote address, in /proc/net/udp or udp6).
func udpBound(port int) bool {
	want := fmt.Sprintf(":%04X", port)
	for _, f := range []string{"/proc/net/udp", "/proc/net/udp6"} {
		data, _ := os.ReadFile(f)
		for line := range strings.Lines(string(data)) {
			fs := strings.Fields(line)
			if len(fs) > 3 && strings.HasSuffix(fs[1], want) && strings.Trim(fs[2], "0:") == "" {
				return true
			}
		}
	}
	return false
}
