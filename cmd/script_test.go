package cmd

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"go.uber.org/goleak"
)

// leakCheck runs the tests, then fails the binary if goroutines leaked.
type leakCheck struct{ m *testing.M }

func (l leakCheck) Run() int {
	code := l.m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			return 1
		}
	}
	return code
}

// TestMain registers the programs scripts can exec: the real sockit and
// small helpers that stand in for awkward peers.
func TestMain(m *testing.M) {
	testscript.Main(leakCheck{m}, map[string]func(){
		"sockit":    func() { os.Exit(Main(os.Args, os.Stdin, os.Stdout, os.Stderr)) },
		"expect":    expectMain,
		"blackhole": blackholeMain,
	})
}

func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		Deadline:            time.Now().Add(4 * time.Minute),
		Setup: func(e *testscript.Env) error {
			d, err := os.MkdirTemp("", "")
			if err != nil {
				return err
			}
			e.Defer(func() { os.RemoveAll(d) })
			e.Setenv("SOCKDIR", d)
			e.Setenv("NO_COLOR", "")
			return nil
		},
		Condition: condition,
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"waitaddr":  waitAddr,
			"waitfor":   waitFor,
			"waitsize":  waitSize,
			"mkfile":    mkFile,
			"freeport":  freePort,
			"waitudp":   waitUDP,
			"waitport":  waitPort,
			"jsonlines": jsonLines,
			"screen":    screen,
		},
	})
}

// condition answers [have:PROG] (PROG is on $PATH; with
// SOCKIT_REQUIRE_PEERS=1, as in CI, a missing PROG fails the test instead
// of skipping it) and [ipv6] (::1 can be bound).
func condition(cond string) (bool, error) {
	if prog, ok := strings.CutPrefix(cond, "have:"); ok {
		if _, err := exec.LookPath(prog); err == nil {
			return true, nil
		}
		if os.Getenv("SOCKIT_REQUIRE_PEERS") == "1" {
			return false, fmt.Errorf("%s is not installed but SOCKIT_REQUIRE_PEERS=1", prog)
		}
		return false, nil
	}
	if cond == "root" { // setpriv can run a client as another user
		if os.Geteuid() == 0 {
			return true, nil
		}
		if os.Getenv("SOCKIT_REQUIRE_PEERS") == "1" {
			return false, errors.New("the tests run as root in CI (setpriv), but this is not root")
		}
		return false, nil
	}
	if cond == "ipv6" {
		fd, err := syscall.Socket(syscall.AF_INET6, syscall.SOCK_STREAM, 0)
		if err != nil {
			return false, nil
		}
		defer syscall.Close(fd)
		return syscall.Bind(fd, &syscall.SockaddrInet6{Addr: [16]byte{15: 1}}) == nil, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// waitAddr: waitaddr FILE VAR — poll (10ms, 10s deadline) until FILE holds
// a line, then set $VAR to it, $VAR_HOST and $VAR_PORT to its parts.
func waitAddr(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitaddr FILE VAR")
	}
	s := pollFile(ts, args[0], func(s string) bool { return strings.HasSuffix(s, "\n") })
	addr := strings.TrimSpace(s)
	ts.Setenv(args[1], addr)
	if i := strings.LastIndex(addr, ":"); i > 0 {
		ts.Setenv(args[1]+"_HOST", strings.Trim(addr[:i], "[]"))
		ts.Setenv(args[1]+"_PORT", addr[i+1:])
	}
}

// waitFor: waitfor FILE REGEXP — poll until FILE matches REGEXP.
func waitFor(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitfor FILE REGEXP")
	}
	re := regexp.MustCompile(args[1])
	pollFile(ts, args[0], re.MatchString)
}

// waitSize: waitsize FILE BYTES waits until FILE holds at least BYTES
// (suffixes K, M, G), without reading it.
func waitSize(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: waitsize FILE BYTES")
	}
	n, err := parseBytes(args[1])
	ts.Check(err)
	path := ts.MkAbs(args[0])
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if fi, err := os.Stat(path); err == nil && fi.Size() >= n {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("%s did not reach %d bytes in 10s", args[0], n)
		}
	}
}

func pollFile(ts *testscript.TestScript, name string, ok func(string) bool) string {
	path := ts.MkAbs(name)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil && ok(string(b)) {
			return string(b)
		}
		if time.Now().After(deadline) {
			ts.Fatalf("timed out waiting for %s", name)
		}
	}
}

// mkFile: mkfile NAME SIZE — SIZE (K, M suffixes) pseudo-random bytes.
func mkFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: mkfile NAME SIZE")
	}
	n, err := parseBytes(args[1])
	ts.Check(err)
	var seed [32]byte
	binary.LittleEndian.PutUint64(seed[:], uint64(n))
	b := make([]byte, n)
	rand.NewChaCha8(seed).Read(b)
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), b, 0o644))
}

// freePort: freeport VAR — a port free on 127.0.0.1 just now, for peers
// (nc -l, socat, microsocks) that cannot report the port they bound.
// Peers then dial it with --retry (or waitport) rather than sleeping.
// It is picked at random below the kernel's ephemeral range, which
// port-0 listeners and outgoing connections of the tests running
// alongside take theirs from, so that none of them takes it before the
// peer binds it; the kernel's own choice is the fallback.
func freePort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport VAR")
	}
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				low = n
			}
		}
	}
	try := func(port int) (int, bool) {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
		ts.Check(err)
		defer syscall.Close(fd)
		if syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}) != nil {
			return 0, false
		}
		sa, err := syscall.Getsockname(fd)
		ts.Check(err)
		return sa.(*syscall.SockaddrInet4).Port, true
	}
	for i := 0; low > 20000 && i < 50; i++ {
		if p, ok := try(10000 + rand.IntN(low-10000)); ok {
			ts.Setenv(args[0], strconv.Itoa(p))
			return
		}
	}
	p, ok := try(0)
	if !ok {
		ts.Fatalf("no free port on 127.0.0.1")
	}
	ts.Setenv(args[0], strconv.Itoa(p))
}

// waitUDP: waitudp PORT — poll (10ms, 10s deadline) until a UDP socket
// is bound to PORT (in /proc/net/udp or udp6), for peers (nc -u -l,
// socat, ncat) that cannot report the port they bound: a datagram sent
// before would be refused.
func waitUDP(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitudp PORT")
	}
	port, err := strconv.Atoi(args[0])
	ts.Check(err)
	local := regexp.MustCompile(fmt.Sprintf(`(?m)^\s*\d+: [0-9A-F]+:%04X `, port))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		for _, f := range []string{"/proc/net/udp", "/proc/net/udp6"} {
			if b, err := os.ReadFile(f); err == nil && local.Match(b) {
				return
			}
		}
		if time.Now().After(deadline) {
			ts.Fatalf("nothing bound UDP port %d in 10s", port)
		}
	}
}

// waitPort: waitport HOST:PORT — poll (10ms, 10s deadline) until a TCP
// connection to HOST:PORT succeeds (then close it), for peers that start
// on a freeport and cannot say when they listen (tinyproxy, danted).
func waitPort(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitport HOST:PORT")
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", args[0], time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("nothing listens on %s after 10s: %v", args[0], err)
		}
	}
}

// expectMain: expect [-pid FILE] [-hold [-out FILE]] CODE PROG ARGS... runs PROG with
// our stdio, forwards SIGINT and SIGTERM to it, and exits 0 if PROG's exit
// status is CODE (a signal death counts as 128+n), 1 otherwise. -pid
// writes PROG's pid to FILE; -hold gives PROG a stdin that carries our
// stdin and then stays open until PROG closes its stdout or exits (a
// person who keeps the terminal open until the output ends); -out writes
// PROG's stdout to FILE instead of ours (with -hold).
func expectMain() {
	args := os.Args[1:]
	pidFile, outFile, hold := "", "", false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-pid":
			pidFile, args = args[1], args[2:]
		case "-hold":
			hold, args = true, args[1:]
		case "-out":
			outFile, args = args[1], args[2:]
		default:
			fmt.Fprintln(os.Stderr, "expect: unknown flag", args[0])
			os.Exit(2)
		}
	}
	want, err := strconv.Atoi(args[0])
	if err != nil || len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: expect [-pid FILE] [-hold [-out FILE]] CODE PROG ARGS...")
		os.Exit(2)
	}
	c := exec.Command(args[1], args[2:]...)
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	var holdW *os.File
	copied := make(chan struct{})
	if hold {
		r, w, err := os.Pipe()
		if err != nil {
			panic(err)
		}
		c.Stdin, holdW = r, w
		go func() { _, _ = w.ReadFrom(os.Stdin) }()
		defer r.Close()
		or, ow, err := os.Pipe()
		if err != nil {
			panic(err)
		}
		c.Stdout = ow
		dst := os.Stdout
		if outFile != "" {
			if dst, err = os.Create(outFile); err != nil {
				panic(err)
			}
		}
		go copyThenRelease(dst, or, w, copied)
		defer ow.Close()
	} else {
		close(copied)
	}
	sigc := make(chan os.Signal, 2)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	if err := c.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "expect:", err)
		os.Exit(1)
	}
	if pidFile != "" {
		_ = os.WriteFile(pidFile, []byte(strconv.Itoa(c.Process.Pid)+"\n"), 0o644)
	}
	go func() {
		for s := range sigc {
			_ = c.Process.Signal(s)
		}
	}()
	if pw, ok := c.Stdout.(*os.File); ok && hold {
		pw.Close() // ours: PROG holds its own copy
	}
	_ = c.Wait()
	<-copied
	if holdW != nil {
		holdW.Close()
	}
	got := c.ProcessState.ExitCode()
	if ws, ok := c.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		got = 128 + int(ws.Signal())
	}
	if got != want {
		fmt.Fprintf(os.Stderr, "expect: %s exited %d, want %d\n", args[1], got, want)
		os.Exit(1)
	}
	os.Exit(0)
}

// copyThenRelease copies PROG's stdout to ours and, once PROG has closed
// it, closes PROG's held stdin.
func copyThenRelease(dst, out, held *os.File, done chan<- struct{}) {
	_, _ = io.Copy(dst, out)
	held.Close()
	close(done)
}

// blackholeMain: blackhole ADDRFILE listens on 127.0.0.1 with a full
// accept queue, so that new connections get no answer (their SYNs are
// dropped) and a dial can only time out; it writes its address to
// ADDRFILE and waits to be killed.
func blackholeMain() {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	check(err)
	check(syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}))
	check(syscall.Listen(fd, 0))
	sa, err := syscall.Getsockname(fd)
	check(err)
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	var held []net.Conn
	for i := 0; i < 16; i++ { // fill the queue until dials time out
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			break
		}
		held = append(held, c)
	}
	check(os.WriteFile(os.Args[1]+".tmp", []byte(addr+"\n"), 0o644))
	check(os.Rename(os.Args[1]+".tmp", os.Args[1]))
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, os.Interrupt, syscall.SIGTERM)
	<-sigc
	for _, c := range held {
		c.Close()
	}
	os.Exit(0)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// jsonLines: jsonlines FILE EVENT... — every line of FILE is a JSON object
// with "time", "event" and at least one address (an error, warning or
// notice that names no connection has its text instead), and the events
// named appear among them.
func jsonLines(ts *testscript.TestScript, neg bool, args []string) {
	addressless := map[string]bool{"error": true, "warning": true, "notice": true}
	if neg || len(args) < 1 {
		ts.Fatalf("usage: jsonlines FILE EVENT...")
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(ts.ReadFile(args[0])), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			ts.Fatalf("not a JSON object: %q: %v", line, err)
		}
		ev, _ := m["event"].(string)
		if _, ok := m["time"].(string); !ok || ev == "" {
			ts.Fatalf("no time or event in %q", line)
		}
		text, _ := m["message"].(string)
		if ev == "error" {
			text, _ = m["error"].(string)
		}
		if m["local"] == nil && m["remote"] == nil && m["host"] == nil && (text == "" || !addressless[ev]) {
			ts.Fatalf("no address in %q", line)
		}
		seen[ev] = true
	}
	for _, ev := range args[1:] {
		if !seen[ev] {
			ts.Fatalf("no %q event in %s", ev, args[0])
		}
	}
}

// screen: screen [-frames] IN OUT — render the transcript IN of a
// terminal session (script(1)'s output) as a person saw it at the end:
// carriage returns overwrite, ESC[K erases to the end of the line,
// colours and other escape sequences are dropped, trailing blanks go.
// With -frames, OUT holds instead every state a line was in just before
// the cursor left it (each redraw of a progress bar), one per line.
func screen(ts *testscript.TestScript, neg bool, args []string) {
	frames := len(args) == 3 && args[0] == "-frames"
	if frames {
		args = args[1:]
	}
	if neg || len(args) != 2 {
		ts.Fatalf("usage: screen [-frames] IN OUT")
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(renderScreen(ts.ReadFile(args[0]), frames)), 0o644))
}

// renderScreen renders a terminal transcript (see screen).
func renderScreen(in string, frames bool) string {
	var lines [][]rune
	var shots []string
	row, col := 0, 0
	cur := func() []rune {
		for len(lines) <= row {
			lines = append(lines, nil)
		}
		return lines[row]
	}
	shot := func() {
		if s := strings.TrimRight(string(cur()), " "); frames && s != "" && (len(shots) == 0 || shots[len(shots)-1] != s) {
			shots = append(shots, s)
		}
	}
	r := []rune(in)
	for i := 0; i < len(r); i++ {
		switch c := r[i]; {
		case c == '\r':
			shot()
			col = 0
		case c == '\n':
			shot()
			row, col = row+1, 0
		case c == '\b':
			col = max(col-1, 0)
		case c == 0x1b && i+1 < len(r) && r[i+1] == '[': // CSI: parameters, then a final byte
			j := i + 2
			for j < len(r) && (r[j] < 0x40 || r[j] > 0x7e) {
				j++
			}
			if j < len(r) && r[j] == 'K' {
				if l := cur(); col < len(l) {
					lines[row] = l[:col]
				}
			}
			i = j
		case c < 0x20:
		default:
			l := cur()
			for len(l) <= col {
				l = append(l, ' ')
			}
			l[col] = c
			lines[row], col = l, col+1
		}
	}
	if frames {
		return strings.Join(shots, "\n") + "\n"
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(strings.TrimRight(string(l), " ") + "\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}
