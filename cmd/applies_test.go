package cmd

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	sockittls "sockit/tls"
)

// flagScope is where a flag applies: address kinds (t: TCP, u: Unix
// socket file, a: abstract @NAME, p: UDP) and roles (d: dialling, l:
// listening).
type flagScope struct{ kinds, roles string }

// flagScopes are the flags that do not apply everywhere their command
// takes them; every other flag applies to every address kind and role.
// Anywhere else, giving one is a usage error.
var flagScopes = map[string]flagScope{
	"4": {"tp", "dl"}, "6": {"tp", "dl"}, "nodelay": {"t", "dl"}, "keepalive": {"t", "dl"},
	"allow": {"tp", "l"}, "deny": {"tp", "l"}, "allow-file": {"tp", "l"}, "deny-file": {"tp", "l"},
	"source": {"tp", "d"}, "source-port": {"tp", "d"},
	"mode":      {"u", "l"},
	"allow-uid": {"ua", "l"},
	"addr-file": {"tuap", "l"}, "sni": {"tua", "l"}, "client-ca": {"tua", "l"}, "keep-open": {"tuap", "l"},
	"ca": {"tua", "d"}, "server-name": {"tua", "d"}, "pin": {"tua", "d"}, "insecure": {"tua", "d"},
	"proxy": {"t", "d"}, "proxy-auth-file": {"t", "d"}, "proxy-ca": {"t", "d"},
	"connect-timeout": {"tua", "d"}, "retry": {"tua", "d"}, "retry-delay": {"tua", "d"}, "reconnect": {"tua", "d"},
	// streams only: not UDP
	"no-shutdown": {"tua", "dl"}, "half-open": {"tua", "dl"}, "telnet": {"tua", "dl"},
	"broker": {"tua", "dl"}, "chat": {"tua", "dl"}, "accept-proxy": {"tua", "dl"},
	"tls": {"tua", "dl"}, "cert": {"tua", "dl"}, "key": {"tua", "dl"}, "alpn": {"tua", "dl"}, "handshake-timeout": {"tua", "dl"},
	"send-proxy": {"tua", "dl"}, "route": {"tua", "dl"}, "to-cert": {"tua", "dl"}, "to-key": {"tua", "dl"},
	"datagram-size":   {"p", "dl"},
	"session-timeout": {"p", "l"},
}

// relayFlagScopes are the flags whose scope differs in relay: a UDP
// relay serves sessions (--session-timeout, not --idle-timeout; no
// --once) and forwards datagrams as they came (no --datagram-size).
var relayFlagScopes = map[string]flagScope{
	"idle-timeout": {"tua", "dl"}, "once": {"tua", "dl"}, "datagram-size": {"", ""},
}

// echoUDPRefused are the flags echo takes for TCP that echo -u refuses.
var echoUDPRefused = []string{"max-conns", "idle-timeout", "datagram-size"}

// TestFlagsApply walks every command, every flag it takes, every address
// kind and role: a flag that cannot apply there is exit 2, and one that
// can gets past the checks to the network (which fails here: the address
// is busy, refused or missing, so that nothing waits).
func TestFlagsApply(t *testing.T) {
	if testing.Short() {
		t.Skip("runs sockit about a thousand times")
	}
	f := newApplyFixture(t)
	app := newApp(&env{})
	for _, c := range app.Commands {
		if c.Name == "cert" || c.Name == "resolve" || c.Name == "scan" {
			continue // no ADDR (resolve, scan: their scripts test their flags)
		}
		cmds := []*cli.Command{c}
		path := [][]string{{c.Name}}
		if len(c.Subcommands) > 0 {
			cmds, path = nil, nil
			for _, sc := range c.Subcommands {
				cmds, path = append(cmds, sc), append(path, []string{c.Name, sc.Name})
			}
		}
		for i, cmd := range cmds {
			name := strings.Join(path[i], " ")
			kinds := "tua"
			switch {
			case path[i][0] == "ipc":
				kinds = "ua"
			case servesUDP[name]:
				kinds = "tuap"
			}
			roles := rolesOf(name)
			for _, role := range roles {
				for _, kind := range kinds {
					for _, flag := range cmd.Flags {
						fn := flag.Names()[0]
						if fn == "help" || fn == roles[len(roles)-1].flag || fn == "udp" { // the role's switch; the UDP kind's
							continue
						}
						f.check(t, cmd, name, path[i], role, byte(kind), fn)
					}
				}
			}
		}
	}
}

// applyRole is a role a command runs in, and the flag that picks it.
type applyRole struct {
	role byte // 'd' or 'l'
	flag string
}

func rolesOf(cmd string) []applyRole {
	switch cmd {
	case "connect", "ipc connect":
		return []applyRole{{'d', ""}}
	case "send":
		return []applyRole{{'d', ""}, {'l', "listen"}}
	case "recv":
		return []applyRole{{'l', ""}, {'d', "connect"}}
	}
	return []applyRole{{'l', ""}}
}

// applyFixture holds what the samples need: files, a certificate, and
// addresses where a listener cannot bind and a dial is refused.
type applyFixture struct {
	dir, cert, key, fp, specs, file string
	auth                            string // a proxy's --auth-file
	freePort                        string
	busy, refused                   map[byte]string // by address kind
	busy6, refused6                 string          // for -6
	busyUDP6                        string          // for -6 with UDP
}

func newApplyFixture(t *testing.T) *applyFixture {
	dir := t.TempDir()
	f := &applyFixture{dir: dir, cert: filepath.Join(dir, "c.pem"), key: filepath.Join(dir, "c.key"),
		specs: filepath.Join(dir, "specs"), file: filepath.Join(dir, "f.txt"), auth: filepath.Join(dir, "users")}
	leaf, err := sockittls.WriteSelfSigned(f.cert, f.key, []string{"x.test"})
	if err != nil {
		t.Fatal(err)
	}
	f.fp = sockittls.Fingerprint(leaf)
	for p, s := range map[string]string{f.specs: "10.0.0.0/8\n", f.file: "data\n", f.auth: "u:p\n"} {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hold := func(netw, addr string) string {
		ln, err := net.Listen(netw, addr)
		if err != nil {
			return ""
		}
		t.Cleanup(func() { ln.Close() })
		return ln.Addr().String()
	}
	closed := func(addr string) string {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return addr // no such address here: dialling fails anyway
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	abstract := "@sockit-apply-" + strconv.Itoa(os.Getpid())
	holdUDP := func(addr string) string {
		c, err := net.ListenPacket("udp", addr)
		if err != nil {
			return ""
		}
		t.Cleanup(func() { c.Close() })
		return c.LocalAddr().String()
	}
	f.busy = map[byte]string{
		't': hold("tcp", "127.0.0.1:0"),
		'u': filepath.Join(dir, "no", "such", "dir", "s.sock"),
		'a': hold("unix", abstract),
		'p': holdUDP("127.0.0.1:0"),
	}
	f.refused = map[byte]string{
		't': closed("127.0.0.1:0"),
		'u': filepath.Join(dir, "none.sock"),
		'a': abstract + "-none",
		'p': closed("127.0.0.1:0"), // a datagram sent there is refused (ICMP port unreachable)
	}
	if f.busyUDP6 = holdUDP("[::1]:0"); f.busyUDP6 == "" {
		f.busyUDP6 = "[::1]:1" // no IPv6 here: listening fails anyway
	}
	if f.busy['t'] == "" || f.busy['a'] == "" {
		t.Fatal("cannot hold the busy addresses")
	}
	f.busy6 = hold("tcp", "[::1]:0")
	if f.busy6 == "" {
		f.busy6 = "[::1]:1" // no IPv6 here: listening fails anyway
	}
	f.refused6 = closed("[::1]:0")
	_, f.freePort, _ = net.SplitHostPort(closed("127.0.0.1:0"))
	return f
}

// sample is flag given with a good value, with the flags it needs.
func (f *applyFixture) sample(t *testing.T, cmd *cli.Command, flag string) []string {
	has := func(name string) bool {
		for _, fl := range cmd.Flags {
			if fl.Names()[0] == name {
				return true
			}
		}
		return false
	}
	out := filepath.Join(f.dir, "out")
	switch flag {
	case "verbose", "nodelay", "no-shutdown", "half-open", "send-only", "recv-only", "keep-open", "broker", "chat",
		"crlf", "tls", "force", "4", "6", "accept-proxy", "once", "telnet":
		return []string{"--" + flag}
	case "balance":
		return []string{"--balance", "round-robin"}
	case "to-cert", "to-key":
		return []string{"--to-cert", f.cert, "--to-key", f.key}
	case "log-format":
		return []string{"--log-format", "json"}
	case "color":
		return []string{"--color", "never"}
	case "keepalive", "idle-timeout":
		return []string{"--" + flag, "1m"}
	case "session-timeout":
		if has("keep-open") {
			return []string{"--session-timeout", "1m", "-k"}
		}
		return []string{"--session-timeout", "1m"}
	case "datagram-size":
		return []string{"--datagram-size", "512"}
	case "send-buffer", "recv-buffer":
		return []string{"--" + flag, "64K"}
	case "connect-timeout":
		return []string{"--connect-timeout", "5s"}
	case "retry", "retry-delay":
		return []string{"--retry", "1", "--retry-delay", "1ms"}
	case "reconnect":
		return []string{"--reconnect=1"}
	case "source":
		return []string{"--source", "127.0.0.1"}
	case "source-port":
		return []string{"--source-port", f.freePort}
	case "addr-file":
		return []string{"--addr-file", filepath.Join(f.dir, "addr")}
	case "max-conns":
		if has("keep-open") {
			return []string{"--max-conns", "2", "-k"}
		}
		return []string{"--max-conns", "2"}
	case "allow", "deny":
		return []string{"--" + flag, "127.0.0.1"}
	case "allow-file", "deny-file":
		return []string{"--" + flag, f.specs}
	case "mode":
		return []string{"--mode", "600"}
	case "allow-uid":
		return []string{"--allow-uid", "0"}
	case "exec":
		return []string{"--exec", "true"}
	case "sh-exec":
		return []string{"--sh-exec", "true"}
	case "output":
		return []string{"-o", out}
	case "append-output":
		return []string{"--append-output", "-o", out + ".log"}
	case "hex-dump":
		return []string{"-x", out + ".hex"}
	case "raw":
		if has("force") { // recv: plain bytes go to -o FILE
			return []string{"--raw", "-o", out}
		}
		return []string{"--raw"}
	case "name":
		return []string{"--name", "n.txt"}
	case "rate":
		return []string{"--rate", "1M"}
	case "cert", "key":
		return []string{"--tls", "--cert", f.cert, "--key", f.key}
	case "alpn":
		return []string{"--tls", "--alpn", "h2"}
	case "handshake-timeout":
		if !has("tls") { // proxy's own: the wait for a client's request
			return []string{"--handshake-timeout", "5s"}
		}
		return []string{"--tls", "--handshake-timeout", "5s"}
	case "auth":
		return []string{"--auth", "u:p"}
	case "auth-file":
		return []string{"--auth-file", f.auth}
	case "allow-to", "deny-to":
		return []string{"--" + flag, "10.0.0.0/8:22"}
	case "open":
		return []string{"--open"}
	case "ca", "client-ca":
		return []string{"--tls", "--" + flag, f.cert}
	case "server-name":
		return []string{"--tls", "--server-name", "x.test"}
	case "pin":
		return []string{"--tls", "--pin", f.fp}
	case "insecure":
		return []string{"--tls", "--insecure"}
	case "sni":
		return []string{"--tls", "--sni", "x.test=" + f.cert + "," + f.key}
	case "route":
		return []string{"--route", "x.test=127.0.0.1:1"}
	case "send-proxy":
		return []string{"--send-proxy", "v2"}
	case "proxy":
		return []string{"--proxy", "socks5://" + f.refused['t']}
	case "proxy-auth-file":
		return []string{"--proxy", "socks5://" + f.refused['t'], "--proxy-auth-file", f.file}
	case "proxy-ca":
		return []string{"--proxy", "https://" + f.refused['t'], "--proxy-ca", f.cert}
	}
	t.Fatalf("no sample for --%s: add one, and its scope to flagScopes if it does not apply everywhere", flag)
	return nil
}

// check runs cmd with flag at an address of kind in role and compares
// the outcome with flagScopes.
func (f *applyFixture) check(t *testing.T, cmd *cli.Command, name string, path []string, role applyRole, kind byte, flag string) {
	t.Helper()
	addr := f.refused[kind]
	if role.role == 'l' {
		addr = f.busy[kind]
	}
	if kind == 't' && flag == "6" {
		addr = map[byte]string{'d': f.refused6, 'l': f.busy6}[role.role]
	}
	if kind == 'p' && flag == "6" {
		addr = map[byte]string{'d': f.refused6, 'l': f.busyUDP6}[role.role]
	}
	stdin := ""
	switch {
	case kind == 'p':
		stdin = "x\n" // a datagram to be refused
	case kind != 't' && path[0] != "ipc":
		addr = "unix:" + addr
	}
	args := append([]string{"sockit"}, path...)
	if role.flag != "" {
		args = append(args, "--"+role.flag)
	}
	if kind == 'p' {
		args = append(args, "-u")
	}
	sample := f.sample(t, cmd, flag)
	checkRole := role.role
	if name == "relay" {
		sample, checkRole = f.relaySample(sample, kind, flag, addr)
		addr = ""
	}
	args = append(args, sample...)
	if addr != "" {
		args = append(args, addr)
	}
	if name == "send" {
		args = append(args, f.file)
	}
	scope, limited := flagScopes[flag]
	if rs, ok := relayFlagScopes[flag]; ok && name == "relay" {
		scope, limited = rs, true
	}
	want := 1 // past the checks, failing on the network
	if limited && (!strings.ContainsRune(scope.kinds, rune(kind)) || !strings.ContainsRune(scope.roles, rune(checkRole))) {
		want = exitUsage
	}
	if name == "echo" && kind == 'p' && slices.Contains(echoUDPRefused, flag) {
		want = exitUsage // a UDP echo server keeps no connections or sessions
	}
	if name == "proxy" && slices.Contains([]string{"connect-timeout", "proxy", "proxy-auth-file", "proxy-ca"}, flag) {
		want = 1 // a proxy listens, and dials its clients' targets (TCP)
	}
	if name == "relay" && flag == "tls" {
		want = exitUsage // tls: in front of an address chooses the side
	}
	if kind == 'p' && checkRole == 'd' && want == 1 {
		switch flag {
		case "send-only", "exec", "sh-exec": // sent, and no reply awaited, or nothing sent (true): no refusal seen
			want = 0
		case "recv-only": // nothing sent: nothing refused, and no end but the idle timeout
			args = append(args[:len(args)-1], "--idle-timeout", "10ms", addr)
			want = exitTimeout
		}
	}
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- Main(args, strings.NewReader(stdin), &stdout, &stderr) }()
	select {
	case got := <-done:
		if got != want {
			t.Errorf("%s: exit %d, want %d\n%s", strings.Join(args, " "), got, want, stderr.String())
		}
		if got == exitUsage && (stdout.Len() > 0 || strings.Count(stderr.String(), "\n") > 2) {
			t.Errorf("%s: a usage error is a line (and a hint) on stderr only: stdout %q, stderr %q", strings.Join(args, " "), stdout.String(), stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("%s: still running after 20s", strings.Join(args, " "))
	}
}

// relaySample turns a sample into relay's arguments: FROM is from (a
// busy address: listening fails), TO the refused address of the same
// kind, and a TLS flag puts tls: in front of the side it acts on instead
// of --tls. It returns the role the flag is checked in: dialling for the
// flags of the TOs.
func (f *applyFixture) relaySample(sample []string, kind byte, flag, from string) ([]string, byte) {
	to := f.refused[kind]
	if (kind == 't' || kind == 'p') && flag == "6" {
		to = f.refused6
	}
	if kind != 't' && kind != 'p' {
		to = "unix:" + to
	}
	var args []string
	tls := false
	for _, a := range sample {
		if a == "--tls" && flag != "tls" {
			tls = true
			continue
		}
		args = append(args, a)
	}
	role := byte('l')
	switch {
	case slices.Contains(toSideFlags, flag):
		role = 'd'
		if tls || strings.HasPrefix(flag, "to-") {
			to = "tls:" + to
		}
	case tls:
		from = "tls:" + from
	}
	return append(args, from, to), role
}

// TestFlagsTogether: flags that cannot apply next to another flag are
// exit 2, one line naming both.
func TestFlagsTogether(t *testing.T) {
	f := newApplyFixture(t)
	dial, lsn := f.refused['t'], f.busy['t']
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"connect", "--retry-delay", "1ms", dial}, "--retry-delay needs --retry N"},
		{[]string{"connect", "--tls", "--insecure", "--pin", f.fp, dial}, "--insecure can't be used with --pin"},
		{[]string{"connect", "--tls", "--ca", f.cert, "--insecure", dial}, "--ca can't be used with --insecure"},
		{[]string{"connect", "--tls", "--ca", f.cert, "--pin", f.fp, dial}, "--ca can't be used with --pin"},
		{[]string{"connect", "--crlf", "--recv-only", dial}, "--crlf can't be used with --recv-only"},
		{[]string{"listen", "--broker", "--crlf", lsn}, "--crlf can't be used with --broker or --chat"},
		{[]string{"listen", "--chat", "--no-shutdown", lsn}, "--no-shutdown can't be used with --broker or --chat"},
		{[]string{"listen", "--broker", "--send-only", lsn}, "--send-only can't be used with --broker or --chat"},
		{[]string{"listen", "--chat", "--recv-only", lsn}, "--recv-only can't be used with --broker or --chat"},
		{[]string{"send", "--raw", "--name", "n", dial, f.file}, "--name can't be used with --raw"},
		{[]string{"recv", "-o", "-", "--force", lsn}, "--force can't be used with -o -"},
		{[]string{"listen", "-x", "-", "--log-format", "json", lsn}, "--hex-dump - (stderr) can't be used with --log-format json"},
		{[]string{"echo", "--color", "always", "--log-format", "json", lsn}, "--color always can't be used with --log-format json"},
		{[]string{"connect", "--handshake-timeout", "1s", dial}, "--handshake-timeout needs --tls"},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"sockit"}, tc.args...)
		if got := Main(args, strings.NewReader(""), &stdout, &stderr); got != exitUsage || stdout.Len() > 0 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 2 and %q", strings.Join(args, " "), got, stdout.String(), stderr.String(), tc.want)
		}
	}
}
