// Package scan finds which ports of a host accept connections (netcat's
// -z): a TCP connect scan, or a UDP probe with an empty datagram, over a
// bounded number of sockets at once. It reports each port's state in
// port order; cmd prints them. It takes addresses, not names: cmd
// resolves the host through connect, so that a scan tries the addresses
// connect would, in the same order. It imports nothing of ours.
package scan

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// State is what a probe learnt of a port.
type State uint8

// The states of a port, in the order a port with several addresses
// keeps the best one.
const (
	Closed       State = iota // refused: TCP RST, or ICMP port unreachable for UDP
	Filtered                  // no answer in time, or ICMP host or network unreachable
	OpenFiltered              // UDP only: no answer in time, which an open port that ignores empty datagrams gives too
	Open                      // TCP: the handshake completed; UDP: a datagram came back
)

func (s State) String() string {
	switch s {
	case Open:
		return "open"
	case Filtered:
		return "filtered"
	case OpenFiltered:
		return "open|filtered"
	}
	return "closed"
}

// Defaults of [Options].
const (
	DefaultConcurrency = 100
	DefaultTimeout     = time.Second
)

// Options say how to scan. The zero value is a TCP scan of 100 ports at
// once, one second per attempt, without banners.
type Options struct {
	// Concurrency is the most sockets open at once; zero means 100.
	Concurrency int
	// Timeout bounds each attempt: a TCP handshake, a UDP reply, and
	// then a banner; zero means one second.
	Timeout time.Duration
	// Banner reads what an open port says first (within Timeout); for
	// UDP, the reply.
	Banner bool
	// UDP probes with an empty datagram instead of a TCP handshake.
	UDP bool
	// Dial, when not nil, opens each TCP probe's connection to port
	// instead of a direct dial (through a proxy): Scan's addresses are
	// then ignored, one probe is made per port, and Dial's error decides
	// the state as a direct dial's would (refused: closed; a timeout or
	// an unreachable host: filtered; anything else ends the scan).
	// Timeout bounds each call.
	Dial func(ctx context.Context, port int) (net.Conn, error)
}

// Result is one port's state.
type Result struct {
	Port   int
	State  State
	Addr   net.IPAddr // the address that gave State
	Banner []byte     // what an open port said first, with Options.Banner
	Err    error      // why a port is not open: the refusal or the timeout
}

// Scan probes ports of the addresses ips (tried in order for each port,
// as connect tries them; the best state wins) and calls report with each
// port's Result, from one goroutine, in the order of ports. It returns
// the context's cause when ctx ends first, or the first error that is
// not about a port (too many open files).
func Scan(ctx context.Context, ips []net.IPAddr, ports []int, o Options, report func(Result)) error {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Dial != nil && !o.UDP {
		ips = []net.IPAddr{{}} // one probe per port, through Dial
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan int) // indexes into ports
	results := make(chan Result)
	var wg sync.WaitGroup
	for range min(o.Concurrency, len(ports)) {
		wg.Add(1)
		go probeLoop(ctx, &wg, ips, ports, o, jobs, results, cancel)
	}
	go feed(ctx, len(ports), jobs)
	go closeWhenDone(&wg, results)
	return inOrder(ctx, ports, results, report)
}

// feed hands out the indexes of the ports to probe.
func feed(ctx context.Context, n int, jobs chan<- int) {
	defer close(jobs)
	for i := range n {
		select {
		case jobs <- i:
		case <-ctx.Done():
			return
		}
	}
}

// closeWhenDone closes results once every prober has returned.
func closeWhenDone(wg *sync.WaitGroup, results chan Result) {
	wg.Wait()
	close(results)
}

// inOrder reports results in the order of ports as they come in, holding
// back those that finished before a lower port.
func inOrder(ctx context.Context, ports []int, results <-chan Result, report func(Result)) error {
	index := make(map[int]int, len(ports))
	for i, p := range ports {
		index[p] = i
	}
	held := map[int]Result{}
	next := 0
	for r := range results {
		held[index[r.Port]] = r
		for {
			r, ok := held[next]
			if !ok {
				break
			}
			delete(held, next)
			report(r)
			next++
		}
	}
	if next < len(ports) {
		return context.Cause(ctx)
	}
	return nil
}

// probeLoop probes the ports it is handed, one socket at a time.
func probeLoop(ctx context.Context, wg *sync.WaitGroup, ips []net.IPAddr, ports []int, o Options, jobs <-chan int, results chan<- Result, fail context.CancelCauseFunc) {
	defer wg.Done()
	for i := range jobs {
		r, err := probePort(ctx, ips, ports[i], o)
		if err != nil {
			fail(err)
			return
		}
		select {
		case results <- r:
		case <-ctx.Done():
			return
		}
	}
}

// probePort probes port on each address in turn until one is open.
func probePort(ctx context.Context, ips []net.IPAddr, port int, o Options) (Result, error) {
	best := Result{Port: port, State: Closed}
	for i, ip := range ips {
		r := Result{Port: port, Addr: ip}
		var err error
		if o.UDP {
			err = probeUDP(ctx, &r, o)
		} else {
			err = probeTCP(ctx, &r, o)
		}
		if err != nil {
			return r, err
		}
		if i == 0 || r.State > best.State {
			best = r
		}
		if r.State == Open {
			break
		}
	}
	return best, nil
}

// probeTCP completes a TCP handshake with r.Addr, reads the banner when
// asked, and closes.
func probeTCP(ctx context.Context, r *Result, o Options) error {
	c, err := dialTCP(ctx, r, o)
	if err != nil {
		return r.failed(ctx, err)
	}
	held(1)
	defer held(-1)
	defer c.Close()
	r.State = Open
	if o.Banner {
		r.Banner = readBanner(c, o.Timeout)
	}
	return nil
}

// dialTCP opens the probe's connection, directly or through o.Dial.
func dialTCP(ctx context.Context, r *Result, o Options) (net.Conn, error) {
	if o.Dial != nil {
		ctx, cancel := context.WithTimeout(ctx, o.Timeout)
		defer cancel()
		return o.Dial(ctx, r.Port)
	}
	d := net.Dialer{Timeout: o.Timeout, KeepAlive: -1}
	return d.DialContext(ctx, "tcp", hostPort(r.Addr, r.Port))
}

// probeUDP sends an empty datagram to r.Addr and waits for a reply or an
// ICMP port unreachable (which a connected UDP socket reads as a
// refusal).
func probeUDP(ctx context.Context, r *Result, o Options) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", hostPort(r.Addr, r.Port))
	if err != nil {
		return r.failed(ctx, err)
	}
	held(1)
	defer held(-1)
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Now()) })
	defer stop()
	if _, err := c.Write(nil); err != nil {
		return r.failed(ctx, err)
	}
	c.SetReadDeadline(time.Now().Add(o.Timeout))
	buf := make([]byte, bannerMax)
	n, err := c.Read(buf)
	if err != nil {
		if err = r.failed(ctx, err); err == nil && r.State == Filtered {
			r.State = OpenFiltered // silence: an open port may just ignore us
		}
		return err
	}
	r.State = Open
	if o.Banner {
		r.Banner = buf[:n]
	}
	return nil
}

// onHeld, when not nil, is told of each socket a probe opens (+1) and
// closes (-1); the tests count them.
var onHeld func(delta int)

func held(delta int) {
	if onHeld != nil {
		onHeld(delta)
	}
}

// bannerMax is the most of a banner kept.
const bannerMax = 1024

// readBanner returns what c says within timeout: the first read's bytes.
func readBanner(c net.Conn, timeout time.Duration) []byte {
	c.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, bannerMax)
	n, _ := c.Read(buf)
	return buf[:n]
}

// failed records why a probe did not find the port open: a refusal is
// Closed, no answer or an unreachable host Filtered. Any other error
// (out of file descriptors, the context ending) is returned: it says
// nothing about the port.
func (r *Result) failed(ctx context.Context, err error) error {
	r.Err = err
	var ne net.Error
	switch {
	case ctx.Err() != nil:
		return context.Cause(ctx)
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		r.State = Closed
	case errors.As(err, &ne) && ne.Timeout(),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.Is(err, syscall.EHOSTDOWN), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		r.State = Filtered
	default:
		return err
	}
	return nil
}

// hostPort is ip and port as the net package dials them, with ip's zone.
func hostPort(ip net.IPAddr, port int) string {
	return net.JoinHostPort(ip.String(), strconv.Itoa(port))
}
