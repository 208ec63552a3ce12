package cmd

// The flags every command shares are defined here, once, so that their
// names and help texts are the same everywhere; each command's file lists
// which groups it takes. Flags are built anew for every app because
// urfave/cli keeps parse state in them.

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/urfave/cli/v2"

	"sockit/pipe"
	"sockit/serve"
	"sockit/udp"
)

// commonFlags are on every command.
func commonFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "print connection events on stderr", DisableDefaultText: true},
		&cli.StringFlag{Name: "log-format", Value: "text", Usage: "`FORMAT` of -v events: text, or json for one JSON object per line"},
		&cli.StringFlag{Name: "color", Value: "auto", Usage: "`WHEN` to colour stderr: auto (when it is a terminal and NO_COLOR is unset), always or never"},
		&cli.BoolFlag{Name: "nodelay", Usage: "set TCP_NODELAY: turn Nagle's algorithm off (without it: the OS default, Nagle on)", DisableDefaultText: true},
		&cli.DurationFlag{Name: "keepalive", Usage: "send TCP keep-alive probes after `DURATION` idle, then every DURATION", DefaultText: "no probes"},
		&cli.DurationFlag{Name: "idle-timeout", Usage: "close after `DURATION` with no traffic in either direction and exit 3; for UDP also how long to wait for replies once stdin has ended (then exit 0; 2s if not given, 0 for ever)", DefaultText: "never"},
		&cli.StringFlag{Name: "send-buffer", Usage: "socket send buffer (SO_SNDBUF) in `BYTES`, suffixes K, M, G", DefaultText: "the OS's"},
		&cli.StringFlag{Name: "recv-buffer", Usage: "socket receive buffer (SO_RCVBUF) in `BYTES`, suffixes K, M, G", DefaultText: "the OS's"},
		&cli.BoolFlag{Name: "4", Usage: "use IPv4 only", DisableDefaultText: true},
		&cli.BoolFlag{Name: "6", Usage: "use IPv6 only", DisableDefaultText: true},
	}
}

// listenFlags are on the commands that listen.
func listenFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "addr-file", Usage: "once listening, write the bound address (127.0.0.1:43121) to `FILE` atomically"},
	}
}

// dialFlags are on the commands that dial.
func dialFlags() []cli.Flag {
	return []cli.Flag{
		&cli.DurationFlag{Name: "connect-timeout", Usage: "give up a connection attempt after `DURATION` and exit 3", DefaultText: "the OS's limit"},
		&cli.StringFlag{Name: "source", Aliases: []string{"s"}, Usage: "dial from local address `ADDR`"},
		&cli.StringFlag{Name: "source-port", Aliases: []string{"p"}, Usage: "dial from local port `PORT`"},
		&cli.IntFlag{Name: "retry", Usage: "retry a failed connection up to `N` more times", DefaultText: "no retries"},
		&cli.DurationFlag{Name: "retry-delay", Value: time.Second, Usage: "wait `DURATION` before the first retry, doubling each time up to 30s"},
	}
}

// streamFlags are on the commands that join the connection to stdin and
// stdout.
func streamFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "no-shutdown", Usage: "keep the write side open after stdin ends (no half-close)", DisableDefaultText: true},
		&cli.BoolFlag{Name: "half-open", Usage: "when stdin is a terminal, keep reading it after the peer ends (any other stdin always is sent until it ends)", DisableDefaultText: true},
		&cli.BoolFlag{Name: "send-only", Usage: "only send: never write the peer's bytes to stdout", DisableDefaultText: true},
		&cli.BoolFlag{Name: "recv-only", Usage: "only receive: never read stdin", DisableDefaultText: true},
	}
}

// udpFlags are on the commands that take UDP addresses: -u, and the
// datagram size.
func udpFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "udp", Aliases: []string{"u"}, Usage: "every bare address is UDP (as udp: in front); tcp: and unix: still choose", DisableDefaultText: true},
		&cli.IntFlag{Name: "datagram-size", Value: udp.DefaultDatagramSize, Usage: "send stdin in datagrams of at most `N` bytes (1-65507; UDP only)"},
	}
}

// flagsOf concatenates flag groups.
func flagsOf(groups ...[]cli.Flag) []cli.Flag {
	var all []cli.Flag
	for _, g := range groups {
		all = append(all, g...)
	}
	return all
}

// setup reads the diagnostic flags, installs the command's stderr writer
// in e and returns the socket options of the shared flags. Every Action
// calls it first.
func (e *env) setup(c *cli.Context) (pipe.Options, error) {
	name := commandName(c)
	format := c.String("log-format")
	if format != "text" && format != "json" {
		return pipe.Options{}, usagef(name, "bad --log-format %q: want text or json", format)
	}
	mode := c.String("color")
	if mode != "auto" && mode != "always" && mode != "never" {
		return pipe.Options{}, usagef(name, "bad --color %q: want auto, always or never", mode)
	}
	e.diag = newDiag(e.stderr, mode, c.Bool("verbose"), format == "json")
	if err := nonNegative(c); err != nil {
		return pipe.Options{}, err
	}
	return socketOptions(c, e.diag)
}

// nonNegative fails when any duration flag of the command is negative:
// no duration sockit takes means anything below zero.
func nonNegative(c *cli.Context) error {
	for _, f := range c.Command.Flags {
		df, ok := f.(*cli.DurationFlag)
		if !ok {
			continue
		}
		if v := c.Duration(df.Name); v < 0 {
			return usagef(commandName(c), "bad --%s %v: must not be negative", df.Name, v)
		}
	}
	return nil
}

// socketOptions builds the socket wrapper's options from the shared flags.
func socketOptions(c *cli.Context, d *diag) (pipe.Options, error) {
	o := pipe.Options{
		NoDelay:     c.Bool("nodelay"),
		KeepAlive:   c.Duration("keepalive"),
		IdleTimeout: c.Duration("idle-timeout"),
		OnEvent:     d.observer(),
	}
	var err error
	if o.SendBuffer, err = bytesFlag(c, "send-buffer"); err != nil {
		return o, err
	}
	if o.RecvBuffer, err = bytesFlag(c, "recv-buffer"); err != nil {
		return o, err
	}
	return o, nil
}

// bytesFlag parses a BYTES flag; unset is zero.
func bytesFlag(c *cli.Context, flag string) (int, error) {
	s := c.String(flag)
	if s == "" {
		return 0, nil
	}
	n, err := parseBytes(s)
	if err != nil || n <= 0 || n > 1<<30 {
		return 0, usagef(commandName(c), "bad --%s %q: want a size such as 65536, 256K or 4M (up to 1G)", flag, s)
	}
	return int(n), nil
}

// parseBytes reads a byte count with an optional binary suffix: K, M, G
// (also KB/KiB, and so on, all powers of 1024).
func parseBytes(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}

// joinOptions reads the end-of-stream flags.
func joinOptions(c *cli.Context) (pipe.JoinOptions, error) {
	o := pipe.JoinOptions{
		NoShutdown: c.Bool("no-shutdown"),
		SendOnly:   c.Bool("send-only"),
		RecvOnly:   c.Bool("recv-only"),
	}
	name := commandName(c)
	switch {
	case o.SendOnly && o.RecvOnly:
		return o, usagef(name, "--send-only and --recv-only can't be used together")
	case o.RecvOnly && c.Bool("half-open"):
		return o, usagef(name, "--half-open can't be used with --recv-only (it never sends)")
	}
	return o, nil
}

// input is stdin, with LF turned into CRLF when --crlf asks.
func (e *env) input(c *cli.Context) io.Reader {
	if c.Bool("crlf") {
		return pipe.CRLF(e.stdin)
	}
	return e.stdin
}

// session reads what connect and listen do with a connection: the
// end-of-stream rules for stdin and stdout, or the -e/-c program that
// takes their place.
func (e *env) session(c *cli.Context) (pipe.JoinOptions, *serve.Exec, error) {
	jo, err := joinOptions(c)
	if err != nil {
		return jo, nil, err
	}
	x, err := e.execFrom(c)
	return e.endRules(c, jo), x, err
}

// endRules adjusts the end-of-stream rules to stdin: the peer's EOF ends
// the run at once only when stdin is a terminal (nobody types into a
// finished conversation) and --half-open was not given; any other stdin
// is sent until it ends.
func (e *env) endRules(c *cli.Context, o pipe.JoinOptions) pipe.JoinOptions {
	f, ok := e.stdin.(*os.File)
	o.StopAtPeerEnd = ok && !c.Bool("half-open") && isatty.IsTerminal(f.Fd())
	return o
}
