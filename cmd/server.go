package cmd

// The server features of listen (and of echo and, later, ipc listen):
// keep-open, limits, access control, exec, broker and chat, session logs.
// Flags are defined here once and read into listen's option structs.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/netip"
	"os"
	"os/exec"
	"strings"

	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/ipc"
	"sockit/listen"
	"sockit/pipe"
	"sockit/serve"
	"sockit/udp"
)

// limitFlags are on every command that accepts connections.
func limitFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "max-conns", Usage: "serve at most `N` connections at once; close the next at once", DefaultText: "no limit"},
		&cli.StringSliceFlag{Name: "allow", Usage: "serve only peers matching `SPEC`: an address, a CIDR prefix or a host name (repeatable; TCP and UDP peers, see --allow-uid for Unix sockets)"},
		&cli.StringSliceFlag{Name: "deny", Usage: "refuse peers matching `SPEC` (repeatable; deny wins over allow)"},
		&cli.StringFlag{Name: "allow-file", Usage: "read allow SPECs from `FILE`, one per line, # comments"},
		&cli.StringFlag{Name: "deny-file", Usage: "read deny SPECs from `FILE`, one per line, # comments"},
		&cli.BoolFlag{Name: "accept-proxy", Usage: "read a PROXY protocol header (HAProxy v1 or v2) first on every connection and take the client's address from it (events, --allow/--deny, SOCKIT_REMOTE_*); close connections without one", DisableDefaultText: true},
	}
}

// keepOpenFlags are on listen: serving many clients at once.
func keepOpenFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "keep-open", Aliases: []string{"k"}, Usage: "accept connections until signalled: every client's bytes go to stdout, stdin goes to every client", DisableDefaultText: true},
		&cli.BoolFlag{Name: "broker", Usage: "relay every client's bytes to all the other clients (implies -k; stdin and stdout unused)", DisableDefaultText: true},
		&cli.BoolFlag{Name: "chat", Usage: "a line-based broker: lines go out as \"userN: line\", joins and leaves are announced (implies -k)", DisableDefaultText: true},
	}
}

// execFlags are on connect and listen.
func execFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "exec", Aliases: []string{"e"}, Usage: "run `CMD` (no shell; quotes group words) with the connection as its stdin and stdout"},
		&cli.StringFlag{Name: "sh-exec", Aliases: []string{"c"}, Usage: "run `CMD` with /bin/sh -c, with the connection as its stdin and stdout"},
	}
}

// sessionFlags are on connect and listen: logs of what passes, line ends.
func sessionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "log the bytes of both directions of every session to `FILE` (an existing file is refused without --append-output)"},
		&cli.BoolFlag{Name: "append-output", Usage: "append to the --output file", DisableDefaultText: true},
		&cli.StringFlag{Name: "hex-dump", Aliases: []string{"x"}, Usage: "write a hex dump of both directions, with connection number and offset, to `FILE` (- for stderr)"},
		&cli.BoolFlag{Name: "crlf", Usage: "send LF line ends as CRLF (telnet style)", DisableDefaultText: true},
	}
}

// listener is a listening socket read from the flags and checked, but
// not yet bound: every usage error comes before anything is created.
type listener struct {
	addr   addr.Addr
	unix   ipc.ListenOptions
	lim    listen.Limits
	notice string // the TLS certificate's fingerprint, told once bound
}

// newListener reads what a listener on a takes from the flags besides
// lim: --mode, the Unix socket's checks and the TLS handshake.
func (e *env) newListener(c *cli.Context, a addr.Addr, lim listen.Limits, sock pipe.Options) (*listener, error) {
	uo, err := unixListenOptions(c)
	if err != nil {
		return nil, err
	}
	lim, err = unixLimits(c, a, lim)
	if err != nil {
		return nil, err
	}
	l := &listener{addr: a, unix: uo}
	lim.Handshake, l.notice, err = e.serverHandshake(c, a, sock)
	l.lim = lim
	return l, err
}

// rejectWhy words the why of a rejected connection with the flag that
// set the limit it met.
func rejectWhy(err error) error {
	var cl *listen.ConnLimitError
	if errors.As(err, &cl) {
		return fmt.Errorf("too many connections (--max-conns %d)", cl.MaxConns)
	}
	var sl *udp.SessionLimitError
	if errors.As(err, &sl) {
		return fmt.Errorf("too many sessions (--max-conns %d)", sl.MaxSessions)
	}
	return err
}

// limitsFrom reads --max-conns, the access flags (resolving host names)
// and --accept-proxy.
func limitsFrom(c *cli.Context) (listen.Limits, error) {
	name := commandName(c)
	lim := listen.Limits{AcceptProxy: c.Bool("accept-proxy")}
	if lim.MaxConns = c.Int("max-conns"); lim.MaxConns < 0 {
		return lim, usagef(name, "bad --max-conns %d: must not be negative", lim.MaxConns)
	}
	var err error
	if lim.Access.Allow, err = accessList(c, "allow"); err != nil {
		return lim, err
	}
	if lim.Access.Deny, err = accessList(c, "deny"); err != nil {
		return lim, err
	}
	return lim, nil
}

// accessList reads --allow or --deny and its -file flag into prefixes.
func accessList(c *cli.Context, flag string) (list []netip.Prefix, err error) {
	name := commandName(c)
	specs := c.StringSlice(flag)
	if f := c.String(flag + "-file"); f != "" {
		b, err := readFlagFile(f)
		if err != nil {
			return nil, fmt.Errorf("--%s-file: %w", flag, err)
		}
		more, err := listen.ReadSpecs(bytes.NewReader(b), f)
		if err != nil {
			return nil, fmt.Errorf("--%s-file: %w", flag, err)
		}
		if len(more) == 0 && flag == "allow" { // an empty allow list would let every peer in
			return nil, usagef(name, "bad --allow-file %s: no addresses in it, and an empty allow list would let every peer in", f)
		}
		specs = append(specs, more...)
	}
	for _, s := range specs {
		ps, err := listen.ParseSpec(c.Context, nil, s)
		if errors.Is(err, listen.ErrBadSpec) {
			return nil, usagef(name, "--%s: %v", flag, err)
		}
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", flag, err)
		}
		list = append(list, ps...)
	}
	return list, nil
}

// execFrom reads --exec and --sh-exec; nil when neither is given.
func (e *env) execFrom(c *cli.Context) (*serve.Exec, error) {
	name := commandName(c)
	cmdline, shell := c.String("exec"), c.String("sh-exec")
	if !c.IsSet("exec") && !c.IsSet("sh-exec") {
		return nil, nil
	}
	if c.IsSet("exec") && c.IsSet("sh-exec") {
		return nil, usagef(name, "--exec and --sh-exec can't be used together")
	}
	for f, v := range map[string]string{"exec": cmdline, "sh-exec": shell} {
		if c.IsSet(f) && strings.TrimSpace(v) == "" {
			return nil, usagef(name, "--%s needs a command to run", f)
		}
	}
	for _, f := range []string{"half-open", "send-only", "recv-only", "no-shutdown", "broker", "chat"} {
		if c.IsSet(f) {
			return nil, usagef(name, "--%s can't be used with --exec or --sh-exec", f)
		}
	}
	x := &serve.Exec{Stderr: e.stderr, CRLF: c.Bool("crlf"), Env: peerEnv}
	if shell != "" {
		x.Argv = []string{"/bin/sh", "-c", shell}
		return x, nil
	}
	argv, err := serve.SplitCommand(cmdline)
	if err != nil {
		return nil, usagef(name, "bad --exec %q: %v", cmdline, err)
	}
	if _, err := exec.LookPath(argv[0]); err != nil { // say so before any connection
		return nil, fmt.Errorf("--exec: %w", err)
	}
	x.Argv = argv
	return x, nil
}

// sessionTaps opens the --output and --hex-dump files and returns the tap
// that feeds them (nil without either) and a function that closes them.
func (e *env) sessionTaps(c *cli.Context) (pipe.Tap, func(), error) {
	return e.sessionTapsWith(c, pipe.HexDump)
}

// sessionTapsWith is sessionTaps with the hex dumper of the address
// kind: pipe.HexDump for streams, udp.HexDump for datagrams.
func (e *env) sessionTapsWith(c *cli.Context, hexDump func(io.Writer, func(error)) pipe.Tap) (pipe.Tap, func(), error) {
	name := commandName(c)
	if c.Bool("append-output") && c.String("output") == "" {
		return nil, nil, usagef(name, "--append-output needs --output FILE")
	}
	var files []io.Closer
	closeAll := func() {
		for _, f := range files {
			f.Close()
		}
	}
	warn := func(err error) { e.diag.warnf("%v", err) }
	var taps []pipe.Tap
	if p := c.String("output"); p != "" {
		f, err := openLog(p, c.Bool("append-output"))
		if err != nil {
			return nil, nil, err
		}
		files = append(files, f)
		taps = append(taps, pipe.LogTap(f, warn))
	}
	if p := c.String("hex-dump"); p == "-" {
		taps = append(taps, hexDump(e.diag, warn))
	} else if p != "" {
		f, err := openLog(p, false)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		files = append(files, f)
		taps = append(taps, hexDump(f, warn))
	}
	return pipe.Taps(taps...), closeAll, nil
}

// openLog opens a log file: appending, or creating it, refusing to
// overwrite an existing file that is not empty.
func openLog(path string, appending bool) (*os.File, error) {
	if appending {
		return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrExist) {
		if fi, serr := os.Stat(path); serr == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
			return os.OpenFile(path, os.O_WRONLY, 0)
		} else if serr == nil && !fi.Mode().IsRegular() {
			return os.OpenFile(path, os.O_WRONLY, 0) // a terminal, /dev/null, a fifo
		}
		return nil, &hinted{err: fmt.Errorf("%s: file exists and is not empty", path), hints: []string{"remove it, or add to it with --append-output"}}
	}
	return f, err
}
