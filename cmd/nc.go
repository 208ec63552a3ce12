package cmd

// The command lines sockit takes besides "sockit COMMAND ...": "sockit
// help [COMMAND]", and netcat's own form, "sockit [flags] HOST PORT" and
// "sockit -l [flags] [HOST] PORT", with the OpenBSD nc flags that map
// cleanly onto sockit's.

import (
	"net"
	"strings"

	"github.com/urfave/cli/v2"
)

// rewriteArgs turns the forms above into the command lines they stand
// for; any other args are returned as they are.
func rewriteArgs(app *cli.App, args []string) ([]string, error) {
	if len(args) >= 2 && args[1] == "help" {
		return helpArgs(app, args)
	}
	out, _, err := ncForm(app, args)
	return out, err
}

// helpArgs turns "sockit help [COMMAND [SUBCOMMAND]]" into "sockit
// [COMMAND [SUBCOMMAND]] --help".
func helpArgs(app *cli.App, args []string) ([]string, error) {
	out := []string{args[0]}
	words := args[2:]
	if len(words) == 0 {
		return append(out, "--help"), nil
	}
	c := app.Command(words[0])
	if c == nil {
		ue := usagef("", "unknown command %q", words[0])
		ue.hints = suggestCommand("", app.Commands, words[0])
		return nil, ue
	}
	out = append(out, c.Name)
	if len(words) > 1 && len(c.Subcommands) > 0 {
		sc := c.Command(words[1])
		if sc == nil {
			ue := usagef(c.Name, "unknown %s subcommand %q", c.Name, words[1])
			ue.hints = suggestCommand(c.Name, c.Subcommands, words[1])
			return nil, ue
		}
		out = append(out, sc.Name)
		words = words[1:]
	}
	if len(words) > 1 {
		return nil, usagef("", "help takes one command, got %q", words[1:])
	}
	return append(out, "--help"), nil
}

// ncOpts is a netcat command line read: its flags in sockit's words and
// its positionals.
type ncOpts struct {
	listen, unix, numeric bool
	port, source          string // -p, -s
	scan, udp             bool   // -z, -u
	wait                  string // -w
	proxy, proxyProto     string // -x, -X
	flags                 []string
	pos                   []string
}

// ncValued are the letters that take a value: netcat's, and sockit's
// own -e, -c and -o.
const ncValued = "pwqsxXeco"

// ncForm turns "sockit [flags] HOST PORT" and "sockit -l [flags] [HOST]
// PORT" into connect and listen command lines. ok is false when args are
// not in that form: no flags and positionals, a command first, or one
// word that is not an address (a mistyped command).
func ncForm(app *cli.App, args []string) (out []string, ok bool, err error) {
	o, err := ncParse(app, args[1:])
	if len(o.pos) == 0 && !o.listen {
		return args, false, nil // the root reports the flag, or shows help
	}
	if len(o.pos) > 0 && (app.Command(o.pos[0]) != nil || o.pos[0] == "help") {
		return args, false, nil
	}
	if !strings.HasPrefix(args[1], "-") { // a word first: a command, mistyped?
		if len(o.pos) == 1 && !strings.Contains(o.pos[0], ":") {
			return args, false, nil // sockit conect
		}
		if len(suggestCommand("", app.Commands, o.pos[0])) > 0 {
			return args, false, nil // sockit conect 80, sockit lisen -k 80
		}
	}
	if err != nil {
		return nil, false, err
	}
	out, err = o.commandLine(app, args[0])
	return out, err == nil, err
}

// ncParse reads netcat's flags, getopt style (-lvnp 9000, -w3), and
// sockit's long flags, which pass through.
func ncParse(app *cli.App, words []string) (ncOpts, error) {
	var o ncOpts
	long := flagsOf(app.Command("connect").Flags, app.Command("listen").Flags)
	var seen []ncArg
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "--":
			o.pos = append(o.pos, words[i+1:]...)
			i = len(words)
		case strings.HasPrefix(w, "--"):
			o.flags = append(o.flags, w)
			name := w[2:]
			if _, opt := optionalValue[name]; opt && (i+1 == len(words) || !isCount(words[i+1])) {
				continue // bare --reconnect
			}
			if !strings.Contains(name, "=") && takesValue(long, name) && i+1 < len(words) {
				i++
				o.flags = append(o.flags, words[i])
			}
		case len(w) > 1 && w[0] == '-':
			for j := 1; j < len(w); j++ {
				l := w[j]
				if !strings.ContainsRune(ncValued, rune(l)) {
					seen = append(seen, ncArg{letter: l})
					continue
				}
				v := w[j+1:]
				if v == "" {
					if i+1 == len(words) {
						return o, usagef("", "flag needs an argument: -%c", l)
					}
					i++
					v = words[i]
				}
				seen = append(seen, ncArg{letter: l, value: v})
				break
			}
		default:
			o.pos = append(o.pos, w)
		}
	}
	for _, a := range seen {
		if a.letter == 'l' {
			o.listen = true
		}
	}
	for _, a := range seen {
		if err := o.apply(app, a); err != nil {
			return o, err
		}
	}
	return o, nil
}

// ncArg is one netcat flag and its value.
type ncArg struct {
	letter byte
	value  string
}

// apply turns one netcat flag into sockit's.
func (o *ncOpts) apply(app *cli.App, a ncArg) error {
	add := func(f ...string) { o.flags = append(o.flags, f...) }
	switch a.letter {
	case 'l', 'N': // -N: half-closing at stdin's end is sockit's default
	case 'p':
		o.port = a.value
	case 's':
		o.source = a.value
	case 'k':
		if !o.listen {
			return usagef("", "-k needs -l: it keeps listening for more connections")
		}
		add("--keep-open")
	case 'v':
		add("--verbose")
	case '4', '6':
		add("-" + string(a.letter))
	case 'w':
		o.wait = a.value
	case 'q':
		if !strings.HasPrefix(a.value, "-") { // negative: wait for the peer's end, the default
			add("--idle-timeout", a.value)
		}
	case 'U':
		o.unix = true
	case 'n':
		o.numeric = true
	case 'C':
		add("--crlf")
	case 'd':
		add("--recv-only")
	case 'e', 'c', 'o': // sockit's own -e, -c and -o
		add("-"+string(a.letter), a.value)
	case 'z':
		if !available(app, "scan") {
			return usagef("", "%s", ncHint(app, "z"))
		}
		o.scan = true
	case 't':
		if !available(app, "--telnet") {
			return usagef("", "%s", ncHint(app, "t"))
		}
		add("--telnet")
	case 'u':
		o.udp = true
	case 'x':
		o.proxy = a.value
	case 'X':
		o.proxyProto = a.value
	default:
		if strings.ContainsRune("bDFhiIMmOPrSTV", rune(a.letter)) {
			return usagef("", "nc's -%c has no equivalent in sockit", a.letter)
		}
		return usagef("", "flag provided but not defined: -%c", a.letter)
	}
	return nil
}

// commandLine is the sockit command line o stands for.
func (o *ncOpts) commandLine(app *cli.App, prog string) ([]string, error) {
	verb := "connect"
	var pos []string
	switch {
	case o.scan:
		verb, pos = "scan", o.pos
		if o.wait != "" {
			o.flags = append(o.flags, "--timeout", o.wait)
		}
		if o.udp {
			o.flags = append(o.flags, "--udp")
		}
		o.wait, o.udp = "", false
	case o.listen:
		verb = "listen"
		pos = o.pos
		if o.port != "" {
			if len(pos) > 1 {
				return nil, usagef("", "-p %s and the port %q: give the port once", o.port, pos[1])
			}
			pos = append(pos, o.port)
		}
		if o.source != "" {
			if len(pos) > 1 {
				return nil, usagef("", "-s %s and the host %q: give the listening address once", o.source, pos[0])
			}
			pos = append([]string{o.source}, pos...)
		}
		if len(pos) == 0 && !o.unix {
			return nil, usagef("", "-l needs a PORT (sockit -l PORT, or -l -p PORT)")
		}
	default:
		pos = o.pos
		if o.port != "" {
			o.flags = append(o.flags, "--source-port", o.port)
		}
		if o.source != "" {
			o.flags = append(o.flags, "--source", o.source)
		}
	}
	if o.proxy != "" || o.proxyProto != "" {
		u, err := o.proxyURL()
		if err != nil {
			return nil, err
		}
		o.flags = append(o.flags, "--proxy", u)
	}
	if o.udp { // -u -z was scan --udp above
		o.flags = append(o.flags, "--udp")
	}
	if o.wait != "" {
		if !o.listen && !o.udp { // UDP has no handshake to time out
			o.flags = append(o.flags, "--connect-timeout", o.wait)
		}
		o.flags = append(o.flags, "--idle-timeout", o.wait)
	}
	if o.unix {
		if len(pos) != 1 {
			return nil, usagef("", "-U takes one PATH")
		}
		pos = []string{"unix:" + pos[0]}
	}
	if o.numeric && len(pos) > 0 && !o.unix {
		if h := ncHost(pos); h != "" && net.ParseIP(strings.Trim(h, "[]")) == nil {
			return nil, usagef("", "-n: %q is not a numeric address (-n looks up no names)", h)
		}
	}
	out := append([]string{prog, verb}, o.flags...)
	return append(append(out, "--"), pos...), nil
}

// proxyURL is the --proxy URL of nc's -x ADDR[:PORT] and -X 4|5|connect:
// SOCKS5 by default, the name sent to the proxy as nc sends it
// (socks5h), SOCKS4 resolving here, connect an HTTP CONNECT proxy on
// port 3128 unless ADDR names one (nc's default; SOCKS: 1080).
func (o *ncOpts) proxyURL() (string, error) {
	if o.proxy == "" {
		return "", usagef("", "-X %s needs -x ADDR[:PORT], the proxy", o.proxyProto)
	}
	if o.listen {
		return "", usagef("", "-x reaches a host through a proxy; it does not apply to -l")
	}
	scheme, port := "socks5h", "1080"
	switch strings.ToLower(o.proxyProto) {
	case "", "5":
	case "4":
		scheme = "socks4"
	case "connect":
		scheme, port = "http", "3128"
	default:
		return "", usagef("", "bad -X %q: want 4, 5 or connect", o.proxyProto)
	}
	host := o.proxy
	if h, p, err := net.SplitHostPort(o.proxy); err == nil {
		host, port = h, p
	}
	if host == "" || strings.Contains(host, "/") || strings.Contains(host, "@") {
		return "", usagef("", "bad -x %q: want the proxy's ADDR[:PORT]", o.proxy)
	}
	return scheme + "://" + net.JoinHostPort(strings.Trim(host, "[]"), port), nil
}

// ncHost is the host of positionals HOST PORT, or of one HOST:PORT
// word; "" when they name only a port.
func ncHost(pos []string) string {
	if len(pos) >= 2 {
		return pos[0]
	}
	if h, _, err := net.SplitHostPort(pos[0]); err == nil {
		return h
	}
	return ""
}
