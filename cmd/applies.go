package cmd

// Which flags apply where. A flag that cannot apply to the address kind,
// to the role (dialling or listening) or next to another flag is a usage
// error, never silently ignored. Flags a command does not take at all
// are refused by the flag parser ("flag provided but not defined"); the
// rules here are the ones that depend on the address, the role or other
// flags. They are checked once the address is read, before anything is
// created, bound or dialled.

import (
	"slices"

	"github.com/urfave/cli/v2"
)

// site is where a command's connection is: the kind of address and
// whether the command listens or dials.
type site struct {
	unix      bool // a Unix socket: a path or an abstract @NAME
	abstract  bool // a Linux abstract @NAME: no file
	udp       bool // datagrams: udp:, or a bare address with -u
	listening bool
}

// inapt is a rule: flags that cannot apply when a condition holds.
type inapt struct {
	flags []string
	when  func(c *cli.Context, s site) bool
	why   string // follows the flag's name in the error
	hint  string // optional
}

// inaptRules are every flag-against-address, flag-against-role and
// flag-against-flag rule besides the ones a flag's own reader checks (a
// bad value, --append-output without --output, --max-conns without -k,
// the stream flags with --exec).
var inaptRules = []inapt{
	{flags: []string{"4", "6", "nodelay", "keepalive", "source", "source-port"}, when: onUnix,
		why: "applies to TCP, not to Unix sockets"},
	{flags: []string{"nodelay", "keepalive"}, when: onUDP,
		why: "applies to TCP, not to UDP"},
	{flags: []string{"no-shutdown", "half-open"}, when: onUDP,
		why:  "is about the end of a stream, and UDP has none",
		hint: "after stdin ends, sockit keeps receiving until no datagram has come for --idle-timeout (2s for UDP)"},
	{flags: append([]string{"tls", "to-cert", "to-key"}, tlsFlagNames...), when: onUDP,
		why:  "is for TLS, which does not run over UDP",
		hint: "DTLS is not supported; drop the TLS flags for a UDP address"},
	{flags: []string{"telnet", "broker", "chat", "accept-proxy", "send-proxy", "route"}, when: onUDP,
		why: "applies to TCP and Unix stream connections, not to UDP"},
	{flags: []string{"reconnect", "retry", "retry-delay", "connect-timeout"}, when: onUDP,
		why:  "is about establishing a connection, and UDP sends without one",
		hint: "--idle-timeout bounds the wait for replies"},
	{flags: []string{"session-timeout"}, when: func(_ *cli.Context, s site) bool { return !s.udp },
		why:  "applies only to UDP sessions",
		hint: "--idle-timeout ends a quiet TCP connection"},
	{flags: []string{"idle-timeout"}, when: func(c *cli.Context, s site) bool { return s.udp && (c.Bool("keep-open") || c.Command.Name == "relay") },
		why:  "does not apply to UDP sessions: --session-timeout ends a quiet peer's session",
		hint: "--session-timeout DURATION (60s if not given)"},
	{flags: []string{"once", "datagram-size"}, when: func(c *cli.Context, s site) bool { return s.udp && c.Command.Name == "relay" },
		why: "does not apply to a UDP relay: it serves every client's session, forwarding each datagram as it came"},
	{flags: []string{"max-conns", "idle-timeout"}, when: echoUDP,
		why: "can't be used with echo -u: a UDP echo server has no connections to count or time out"},
	{flags: []string{"datagram-size"}, when: echoUDP,
		why: "can't be used with echo -u: every datagram comes back whole, up to 65,507 bytes"},
	{flags: proxyFlagNames, when: onUDP,
		why:  "reaches TCP addresses only, not UDP",
		hint: "UDP through a SOCKS5 proxy needs UDP ASSOCIATE, which sockit does not speak"},
	{flags: []string{"datagram-size"}, when: func(_ *cli.Context, s site) bool { return !s.udp },
		why:  "applies only to UDP",
		hint: "-u makes every bare address UDP, as udp: in front does"},
	{flags: []string{"allow", "deny", "allow-file", "deny-file"}, when: onUnix,
		why:  "filters IP addresses, and a Unix socket's peers have none",
		hint: "--allow-uid UID serves only the peers running as user UID"},
	{flags: []string{"mode", "allow-uid"}, when: func(_ *cli.Context, s site) bool { return !s.unix },
		why: "applies only to Unix sockets"},
	{flags: []string{"mode"}, when: func(_ *cli.Context, s site) bool { return s.abstract },
		why:  "sets a socket file's permissions, and an abstract @NAME has no file",
		hint: "an abstract socket serves your own user and root; --allow-uid UID adds others"},
	{flags: roleFlags(listenFlags(), unixFlags(), tlsServerFlags()), when: func(_ *cli.Context, s site) bool { return !s.listening },
		why: "applies when listening, not when dialling"},
	{flags: proxyFlagNames, when: func(c *cli.Context, s site) bool { return s.unix && !dialsToo(c) },
		why: "reaches TCP addresses, not Unix sockets"},
	{flags: roleFlags(dialFlags(), tlsClientFlags(), proxyFlags()), when: func(c *cli.Context, s site) bool { return s.listening && !dialsToo(c) },
		why: "applies when dialling, not when listening"},
	{flags: []string{"retry-delay"}, when: func(c *cli.Context, _ site) bool { return !c.IsSet("retry") && !c.IsSet("reconnect") },
		why: "needs --retry N or --reconnect (without them there is no retry to wait for)"},
	{flags: []string{"retry"}, when: with("reconnect"),
		why: "can't be used with --reconnect: it dials again by itself"},
	{flags: []string{"reconnect"}, when: func(c *cli.Context, _ site) bool { return c.IsSet("exec") || c.IsSet("sh-exec") },
		why: "can't be used with --exec or --sh-exec: it carries on with stdin"},
	{flags: []string{"insecure"}, when: with("pin"),
		why: "can't be used with --pin: the pin already replaces the CA check"},
	{flags: []string{"ca"}, when: with("insecure"),
		why: "can't be used with --insecure: nothing is verified"},
	{flags: []string{"ca"}, when: with("pin"),
		why: "can't be used with --pin: the pin is checked instead of a CA"},
	{flags: []string{"crlf"}, when: with("recv-only"),
		why: "can't be used with --recv-only: stdin is never read"},
	{flags: []string{"crlf", "no-shutdown", "send-only", "recv-only"}, when: func(c *cli.Context, _ site) bool { return c.Bool("broker") || c.Bool("chat") },
		why: "can't be used with --broker or --chat: they do not use stdin and stdout"},
	{flags: []string{"name"}, when: with("raw"),
		why: "can't be used with --raw: plain bytes carry no name"},
	{flags: []string{"force"}, when: func(c *cli.Context, _ site) bool { return c.String("output") == "-" },
		why: "can't be used with -o -: stdout replaces no file"},
	{flags: []string{"hex-dump"}, when: func(c *cli.Context, _ site) bool { return c.String("hex-dump") == "-" && jsonLog(c) },
		why:  "- (stderr) can't be used with --log-format json: stderr carries JSON lines only",
		hint: "-x FILE writes the hex dump to a file"},
	{flags: []string{"color"}, when: func(c *cli.Context, _ site) bool { return c.String("color") == "always" && jsonLog(c) },
		why: "always can't be used with --log-format json: JSON lines are never coloured"},
}

func onUnix(_ *cli.Context, s site) bool { return s.unix }

func onUDP(_ *cli.Context, s site) bool { return s.udp }

// echoUDP is a condition: sockit echo on a UDP address.
func echoUDP(c *cli.Context, s site) bool { return s.udp && commandName(c) == "echo" }

// dialsToo reports a listening command that dials for its clients
// (proxy: its --connect-timeout and --proxy are for each dial of a
// target, which is TCP whatever the listener is).
func dialsToo(c *cli.Context) bool { return c.Command.Name == "proxy" }

// roleFlags names the flags of one role's groups (the dial flags, or the
// listen flags), less the TLS flags both roles share: a command that may
// do either (send, recv) refuses the other role's flags by these names.
func roleFlags(groups ...[]cli.Flag) []string {
	shared := map[string]bool{}
	for _, f := range tlsCommonFlags() {
		shared[f.Names()[0]] = true
	}
	var names []string
	for _, g := range groups {
		for _, f := range g {
			if n := f.Names()[0]; !shared[n] {
				names = append(names, n)
			}
		}
	}
	return names
}

// with is a condition: the flag is given.
func with(flag string) func(*cli.Context, site) bool {
	return func(c *cli.Context, _ site) bool { return c.IsSet(flag) }
}

// jsonLog reports whether --log-format json is given.
func jsonLog(c *cli.Context) bool { return c.String("log-format") == "json" }

// checkApplies fails on the first flag given that cannot apply at s.
func checkApplies(c *cli.Context, s site) error {
	for _, r := range inaptRules {
		for _, f := range r.flags {
			if c.IsSet(f) && r.when(c, s) {
				return r.error(c, f)
			}
		}
	}
	return nil
}

// error is the usage error of flag f against rule r.
func (r inapt) error(c *cli.Context, f string) error {
	e := usagef(commandName(c), "%s %s", flagName(f), r.why)
	if r.hint != "" {
		e.hints = []string{r.hint}
	}
	return e
}

// The sides of a relay a flag acts on: the listener (FROM) only, the
// dialler (each TO) only, or, for the flags listed in neither, both.
var (
	fromSideFlags = []string{"addr-file", "mode", "allow-uid", "allow", "deny", "allow-file", "deny-file", "max-conns", "accept-proxy", "cert", "key", "alpn", "sni", "client-ca", "session-timeout"}
	toSideFlags   = []string{"connect-timeout", "source", "send-proxy", "route", "ca", "server-name", "pin", "insecure", "to-cert", "to-key", "proxy", "proxy-auth-file", "proxy-ca"}
)

// checkRelayApplies is checkApplies for relay, which has a listening
// side, from, and dialling sides, tos: a flag is refused when a rule
// holds at every side the flag acts on (--nodelay with a Unix FROM still
// applies to a TCP TO; --mode with a TCP FROM applies nowhere).
func checkRelayApplies(c *cli.Context, from site, tos []site) error {
	for _, r := range inaptRules {
		for _, f := range r.flags {
			if !c.IsSet(f) {
				continue
			}
			var sides []site
			switch {
			case slices.Contains(fromSideFlags, f):
				sides = []site{from}
			case slices.Contains(toSideFlags, f):
				sides = tos
			default:
				sides = append([]site{from}, tos...)
			}
			if !slices.ContainsFunc(sides, func(s site) bool { return !r.when(c, s) }) {
				return r.error(c, f)
			}
		}
	}
	return nil
}

// flagName spells a flag as the help does: -4, --nodelay.
func flagName(f string) string {
	if len(f) == 1 {
		return "-" + f
	}
	return "--" + f
}
