// Command loadgen is the client side of scripts/bench.sh: it drives echo
// servers and watches processes, printing its numbers on stdout.
//
//	loadgen rtt DURATION ADDR...        round trips/s of 64-byte messages on one connection to each
//	                                     ADDR, side by side: slices of 1000 round trips in turn, for
//	                                     DURATION per ADDR; the median slice's rate for each ADDR
//	loadgen conns ADDR DURATION [N]      new connections/s (connect, one round trip, close) from N workers
//	loadgen idle ADDR N READYFILE        open N connections, one round trip each, touch READYFILE, hold until killed
//	loadgen wait tcp:PORT|udp:PORT|unix:PATH T
//	                                     wait until something listens (UDP: is bound) there (from /proc/net), at most T
//	loadgen peakrss PID                  sample PID's resident set until it exits; print the peak in KiB
//	loadgen freeport                     print a TCP port free on 127.0.0.1
//	loadgen udp DURATION SENDERS WINDOW ADDR...
//	                                     UDP echo datagrams/s and loss of each ADDR (see udp.go)
//	loadgen udpsessions ADDR N READYFILE one datagram from each of N sockets; hold them until killed
//	loadgen put PROTO VIA TARGET FILE    send FILE to TARGET through the proxy VIA (PROTO socks5 or connect;
//	                                     direct: VIA is a relay), sendfile once the tunnel is open
//	loadgen tunnels PROTO VIA TARGET DURATION [N]
//	                                     tunnels/s through VIA (handshake, a 64-byte round trip with the
//	                                     echo server TARGET, close) from N workers
//	loadgen throttle LISTEN ADDRFILE TO RATE
//	                                     a TCP proxy that forwards LISTEN->TO at most RATE bytes/s (K, M, G suffixes)
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const msgSize = 64

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "rtt":
		err = rtt(args)
	case "conns":
		err = conns(args)
	case "idle":
		err = idle(args)
	case "wait":
		err = wait(args)
	case "peakrss":
		err = peakRSS(args)
	case "throttle":
		err = throttle(args)
	case "freeport":
		err = freePort()
	case "udp":
		err = udpLoad(args)
	case "udpsessions":
		err = udpSessions(args)
	case "put":
		err = put(args)
	case "tunnels":
		err = tunnels(args)
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: loadgen rtt|conns|idle|wait|peakrss|throttle|freeport|udp|udpsessions|put|tunnels ARGS... (see the source)")
	os.Exit(2)
}

func need(args []string, n int) error {
	if len(args) < n {
		return fmt.Errorf("want %d arguments, got %d", n, len(args))
	}
	return nil
}

// roundTrip writes one message and reads it back.
func roundTrip(c net.Conn, out, in []byte) error {
	if _, err := c.Write(out); err != nil {
		return err
	}
	_, err := io.ReadFull(c, in)
	return err
}

func rtt(args []string) error {
	if err := need(args, 2); err != nil {
		return err
	}
	d, err := time.ParseDuration(args[0])
	if err != nil {
		return err
	}
	addrs := args[1:]
	cs := make([]net.Conn, len(addrs))
	for i, a := range addrs {
		if cs[i], err = net.Dial("tcp", a); err != nil {
			return err
		}
		defer cs[i].Close()
	}
	out, in := bytes.Repeat([]byte("x"), msgSize), make([]byte, msgSize)
	// One round trip outside the clock: connection setup and first-use costs.
	for _, c := range cs {
		if err := roundTrip(c, out, in); err != nil {
			return err
		}
	}
	// Short slices in turn, so that whatever else runs on the machine
	// falls on every server alike.
	const slice = 1000
	rates := make([][]float64, len(cs)) // round trips/s of each slice
	for cycle, start := 0, time.Now(); time.Since(start) < d*time.Duration(len(cs)); cycle++ {
		for j := range cs {
			i := (j + cycle) % len(cs) // each cycle starts with the next server: no place is favoured
			c := cs[i]
			t0 := time.Now()
			for range slice {
				if err := roundTrip(c, out, in); err != nil {
					return fmt.Errorf("%s: %w", addrs[i], err)
				}
			}
			rates[i] = append(rates[i], slice/time.Since(t0).Seconds())
		}
	}
	// The median slice: one slice stalled by a busy machine (a server
	// descheduled for a second) would weigh on a mean.
	for i, r := range rates {
		if i > 0 {
			fmt.Print(" ")
		}
		slices.Sort(r)
		fmt.Printf("%.0f", r[len(r)/2])
	}
	fmt.Println()
	return nil
}

func conns(args []string) error {
	if err := need(args, 2); err != nil {
		return err
	}
	return connRate(args[1:], func() (net.Conn, error) { return net.Dial("tcp", args[0]) })
}

// connRate: connections/s opened by dial, each with one round trip and
// closed, from N workers for DURATION (args: DURATION [N]).
func connRate(args []string, dial func() (net.Conn, error)) error {
	d, err := time.ParseDuration(args[0])
	if err != nil {
		return err
	}
	workers := 4
	if len(args) > 1 {
		if workers, err = strconv.Atoi(args[1]); err != nil {
			return err
		}
	}
	var total atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, in := bytes.Repeat([]byte("x"), msgSize), make([]byte, msgSize)
			for time.Now().Before(end) {
				c, err := dial()
				if err == nil {
					err = roundTrip(c, out, in)
					c.Close()
				}
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				total.Add(1)
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	fmt.Printf("%.0f\n", float64(total.Load())/time.Since(start).Seconds())
	return nil
}

func idle(args []string) error {
	if err := need(args, 3); err != nil {
		return err
	}
	n, err := strconv.Atoi(args[1])
	if err != nil {
		return err
	}
	out, in := bytes.Repeat([]byte("x"), msgSize), make([]byte, msgSize)
	cs := make([]net.Conn, 0, n)
	for range n {
		c, err := net.Dial("tcp", args[0])
		if err != nil {
			return fmt.Errorf("connection %d: %w", len(cs)+1, err)
		}
		cs = append(cs, c)
		if err := roundTrip(c, out, in); err != nil {
			return fmt.Errorf("connection %d: %w", len(cs), err)
		}
	}
	if err := os.WriteFile(args[2], []byte("ready\n"), 0o644); err != nil {
		return err
	}
	select {} // hold them until killed
}

// wait polls /proc/net for a listening socket.
func wait(args []string) error {
	if err := need(args, 2); err != nil {
		return err
	}
	d, err := time.ParseDuration(args[1])
	if err != nil {
		return err
	}
	var check func() bool
	switch kind, what, _ := strings.Cut(args[0], ":"); kind {
	case "tcp":
		port, err := strconv.Atoi(what)
		if err != nil {
			return err
		}
		check = func() bool { return tcpListening(port) }
	case "unix":
		check = func() bool { return unixListening(what) }
	case "udp":
		port, err := strconv.Atoi(what)
		if err != nil {
			return err
		}
		check = func() bool { return udpBound(port) }
	default:
		return fmt.Errorf("bad address %q: want tcp:PORT, udp:PORT or unix:PATH", args[0])
	}
	for end := time.Now().Add(d); !check(); {
		if time.Now().After(end) {
			return fmt.Errorf("nothing listens on %s after %v", args[0], d)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

func tcpListening(port int) bool {
	want := fmt.Sprintf(":%04X", port)
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, _ := os.ReadFile(f)
		for line := range strings.Lines(string(data)) {
			fs := strings.Fields(line)
			// sl local_address rem_address st ...; st 0A is LISTEN
			if len(fs) > 3 && strings.HasSuffix(fs[1], want) && fs[3] == "0A" {
				return true
			}
		}
	}
	return false
}

func unixListening(path string) bool {
	data, _ := os.ReadFile("/proc/net/unix")
	for line := range strings.Lines(string(data)) {
		fs := strings.Fields(line)
		// Num RefCount Protocol Flags Type St Inode Path; flag 00010000 is __SO_ACCEPTCON
		if len(fs) > 7 && fs[7] == path && fs[3] == "00010000" {
			return true
		}
	}
	return false
}

func peakRSS(args []string) error {
	if err := need(args, 1); err != nil {
		return err
	}
	status := "/proc/" + args[0] + "/status"
	peak := int64(-1)
	for {
		hwm, ok := statusKiB(status, "VmHWM:")
		if !ok {
			break
		}
		peak = max(peak, hwm)
		time.Sleep(20 * time.Millisecond)
	}
	if peak < 0 {
		return fmt.Errorf("no process %s", args[0])
	}
	fmt.Println(peak)
	return nil
}

func statusKiB(path, key string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mult = 1 << 10
	case strings.HasSuffix(s, "M"):
		mult = 1 << 20
	case strings.HasSuffix(s, "G"):
		mult = 1 << 30
	}
	n, err := strconv.ParseInt(strings.TrimRight(s, "KMG"), 10, 64)
	return n * mult, err
}

func throttle(args []string) error {
	if err := need(args, 4); err != nil {
		return err
	}
	rate, err := parseSize(args[3])
	if err != nil || rate <= 0 {
		return fmt.Errorf("bad rate %q", args[3])
	}
	ln, err := net.Listen("tcp", args[0])
	if err != nil {
		return err
	}
	if err := os.WriteFile(args[1]+".tmp", []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
		return err
	}
	if err := os.Rename(args[1]+".tmp", args[1]); err != nil {
		return err
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			up, err := net.Dial("tcp", args[2])
			if err != nil {
				fmt.Fprintln(os.Stderr, "loadgen:", err)
				return
			}
			defer up.Close()
			done := make(chan struct{}, 2)
			go func() { limitedCopy(up, c, rate); up.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
			go func() { io.Copy(c, up); c.(*net.TCPConn).CloseWrite(); done <- struct{}{} }()
			<-done
			<-done
		}()
	}
}

// limitedCopy copies at most rate bytes per second, in 64 KiB steps.
func limitedCopy(dst io.Writer, src io.Reader, rate int64) {
	buf := make([]byte, 64<<10)
	start := time.Now()
	var sent int64
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
			sent += int64(n)
			if ahead := time.Duration(float64(sent)/float64(rate)*float64(time.Second)) - time.Since(start); ahead > 0 {
				time.Sleep(ahead)
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				fmt.Fprintln(os.Stderr, "loadgen:", err)
			}
			return
		}
	}
}

// freePort prints a port that was free on 127.0.0.1 a moment ago, for
// peers that cannot report the port they bound.
func freePort() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Println(ln.Addr().(*net.TCPAddr).Port)
	return nil
}
