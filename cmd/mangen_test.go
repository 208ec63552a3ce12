package cmd

// The man page generator (test code: the binary does not carry it).
// man/sockit.1 is generated from the app's commands and
// flags by manPage, plus the sections below that the CLI definitions
// cannot hold. TestManPage fails when the file is stale; scripts/man.sh
// regenerates it.

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// manPage renders app as a section 1 man page in roff.
func manPage(app *cli.App) string {
	var b strings.Builder
	b.WriteString(`.\" Generated from the CLI definitions by scripts/man.sh; do not edit.` + "\n")
	b.WriteString(".TH SOCKIT 1 \"\" \"sockit\" \"User Commands\"\n")
	section(&b, "NAME")
	fmt.Fprintf(&b, "sockit \\- %s\n", roff(app.Usage))
	section(&b, "SYNOPSIS")
	for _, c := range app.VisibleCommands() {
		if len(c.Subcommands) > 0 {
			for _, sc := range c.Subcommands {
				fmt.Fprintf(&b, ".B sockit %s %s\n[\\fIOPTIONS\\fR] %s\n.br\n", c.Name, sc.Name, roff(sc.ArgsUsage))
			}
			continue
		}
		fmt.Fprintf(&b, ".B sockit %s\n[\\fIOPTIONS\\fR] %s\n.br\n", c.Name, roff(c.ArgsUsage))
	}
	b.WriteString(".B sockit\n\\-\\-help | \\-\\-version\n")
	section(&b, "DESCRIPTION")
	paragraphs(&b, app.Description)
	b.WriteString(manAddresses)

	common := names(commonFlags())
	section(&b, "COMMANDS")
	for _, c := range app.VisibleCommands() {
		if len(c.Subcommands) > 0 {
			subcommandsItem(&b, c)
			continue
		}
		fmt.Fprintf(&b, ".SS \"sockit %s %s\"\n", c.Name, roff(c.ArgsUsage))
		paragraphs(&b, c.Description)
		examplesItem(&b, commandDocs[c.Name].examples)
		groupedFlags(&b, c.Flags, common, false)
	}
	section(&b, "COMMON OPTIONS")
	b.WriteString("Every command takes these. Flags may come before or after the address.\n")
	groupedFlags(&b, commonFlags(), nil, false)
	flagItem(&b, &cli.BoolFlag{Name: "help", Aliases: []string{"h"}, Usage: "show help and exit 0"})
	flagItem(&b, cli.VersionFlag)
	b.WriteString(manRest)
	return b.String()
}

// subcommandsItem describes a command made of subcommands (ipc), whose
// flags are those of the commands they mirror.
func subcommandsItem(b *strings.Builder, c *cli.Command) {
	var names []string
	for _, sc := range c.Subcommands {
		names = append(names, sc.Name)
	}
	fmt.Fprintf(b, ".SS \"sockit %s %s %s\"\n", c.Name, strings.Join(names, "|"), roff(c.Subcommands[0].ArgsUsage))
	paragraphs(b, c.Description)
	for _, sc := range c.Subcommands {
		fmt.Fprintf(b, ".TP\n\\fBsockit %s %s\\fR \\fIPATH\\fR\n%s; the flags of \\fBsockit %s\\fR.\n", c.Name, sc.Name, roff(sc.Usage), sc.Name)
	}
	for _, sc := range c.Subcommands {
		fmt.Fprintf(b, ".PP\n\\fBsockit %s %s\\fR:\n", c.Name, sc.Name)
		paragraphs(b, commandDocs[c.Name+" "+sc.Name].desc)
		examplesItem(b, commandDocs[c.Name+" "+sc.Name].examples)
	}
	b.WriteString(".PP\nOn a Unix socket, the flags for TCP only (\\fB\\-4\\fR, \\fB\\-6\\fR, \\fB\\-\\-nodelay\\fR, \\fB\\-\\-keepalive\\fR, \\fB\\-\\-source\\fR, \\fB\\-\\-allow\\fR, ...) are refused; these apply to Unix sockets only:\n")
	groupedFlags(b, unixFlags(), nil, true)
}

// examplesItem writes a command's examples as a literal block.
func examplesItem(b *strings.Builder, examples []string) {
	if len(examples) == 0 {
		return
	}
	b.WriteString(".PP\nExamples:\n.PP\n.RS 4\n.nf\n")
	for _, e := range examples {
		b.WriteString(roff(e) + "\n")
	}
	b.WriteString(".fi\n.RE\n")
}

// groupedFlags writes flags, less skip, under the groups --help uses
// (the command's own first); onUnix as in grouped.
func groupedFlags(b *strings.Builder, flags []cli.Flag, skip []string, onUnix bool) {
	var keep []cli.Flag
	for _, f := range flags {
		if !slices.Contains(skip, f.Names()[0]) {
			keep = append(keep, f)
		}
	}
	own, groups := grouped(keep, onUnix)
	if onUnix {
		own = append(own, groups["Unix socket"]...)
	}
	for _, f := range own {
		flagItem(b, f)
	}
	for _, g := range flagGroups {
		if len(groups[g]) == 0 || (onUnix && g == "Unix socket") {
			continue
		}
		fmt.Fprintf(b, ".PP\n\\fI%s options:\\fR\n", roff(strings.ToUpper(g[:1])+g[1:]))
		for _, f := range groups[g] {
			flagItem(b, f)
		}
	}
}

func section(b *strings.Builder, name string) { fmt.Fprintf(b, ".SH %s\n", name) }

// paragraphs writes text, whose paragraphs are separated by blank lines.
func paragraphs(b *strings.Builder, text string) {
	for i, p := range strings.Split(strings.TrimSpace(text), "\n\n") {
		if i > 0 {
			b.WriteString(".PP\n")
		}
		b.WriteString(roff(strings.Join(strings.Fields(p), " ")) + "\n")
	}
}

// flagItem writes one flag as a tagged paragraph: names, placeholder,
// usage and default.
func flagItem(b *strings.Builder, f cli.Flag) {
	df, ok := f.(cli.DocGenerationFlag)
	if !ok {
		return
	}
	placeholder, usage := unquoteUsage(df.GetUsage())
	var tags []string
	for _, n := range f.Names() {
		dash := "\\-\\-"
		if len(n) == 1 {
			dash = "\\-"
		}
		tag := "\\fB" + dash + roff(n) + "\\fR"
		if df.TakesValue() {
			if placeholder == "" {
				placeholder = "value"
			}
			tag += " \\fI" + roff(placeholder) + "\\fR"
		}
		tags = append(tags, tag)
	}
	fmt.Fprintf(b, ".TP\n%s\n%s", strings.Join(tags, ", "), roff(usage))
	if v := df.GetDefaultText(); df.TakesValue() && v != "" && v != `""` && v != "0s" && v != "0" {
		fmt.Fprintf(b, " (default: %s)", roff(strings.Trim(v, `"`)))
	}
	b.WriteString("\n")
}

// unquoteUsage takes the first `quoted` word of a usage text as the
// value's placeholder, as urfave/cli's help does, and drops the quotes.
func unquoteUsage(usage string) (placeholder, text string) {
	before, rest, ok := strings.Cut(usage, "`")
	if !ok {
		return "", usage
	}
	name, after, ok := strings.Cut(rest, "`")
	if !ok {
		return "", usage
	}
	return name, before + name + after
}

// names returns the primary names of flags.
func names(flags []cli.Flag) []string {
	var ns []string
	for _, f := range flags {
		ns = append(ns, f.Names()[0])
	}
	return ns
}

// roff escapes text for a roff line.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

const manAddresses = `.PP
An address is
.IR HOST : PORT ,
.RI [ IPv6 ]: PORT ,
or
.I HOST PORT
as two arguments. The listening commands also take
.I PORT
or
.RI : PORT
alone for every interface, and port 0 for a free port chosen by the
kernel (see \fB\-\-addr\-file\fR). A port is a number or a service name
such as http.
.PP
Errors are one line on stderr starting with "sockit: ", sometimes followed
by "sockit: hint: " lines. Without \fB\-v\fR a successful run prints
nothing on stderr. With \fB\-\-log\-format json\fR every line on stderr is
a JSON object: an error is {"event":"error","error":...,"hints":[...]}, a
warning or a notice (a TLS listener's fingerprint) is
{"event":"warning","message":...} or {"event":"notice","message":...}.
`

const manRest = `.SH ADDRESSES
A TCP ADDR is \fIHOST\fB:\fIPORT\fR, \fB[\fIIPv6\fB]:\fIPORT\fR or
\fIHOST PORT\fR as two arguments; the listening commands also take
\fIPORT\fR and \fB:\fIPORT\fR (every interface) and port 0 (a free port).
A port may be a service name. \fBtcp:\fR, \fBtcp4:\fR or \fBtcp6:\fR may
prefix a TCP address (the last two fix the family).
\fBunix:\fIPATH\fR and \fBunix:@\fINAME\fR (Linux abstract) name a
Unix socket; the ipc commands take the PATH alone. \fBtls:\fR in front of
any of them is \fB\-\-tls\fR for that address. \fBudp:\fR,
\fBudp4:\fR and \fBudp6:\fR name a UDP address, and \fB\-u\fR makes
every bare address of the command UDP (an explicit \fBtcp:\fR still
wins; \fB\-u\fR with \fBunix:\fR is a usage error).
.SH END OF STREAM
.IP \(bu 2
When stdin ends, sockit shuts down the write side of the connection (TCP
FIN) and keeps reading until the peer ends, then exits 0. A reply that
comes long after stdin ended is still delivered: no timer cuts it off
unless \fB\-\-idle\-timeout\fR is given.
.IP \(bu 2
When the peer ends first, only that direction is over: sockit writes out
what it received, closes stdout (a reader downstream sees EOF at once) and
goes on sending stdin until it ends, then exits 0.
.IP \(bu 2
When stdin is a terminal, the peer's end exits 0 at once (nobody types
into a finished conversation); \fB\-\-half\-open\fR keeps reading the
terminal instead.
.IP \(bu 2
A peer that goes away for good (reset, broken pipe) while stdin is still
being sent is exit 1: "the peer closed before all input was sent". A
stdout that was closed when sockit started (\fB>&\-\fR) is exit 1 once the
peer sends something; \fB>/dev/null\fR or \fB\-\-send\-only\fR
discards on purpose.
.IP \(bu 2
\fB\-\-no\-shutdown\fR keeps the write side open after stdin ends;
\fB\-\-send\-only\fR never writes to stdout and waits for the peer to end;
\fB\-\-recv\-only\fR never reads stdin, so a listener does not stop when
stdin is closed.
.SS Reconnecting
\fBconnect \-\-reconnect\fR dials again whenever the connection ends (the
peer's EOF ends it) or a dial fails, and carries on with the same stdin,
after \fB\-\-retry\-delay\fR (default 1s), doubling up to 30s, and from
\fB\-\-retry\-delay\fR again after a connection that lasted 10s or more.
Bare, it never gives up; \fB\-\-reconnect\fR \fIN\fR gives up after N
failed dials in a row (exit 1). It exits 0 once stdin has ended and the
last connection has finished. Bytes written to a connection that died are
not sent again; input a connection took but could not write is counted in
the reconnect event.
.SH UDP
UDP has datagrams and no end of stream; sockit keeps each datagram's
boundaries and ends a session when it falls quiet.
.IP \(bu 2
Each read of stdin is one datagram of at most \fB\-\-datagram\-size\fR
bytes (default 1400, at most 65507); from a terminal, each line, its
newline included. stdin cannot send an empty datagram (a read of 0 bytes
is its end); an empty line is the one-byte datagram "\\n", as with nc.
.IP \(bu 2
Each datagram received is written to stdout as it came, in one write; an
empty one writes nothing but is counted, dumped by \fB\-x\fR and
shown by \fB\-v\fR.
.IP \(bu 2
After stdin ends, sockit keeps receiving until no datagram has come for
\fB\-\-idle\-timeout\fR (2s if not given; 0: for ever), then exits 0.
While stdin is open, an \fB\-\-idle\-timeout\fR given ends a session
without a datagram either way for that long with exit 3.
\fB\-\-send\-only\fR exits once stdin is sent; \fB\-\-recv\-only\fR
ends only at the idle timeout or a signal.
.IP \(bu 2
An ICMP port unreachable from the peer is "connection refused", exit 1.
.IP \(bu 2
\fBlisten \-u\fR: the first datagram (from a peer \fB\-\-allow\fR and
\fB\-\-deny\fR let in) starts the session; stdin goes to that peer, and
datagrams from other peers are dropped, each such peer with a reject
event.
.IP \(bu 2
\fBlisten \-u \-k\fR: every peer (address and port) is a session,
sorted by sockit on one unconnected socket; every session's datagrams go
to stdout, stdin goes to every live session datagram by datagram. A
session ends after \fB\-\-session\-timeout\fR (default 60s; 0: never)
without a datagram from its peer, with a close event counting datagrams
and bytes each way. \fB\-\-max\-conns\fR caps the live sessions, and a
new peer beyond it, or one \fB\-\-allow\fR/\fB\-\-deny\fR refuse, is
dropped with a reject event, its payload unused.
.IP \(bu 2
\fB\-e\fR/\fB\-c\fR with \fBlisten \-u \-k\fR: a program per
session, the session's datagrams its stdin, each read of its stdout one
datagram to that peer. The program's exit ends the session; the
session's timeout closes the program's stdin, and a program still
running 2s later is stopped (SIGTERM, then SIGKILL).
.IP \(bu 2
\fBrelay udp:\fR\fIFROM\fR \fBudp:\fR\fITO\fR (or \fBrelay \-u\fR): a
session per client, each with a socket of its own connected to a TO
(several TOs need \fB\-\-balance round\-robin\fR: UDP has no
handshake for failover to see a TO refuse), so replies go back to that
client alone;
\fB\-\-session\-timeout\fR and \fB\-\-max\-conns\fR as above. Both
sides are UDP or neither.
.IP \(bu 2
\fBecho \-u\fR: every datagram goes back to its sender as it came (an
empty one as an empty one, up to 65507 bytes), for any number of senders
at once, read and sent in batches (recvmmsg and sendmmsg); a sender gone
away (an ICMP error) never stops it. \fB\-\-allow\fR and
\fB\-\-deny\fR choose which senders are answered (a reject event the
first time each refused sender is seen). It keeps no sessions:
\fB\-\-max\-conns\fR, \fB\-\-idle\-timeout\fR and
\fB\-\-datagram\-size\fR are usage errors there.
.IP \(bu 2
\fB\-e\fR/\fB\-c\fR with \fBconnect \-u\fR and one-shot \fBlisten \-u\fR run a program for the session: the peer's datagrams
are its stdin, which ends once the peer has been quiet for
\fB\-\-idle\-timeout\fR when given; each read of its stdout is sent as a
datagram (split at \fB\-\-datagram\-size\fR); the session ends with the
program.
.IP \(bu 2
\fB\-x\fR dumps each datagram with its number and length, offsets from
its start; the close event counts datagrams and bytes each way.
.IP \(bu 2
The TLS flags, \fB\-\-half\-open\fR, \fB\-\-no\-shutdown\fR,
\fB\-\-nodelay\fR, \fB\-\-keepalive\fR, \fB\-\-telnet\fR,
\fB\-\-connect\-timeout\fR, \fB\-\-retry\fR, \fB\-\-reconnect\fR and
\fB\-\-accept\-proxy\fR are usage errors with a UDP address, and
\fB\-\-datagram\-size\fR with any other.
.PP
Unlike nc \-u, which waits for ever after stdin ends without \-q or \-w,
and ncat \-u, which exits at stdin's end before a late reply comes,
sockit waits for 2s of quiet; unlike socat's UDP-LISTEN, its one-shot
listener reports the peers it drops.
.SH PROXIES
\fB\-\-proxy\fR \fIURL\fR makes connect, send, recv \fB\-\-connect\fR,
scan and relay's TOs (not its listener) reach their address through a
proxy. Schemes: \fBsocks5://\fR (names resolved by sockit),
\fBsocks5h://\fR (names resolved by the proxy), \fBsocks4://\fR
(resolved by sockit; IPv4 only), \fBsocks4a://\fR, \fBhttp://\fR (HTTP
CONNECT) and \fBhttps://\fR (CONNECT over TLS to the proxy, verified like
\fB\-\-tls\fR, with \fB\-\-proxy\-ca\fR \fIFILE\fR). Default ports:
1080 for SOCKS, 8080 for http, 443 for https.
.PP
Credentials are \fIUSER\fB:\fIPASS\fB@\fR in the URL
(percent-encoded), or \fB\-\-proxy\-auth\-file\fR \fIFILE\fR with
\fIUSER\fB:\fIPASS\fR on one line, kept out of ps; SOCKS5 uses RFC 1929
username/password, HTTP Basic. SOCKS4 has a user id and no password.
.PP
\fB\-\-proxy\fR repeated is a chain: the first proxy is dialled directly
(\fB\-\-connect\-timeout\fR, \fB\-\-source\fR, \fB\-4\fR/\fB\-6\fR
apply to it), each next one through the one before. \fB\-\-tls\fR runs end
to end with the target: its name is verified and \fB\-\-pin\fR is the
target's, never the proxy's. A failure is one line naming the proxy and
its reason ("proxy 127.0.0.1:1080: host unreachable (SOCKS5 reply 4)",
"407 Proxy Authentication Required"), exit 1; a proxy that does not
answer within \fB\-\-connect\-timeout\fR is exit 3. Unix sockets and
UDP cannot go through a proxy. In nc's form, \fB\-x\fR \fIADDR\fR[:\fIPORT\fR]
is \fB\-\-proxy socks5h://\fR\fIADDR\fR:\fIPORT\fR, and \fB\-X 4\fR,
\fB\-X 5\fR or \fB\-X connect\fR chooses socks4://, socks5h:// or
http:// (port 3128 by default).
.PP
As ssh's ProxyCommand (stdout carries only the tunnel; sockit exits when
ssh closes its end):
.PP
.nf
.RS
ssh \-o ProxyCommand='sockit connect \-\-proxy socks5h://bastion:1080 %h %p' server
.RE
.fi
.SH EVENTS
With \fB\-v\fR, sockit prints one line per event on stderr: listening,
lookup, connect, retry, reconnect (why the last connection or dial ended,
the input it did not send, the wait), connection (with the number of open connections),
end (the peer half-closed), timeout, error and close (with bytes in and
out in human units, 3.0 MiB, and the duration). A peer is named by its
address, or a Unix client, which has none, by its credentials (pid 4242,
uid 1000, gid 1000). With \fB\-\-log\-format json\fR each event is one
JSON object per line with at least time, event and the addresses, and
exact byte counts. On a terminal, errors are bold red, warnings bold
yellow, hints green, events and notices cyan.
.PP
The events:
.TP
.B listening
a listener is ready: its address.
.TP
.B lookup
a host name resolved: the addresses, in the order they are tried.
.TP
.B connect
a dial succeeded: the connection number, both addresses, the attempt.
For UDP, which has no handshake, it reads "ready #1 to ... (udp: no
handshake)": only a reply or a refusal tells whether the peer is there.
.TP
.B proxy
with \\fB\\-\\-proxy\\fR: a proxy of the chain opened its tunnel: the proxy (its URL without credentials), the host and port asked for.
.TP
.B retry
a dial failed and is tried again: the address, the attempt, the error, the wait.
.TP
.B reconnect
with \\fB\\-\\-reconnect\\fR: why the last connection or dial ended, the input it did not send, the wait.
.TP
.B connection
a listener accepted: both addresses and the number of open connections (a Unix peer by its credentials).
.TP
.B reject
a peer refused by \\fB\\-\\-allow\\fR, \\fB\\-\\-deny\\fR, \\fB\\-\\-allow\\-uid\\fR or \\fB\\-\\-max\\-conns\\fR, closed before a byte is read, and why; for UDP, a peer whose datagrams a one-shot listener drops (once per peer).
.TP
.B drop
a server cut a client off (a stalled \\fB\\-k\\fR client, a relay whose upstream failed), and why.
.TP
.B tls
a TLS handshake finished: version, cipher suite, ALPN, the peer's certificate.
.TP
.B end
the peer half-closed: it sends no more.
.TP
.B timeout
no traffic either way for \\fB\\-\\-idle\\-timeout\\fR.
.TP
.B error
a connection failed: the error.
.TP
.B close
a connection ended: bytes in and out, and the duration; for UDP, datagrams in and out too.
.TP
.B transfer
a step of a file transfer (send, recv): offer, resume, verified.
.TP
.B request
a proxy request ended (sockit proxy): the client (and its user), the protocol (socks5, socks4, socks4a, http), the target and the address dialled, the result (ok, bad request, timeout, auth required, auth failed, denied, failed) and why, bytes each way through the tunnel, and the duration.
.SH EXIT STATUS
.TP
.B 0
Success, also for \fB\-\-help\fR and \fB\-\-version\fR.
.TP
.B 1
Runtime failure: connection refused or reset, DNS failure, address in use,
I/O error.
.TP
.B 2
Usage error: unknown command or flag, wrong arguments, bad values, or a
flag that cannot apply to the command, its kind of address (TCP or Unix
socket) or its role (dialling or listening), such as \fB\-\-allow\fR on a
Unix socket or \fB\-\-retry\fR on a listening recv. One line on stderr,
nothing on stdout, and nothing is created: no directory, log, socket or
address file.
.TP
.B 3
Timeout: \fB\-\-connect\-timeout\fR or \fB\-\-idle\-timeout\fR.
.TP
.B 128+n
Ended by signal n after cleaning up: 130 for SIGINT (Ctrl-C), 143 for
SIGTERM, 129 for SIGHUP (unless it is ignored, as under nohup), 131 for
SIGQUIT (no goroutine dump). An \fB\-\-exec\fR program's process group
gets SIGTERM, then SIGKILL 2 seconds later. 141 when stdout is a closed
pipe (SIGPIPE), silently.
.SH ENVIRONMENT
.TP
.B NO_COLOR
When set and not empty, stderr is never coloured (unless \fB\-\-color always\fR).
.TP
.B TERM
When dumb, stderr is never coloured.
.SH EXAMPLES
Run an echo server on port 9000 and talk to it:
.PP
.nf
.RS
sockit echo 9000 &
printf 'hello\en' | sockit connect localhost 9000
.RE
.fi
.PP
Ask a web server for its headers; the reply after stdin ends is kept:
.PP
.nf
.RS
printf 'HEAD / HTTP/1.0\er\en\er\en' | sockit connect example.com 80
.RE
.fi
.PP
Copy a file from one machine to another (receiver first):
.PP
.nf
.RS
sockit listen 9000 > copy.iso
sockit connect receiver:9000 < image.iso
.RE
.fi
.PP
Send a file and a directory, verified, with progress; run the same two
commands again after an interruption to resume:
.PP
.nf
.RS
sockit recv 9000 incoming/
sockit send receiver:9000 image.iso photos/
.RE
.fi
.PP
Serve TLS with a throwaway certificate and connect to it by its
fingerprint, printed by the listener:
.PP
.nf
.RS
sockit listen --tls 9000
sockit connect --tls --pin AB:CD:...:EF host 9000
.RE
.fi
.PP
Listen on a free port and tell a script which one, with events as JSON:
.PP
.nf
.RS
sockit listen 127.0.0.1:0 \-\-addr\-file addr \-v \-\-log\-format json
.RE
.fi
.PP
Wait for a service that starts late, and give up after 30 s of silence:
.PP
.nf
.RS
sockit connect db 5432 \-\-retry 10 \-\-idle\-timeout 30s
.RE
.fi
.PP
A chat room, and an inetd-style service that runs a program per client:
.PP
.nf
.RS
sockit listen \-\-chat 4000
sockit listen \-k \-c 'date; cat /etc/motd' 7000
.RE
.fi
.PP
A log collector that serves 20 clients at once from one network only, one
address of it excepted:
.PP
.nf
.RS
sockit listen \-k \-\-allow 10.0.0.0/8 \-\-deny 10.0.0.9 \-\-max\-conns 20 9000 > log
.RE
.fi
.PP
See every byte of a session as a hex dump on stderr:
.PP
.nf
.RS
sockit connect \-x \- \-\-crlf example.com 80
.RE
.fi
.PP
Two scripts talking over a Unix socket that only their user can open; the
socket file is gone afterwards:
.PP
.nf
.RS
sockit ipc listen \-k \-v /run/user/1000/app.sock | ./consumer &
\&./producer | sockit ipc connect /run/user/1000/app.sock
.RE
.fi
.SH SEE ALSO
.BR nc (1),
.BR ncat (1),
.BR socat (1)
`

// TestManEvents fails when an event of pipe/event.go is not listed in
// the EVENTS section of the man page.
func TestManEvents(t *testing.T) {
	src, err := os.ReadFile("../pipe/event.go")
	if err != nil {
		t.Fatal(err)
	}
	names := regexp.MustCompile(`Event\w+\s*=\s*"(\w+)"`).FindAllStringSubmatch(string(src), -1)
	if len(names) == 0 {
		t.Fatal("no events found in pipe/event.go")
	}
	_, events, _ := strings.Cut(manRest, ".SH EVENTS")
	events, _, _ = strings.Cut(events, ".SH ")
	for _, n := range names {
		if !strings.Contains(events, ".B "+n[1]+"\n") {
			t.Errorf("man page EVENTS does not list %q", n[1])
		}
	}
}
