package cmd

// Help that guides: each command's --help is its description, examples
// and the flags that apply to it in groups (connection, UDP, end of
// stream, server, TLS, Unix sockets, output); the man page uses the same groups.

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
)

// flagGroups are the groups in the order help lists them; a command's
// own flags that fit none come first, under "options".
var flagGroups = []string{"connection", "UDP", "end of stream", "server", "TLS", "Unix socket", "output"}

// groupOf names the group of the flag called name ("" for a command's
// own flag).
func groupOf(name string) string {
	switch name {
	case "4", "6", "nodelay", "keepalive", "idle-timeout", "send-buffer", "recv-buffer",
		"connect-timeout", "source", "source-port", "retry", "retry-delay", "reconnect",
		"addr-file", "telnet", "proxy", "proxy-auth-file", "proxy-ca":
		return "connection"
	case "no-shutdown", "half-open", "send-only", "recv-only", "crlf":
		return "end of stream"
	case "keep-open", "broker", "chat", "max-conns", "allow", "deny", "allow-file", "deny-file",
		"accept-proxy", "send-proxy", "exec", "sh-exec", "once", "balance", "route", "session-timeout":
		return "server"
	case "mode", "allow-uid":
		return "Unix socket"
	case "udp", "datagram-size":
		return "UDP"
	case "verbose", "log-format", "color", "output", "append-output", "hex-dump", "progress", "no-progress", "quiet":
		return "output"
	}
	if strings.HasPrefix(name, "to-") || slices.Contains(tlsNames(), name) {
		return "TLS"
	}
	return ""
}

// tlsNames are the names of every TLS flag.
func tlsNames() []string {
	var ns []string
	for _, f := range flagsOf(tlsClientFlags(), tlsServerFlags()) {
		ns = append(ns, f.Names()[0])
	}
	return ns
}

// tcpOnly are the flags that a Unix socket never takes (see inaptRules):
// ipc's help does not list them.
var tcpOnly = []string{"4", "6", "nodelay", "keepalive", "source", "source-port", "allow", "deny", "allow-file", "deny-file", "send-proxy", "accept-proxy", "proxy", "proxy-auth-file", "proxy-ca"}

// grouped returns the flags of c that its help lists, by group; own
// holds the command's own flags. onUnix drops the flags a Unix socket
// never takes, and !onUnix the ones only a Unix socket takes.
func grouped(flags []cli.Flag, onUnix bool) (own []cli.Flag, groups map[string][]cli.Flag) {
	groups = map[string][]cli.Flag{}
	hasTLS := slices.ContainsFunc(flags, func(f cli.Flag) bool { return f.Names()[0] == "tls" })
	for _, f := range flags {
		if vf, ok := f.(cli.VisibleFlag); ok && !vf.IsVisible() {
			continue
		}
		n := f.Names()[0]
		if n == "help" {
			continue
		}
		g := groupOf(n)
		if (onUnix && slices.Contains(tcpOnly, n)) || (!onUnix && g == "Unix socket") {
			continue
		}
		if g == "" || (g == "TLS" && !hasTLS) { // proxy's --handshake-timeout is its own
			own = append(own, f)
			continue
		}
		groups[g] = append(groups[g], f)
	}
	return own, groups
}

// commandDoc is what a command's help says besides its flags.
type commandDoc struct {
	desc     string   // replaces the command's Description when set
	examples []string // shell lines, "  # comment" allowed
}

// commandDocs are keyed by the command as typed: "connect", "ipc listen".
var commandDocs = map[string]commandDoc{
	"connect": {examples: []string{
		"printf 'HEAD / HTTP/1.0\\r\\n\\r\\n' | sockit connect example.com 80",
		"sockit connect receiver:9000 < image.iso        # exits once the receiver has it all",
		"sockit connect db 5432 --retry 10 --idle-timeout 30 -v",
		"sockit connect tls:example.com:443 --alpn http/1.1",
		"sockit connect unix:/run/app.sock -e ./client.sh",
		"sockit connect --proxy socks5h://127.0.0.1:1080 internal.example 22",
		"ssh -o ProxyCommand='sockit connect --proxy http://proxy:3128 %h %p' server",
		"echo ping | sockit connect -u 127.0.0.1 9000    # UDP: replies until 2s of quiet",
	}},
	"listen": {examples: []string{
		"sockit listen 9000 > copy.iso                   # one client, then exit",
		"sockit listen 127.0.0.1:0 --addr-file addr -v   # a free port, written to addr",
		"sockit listen -k 8080 --chat                    # a line-based chat room",
		"sockit listen -k 2222 --allow 10.0.0.0/8 -e /bin/cat",
		"sockit listen tls:8443 --cert c.pem --key k.pem",
		"sockit listen -u -k 5140 -v                     # every UDP peer a session; stdin to all",
		"sockit listen -u 5140 --recv-only -x dump.txt   # UDP: the first peer's datagrams",
	}},
	"echo": {examples: []string{
		"sockit echo 7777",
		"sockit echo 127.0.0.1:0 --addr-file addr --max-conns 100",
		"sockit echo tls:7443                            # a throwaway certificate, fingerprint on stderr",
		"sockit echo -u 7777                             # every datagram back to its sender",
	}},
	"send": {examples: []string{
		"sockit send receiver:9000 big.iso photos/       # files and directories",
		"tar c dir | sockit send receiver:9000 - --name dir.tar",
		"sockit send --listen 9000 notes.txt             # the receiver dials in (recv --connect)",
	}},
	"recv": {examples: []string{
		"sockit recv 9000 incoming/",
		"sockit recv -k 9000 --force                     # transfer after transfer",
		"sockit recv --connect sender:9000 -o - | tar x",
	}},
	"cert": {examples: []string{
		"sockit cert localhost 127.0.0.1",
		"sockit cert --cert server.pem --key server.key example.com",
		"sockit listen tls:8443 --cert cert.pem --key key.pem",
	}},
	"relay": {examples: []string{
		"sockit relay 8080 backend:80                    # port forwarding",
		"sockit relay tls:443 127.0.0.1:8080 --cert c.pem --key k.pem",
		"sockit relay 5432 unix:/run/postgresql/.s.PGSQL.5432",
		"sockit relay 8080 a:80 b:80 --balance round-robin",
		"sockit relay -u 53 10.0.0.2:53                  # UDP: a socket per client",
		"sockit relay 2222 internal:22 --proxy socks5h://gw:1080   # each TO through a proxy",
	}},
	"proxy": {examples: []string{
		"sockit proxy 127.0.0.1:1080                     # SOCKS5, SOCKS4/4a and HTTP for this host",
		"curl --socks5-hostname 127.0.0.1:1080 https://example.com/",
		"curl -x http://127.0.0.1:1080 http://example.com/",
		"sockit proxy 1080 --auth-file users --deny-to 10.0.0.0/8 --deny-to 127.0.0.0/8",
		"sockit proxy 3128 --allow 192.168.1.0/24 --allow-to '*.example.com:443' -v",
	}},
	"scan": {examples: []string{
		"sockit scan example.com 22 80 443",
		"sockit scan -v 127.0.0.1 8000-8100              # closed and filtered ports too",
		"sockit scan --banner 192.0.2.5 22,25,110",
		"sockit -z -w 2 192.0.2.5 20-25                  # nc's form",
		"sockit scan --proxy socks5h://127.0.0.1:1080 10.1.2.3 22 80   # as the proxy sees them",
	}},
	"resolve": {examples: []string{
		"sockit resolve example.com",
		"sockit resolve -4 localhost",
		"sockit resolve 192.0.2.1 ::1                    # ipv4, ipv6",
	}},
	"completion": {examples: []string{
		"source <(sockit completion bash)",
		"sockit completion zsh > \"${fpath[1]}/_sockit\"",
		"sockit completion fish > ~/.config/fish/completions/sockit.fish",
	}},
	"ipc listen": {desc: `Listens on the Unix socket PATH (or the abstract @NAME), accepts one
connection (or many with -k) and copies stdin and stdout to and from it
with the same end-of-stream rules as connect. The socket file gets mode
0600 unless --mode says otherwise and is removed when sockit ends; a
stale file nobody answers on is replaced. --allow-uid serves only the
peers running as the users named; -v names each peer by pid, uid and gid.`, examples: []string{
		"sockit ipc listen /tmp/app.sock > log",
		"sockit ipc listen -k --mode 0660 /run/app.sock -e ./handler",
		"sockit ipc listen @myapp --allow-uid 1000",
	}},
	"ipc connect": {desc: `Connects to the Unix socket PATH (or the abstract @NAME) and copies stdin
to it and its bytes to stdout, with the same end-of-stream rules as
connect.`, examples: []string{
		"echo '{\"cmd\":\"status\"}' | sockit ipc connect /run/app.sock",
		"sockit ipc connect @myapp --idle-timeout 5",
		"sockit ipc connect /var/run/docker.sock < request.http",
	}},
	"ipc echo": {desc: `Runs a concurrent echo server on the Unix socket PATH (or the abstract
@NAME) until SIGINT or SIGTERM: every byte a client sends comes back.`, examples: []string{
		"sockit ipc echo /tmp/echo.sock",
		"sockit ipc echo @echo --max-conns 10 -v",
		"sockit ipc echo /tmp/echo.sock --mode 0666",
	}},
}

// defaultHelpPrinter is urfave/cli's, for the root and for ipc.
var defaultHelpPrinter = cli.HelpPrinter

func init() {
	cli.HelpPrinter = printHelp
}

// printHelp prints a leaf command's help the guiding way, and hands the
// rest to urfave/cli.
func printHelp(w io.Writer, templ string, data any) {
	c, ok := data.(*cli.Command)
	if !ok || len(c.Subcommands) > 0 {
		defaultHelpPrinter(w, templ, data)
		return
	}
	io.WriteString(w, commandHelp(c))
}

// commandHelp renders the help of leaf command c.
func commandHelp(c *cli.Command) string {
	path := strings.TrimPrefix(c.HelpName, "sockit ")
	if path == "" {
		path = c.Name
	}
	doc := commandDocs[path]
	onUnix := strings.HasPrefix(path, "ipc ")
	var b strings.Builder
	fmt.Fprintf(&b, "NAME:\n   sockit %s - %s\n\nUSAGE:\n   sockit %s [options] %s\n", path, c.Usage, path, c.ArgsUsage)
	desc := c.Description
	if doc.desc != "" {
		desc = doc.desc
	}
	if desc != "" {
		// One paragraph here; the man page carries the rest.
		first, more, _ := strings.Cut(strings.TrimSpace(desc), "\n\n")
		b.WriteString("\nDESCRIPTION:\n")
		for _, l := range strings.Split(first, "\n") {
			b.WriteString(strings.TrimRight("   "+l, " ") + "\n")
		}
		if more != "" {
			b.WriteString("   (man sockit says more.)\n")
		}
	}
	if len(doc.examples) > 0 {
		b.WriteString("\nEXAMPLES:\n")
		for _, e := range doc.examples {
			b.WriteString("   " + e + "\n")
		}
	}
	own, groups := grouped(c.Flags, onUnix)
	flagSection(&b, "OPTIONS", own)
	for _, g := range flagGroups {
		flagSection(&b, strings.ToUpper(g)+" OPTIONS", groups[g])
	}
	if !onUnix && slices.ContainsFunc(c.Flags, func(f cli.Flag) bool { return groupOf(f.Names()[0]) == "Unix socket" }) {
		ipc := "listen"
		if c.Name == "echo" {
			ipc = "echo"
		}
		fmt.Fprintf(&b, "\nA unix:PATH address takes the Unix socket options too: see 'sockit ipc %s --help'.\n", ipc)
	}
	b.WriteString("\n   --help, -h  show this help\n")
	return b.String()
}

// flagSection writes one group of flags, names and usage in columns.
func flagSection(b *strings.Builder, title string, flags []cli.Flag) {
	if len(flags) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s:\n", title)
	tw := tabwriter.NewWriter(b, 0, 8, 2, ' ', 0)
	for _, f := range flags {
		fmt.Fprintf(tw, "   %s\n", f.String())
	}
	tw.Flush()
}
