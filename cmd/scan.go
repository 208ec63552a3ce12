package cmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"sockit/connect"
	"sockit/scan"
)

func scanCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "scan",
		Usage:     "print which PORTS of HOST accept connections (netcat's -z)",
		ArgsUsage: "HOST PORTS...",
		Description: `Tries a TCP connection to each of PORTS on HOST (22 80 8000-8100, comma
lists, service names such as http), --concurrency at a time, and prints
"HOST PORT open" on stdout for each port that accepts, in port order. A
port that refuses is closed; one that does not answer within --timeout is
filtered; -v prints those on stderr. A HOST with several addresses is
tried as connect tries them, address after address. --banner adds the
first line an open port says within --timeout. -u probes UDP with an
empty datagram: a reply is open, an ICMP port unreachable is closed, and
silence is open|filtered (an open port may ignore empty datagrams).
Exit 0 when a port is open, 1 when none is (nothing printed), 2 for bad
PORTS.`,
		Flags:  flagsOf(pickFlags(commonFlags(), "verbose", "log-format", "color", "4", "6"), scanFlags(), proxyFlags()),
		Action: e.scan,
	}
}

// scanFlags are scan's own flags.
func scanFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "concurrency", Value: scan.DefaultConcurrency, Usage: "probe at most `N` ports at once (never more sockets open)"},
		&cli.DurationFlag{Name: "timeout", Value: scan.DefaultTimeout, Usage: "wait `DURATION` for each port's answer (and again for its --banner)"},
		&cli.BoolFlag{Name: "banner", Usage: "print the first line an open port says within --timeout after its open line", DisableDefaultText: true},
		&cli.BoolFlag{Name: "udp", Aliases: []string{"u"}, Usage: "probe UDP ports with an empty datagram instead of TCP", DisableDefaultText: true},
	}
}

// scan is the action of sockit scan.
func (e *env) scan(c *cli.Context) error {
	if _, err := e.setup(c); err != nil {
		return err
	}
	name := commandName(c)
	args := c.Args().Slice()
	switch len(args) {
	case 0:
		return usagef(name, "missing HOST and PORTS")
	case 1:
		return usagef(name, "missing PORTS")
	}
	fam, err := familyOf(c)
	if err != nil {
		return err
	}
	o := scan.Options{Concurrency: c.Int("concurrency"), Timeout: c.Duration("timeout"), Banner: c.Bool("banner"), UDP: c.Bool("udp")}
	if o.Concurrency < 1 {
		return usagef(name, "bad --concurrency %d: want 1 or more", o.Concurrency)
	}
	if o.Timeout == 0 {
		return usagef(name, "bad --timeout 0: want a duration such as 1s or 300ms")
	}
	proto := "tcp"
	if o.UDP {
		proto = "udp"
	}
	ports, err := scan.ParsePorts(proto, args[1:])
	var pe *scan.PortError
	if errors.As(err, &pe) {
		e := usagef(name, "%v", err)
		e.hints = []string{"PORTS are numbers, FIRST-LAST ranges, comma lists or service names: 22 80 8000-8100 http,https"}
		return e
	}
	host := strings.TrimSuffix(strings.TrimPrefix(args[0], "["), "]")
	if len(proxyURLs(c)) > 0 {
		if o.UDP {
			return usagef(name, "--proxy reaches TCP ports only, not -u's UDP probes")
		}
		if o.Dial, err = e.scanVia(c, fam, host); err != nil {
			return err
		}
	}
	var ips []net.IPAddr
	if o.Dial == nil {
		if ips, err = connect.Resolve(c.Context, fam, host, e.diag.observer()); err != nil {
			return lookupError(host, err)
		}
	}
	start := time.Now()
	var tally [4]int // by scan.State
	var werr error
	err = scan.Scan(c.Context, ips, ports, o, func(r scan.Result) {
		tally[r.State]++
		if r.State != scan.Open {
			e.diag.portEvent(host, proto, r, o.Timeout)
			return
		}
		if werr == nil {
			werr = e.openLine(host, r, o.Banner)
		}
	})
	if err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	e.diag.scanSummary(host, proto, ips, len(ports), tally, time.Since(start))
	if tally[scan.Open] == 0 {
		return toldError{errors.New("no port is open")}
	}
	return nil
}

// openLine prints an open port on stdout: HOST PORT open, then the first
// line of its banner, escaped, when there is one.
func (e *env) openLine(host string, r scan.Result, banner bool) error {
	line := fmt.Sprintf("%s %d open", host, r.Port)
	if b := firstLine(r.Banner); banner && b != "" {
		line += " " + escapeText(b)
	}
	_, err := fmt.Fprintln(e.stdout, line)
	return err
}

// firstLine is b's first line without its line end.
func firstLine(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return string(bytes.TrimRight(b, "\r"))
}

// whyNot words why a port is not open: the kernel's reason (connection
// refused, no route to host) or the silence.
func whyNot(err error, timeout time.Duration) string {
	var errno syscall.Errno
	var ne net.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ne) && ne.Timeout():
		return "no answer within " + timeout.String()
	case errors.As(err, &errno):
		return errno.Error()
	}
	return err.Error()
}

// scanJSON is the JSON form of a port event and of the scan's summary.
type scanJSON struct {
	Time       string   `json:"time"`
	Event      string   `json:"event"`
	Host       string   `json:"host"`
	Proto      string   `json:"proto"`
	Remote     string   `json:"remote,omitempty"`
	Port       int      `json:"port,omitempty"`
	State      string   `json:"state,omitempty"`
	Error      string   `json:"error,omitempty"`
	Addrs      []string `json:"addrs,omitempty"`
	Ports      int      `json:"ports,omitempty"`
	Open       *int     `json:"open,omitempty"`
	Closed     *int     `json:"closed,omitempty"`
	Filtered   *int     `json:"filtered,omitempty"`
	OpenFilt   *int     `json:"open_filtered,omitempty"`
	DurationMS *float64 `json:"duration_ms,omitempty"`
}

// writeJSON writes v as one line.
func (d *diag) writeJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.w.Write(append(b, '\n'))
}

// portEvent is the -v event of a port that is not open.
func (d *diag) portEvent(host, proto string, r scan.Result, timeout time.Duration) {
	if !d.verbose {
		return
	}
	why := whyNot(r.Err, timeout)
	if d.json {
		remote := "" // through a proxy: the proxy's business
		if r.Addr.IP != nil {
			remote = net.JoinHostPort(r.Addr.String(), strconv.Itoa(r.Port))
		}
		d.writeJSON(scanJSON{Time: time.Now().Format(time.RFC3339Nano), Event: "port", Host: host, Proto: proto,
			Remote: remote, Port: r.Port, State: r.State.String(), Error: why})
		return
	}
	line := fmt.Sprintf("%s %d %s", host, r.Port, r.State)
	if why != "" {
		line += ": " + why
	}
	d.line(d.cyan, line)
}

// scanSummary is the -v event that ends a scan: what was scanned, how
// long it took, how many ports are in each state.
func (d *diag) scanSummary(host, proto string, ips []net.IPAddr, ports int, tally [4]int, took time.Duration) {
	if !d.verbose {
		return
	}
	addrs := make([]string, len(ips))
	for i, ip := range ips {
		addrs[i] = ip.String()
	}
	if d.json {
		ms := float64(took) / float64(time.Millisecond)
		j := scanJSON{Time: time.Now().Format(time.RFC3339Nano), Event: "scan", Host: host, Proto: proto, Addrs: addrs, Ports: ports,
			Open: &tally[scan.Open], Closed: &tally[scan.Closed], Filtered: &tally[scan.Filtered], DurationMS: &ms}
		if proto == "udp" {
			j.OpenFilt = &tally[scan.OpenFiltered]
		}
		d.writeJSON(j)
		return
	}
	counts := fmt.Sprintf("%d open, %d closed, %d filtered", tally[scan.Open], tally[scan.Closed], tally[scan.Filtered])
	if proto == "udp" {
		counts += fmt.Sprintf(", %d open|filtered", tally[scan.OpenFiltered])
	}
	via := strings.Join(addrs, ", ")
	if len(addrs) == 0 {
		via = "through the proxy"
	}
	d.line(d.cyan, fmt.Sprintf("scanned %d %s ports of %s (%s) in %v: %s", ports, proto, host, via, took.Round(time.Millisecond), counts))
}
