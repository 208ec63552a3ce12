package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"

	"github.com/urfave/cli/v2"

	"sockit/addr"
	"sockit/ipc"
	"sockit/listen"
	"sockit/pipe"
	"sockit/serve"
)

func listenCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "listen",
		Usage:     "accept one connection on ADDR (or many with -k); stdin goes to the peer, the peer's bytes go to stdout",
		ArgsUsage: "[HOST:]PORT | [IPv6]:PORT | HOST PORT",
		Description: `Listens on ADDR (PORT or :PORT alone: every interface; port 0: a free
port, see --addr-file), accepts one connection, stops listening and copies
stdin and stdout to and from it with the same end-of-stream rules as
connect. stdin is not read before the connection arrives. -k serves
clients until signalled; --broker, --chat and --exec choose what each
client gets.

With -k it accepts connections until SIGINT or SIGTERM: every client's
bytes go to stdout, and stdin goes to every connected client (stdin is
read only while a client is connected); a client that stalls is dropped
once 1 MiB waits for it, and never holds up the others. --broker relays
each client's bytes to the others; --chat does so line by line, naming
the sender. --exec and --sh-exec run a program per connection instead.
Peers refused by --allow, --deny or --max-conns are closed before a byte
is read. --accept-proxy reads a PROXY protocol header (v1 or v2) first
and serves the connection as from the client it names.

With -u (UDP), the first peer's datagram starts the one session. With
-u -k every peer (address and port) is a session of its own: stdin goes
to every live session, datagram by datagram, and every session's
datagrams go to stdout; -e/-c run a program per session. A session ends
after --session-timeout without a datagram from its peer; --max-conns
caps the live sessions.`,
		Flags:  flagsOf(commonFlags(), udpFlags(), listenFlags(), streamFlags(), keepOpenFlags(), limitFlags(), unixFlags(), execFlags(), sessionFlags(), udpSessionFlags(), tlsServerFlags()),
		Action: e.listen,
	}
}

// listen is the action of sockit listen.
func (e *env) listen(c *cli.Context) error {
	sock, a, err := e.begin(c, true)
	if err != nil {
		return err
	}
	jo, x, err := e.session(c)
	if err != nil {
		return err
	}
	keep, err := keepOpen(c)
	if err != nil {
		return err
	}
	if err := checkSessions(c, a, keep); err != nil {
		return err
	}
	switch {
	case a.Kind == addr.UDP && keep:
		return e.listenUDPSessions(c, a, sock, x)
	case a.Kind == addr.UDP:
		return e.listenUDP(c, a, sock)
	}
	lim, err := limitsFrom(c)
	if err != nil {
		return err
	}
	if lim.MaxConns > 0 && !keep {
		return usagef(commandName(c), "--max-conns needs -k (without it, listen serves one connection)")
	}
	l, err := e.newListener(c, a, lim, sock)
	if err != nil {
		return err
	}
	tap, closeLogs, err := e.sessionTaps(c)
	if err != nil {
		return err
	}
	defer closeLogs()
	sock.Tap = tap
	in := e.input(c)

	ln, err := e.openListener(c, l, sock)
	if err != nil {
		return err
	}
	if keep {
		h, workers := e.keepOpenHandler(c, x, in, jo, sock)
		return listen.Serve(c.Context, ln, sock, l.lim, h, workers...)
	}
	conn, err := listen.Accept(c.Context, ln, sock, l.lim)
	ln.Close() // one connection: stop listening at once
	if err != nil {
		return err
	}
	if x != nil {
		return x.Serve(c.Context, conn)
	}
	return pipe.Join(c.Context, conn, in, e.stdout, jo)
}

// keepOpen reads -k, --broker and --chat (which imply -k).
func keepOpen(c *cli.Context) (bool, error) {
	if c.Bool("broker") && c.Bool("chat") {
		return false, usagef(commandName(c), "--broker and --chat can't be used together")
	}
	keep := c.Bool("keep-open") || c.Bool("broker") || c.Bool("chat")
	if keep && c.Bool("half-open") {
		return false, usagef(commandName(c), "--half-open can't be used with -k")
	}
	return keep, nil
}

// keepOpenHandler picks the handler of a -k listener, and what runs
// beside it (the fan-out's input reader).
func (e *env) keepOpenHandler(c *cli.Context, x *serve.Exec, in io.Reader, jo pipe.JoinOptions, sock pipe.Options) (listen.Handler, []func(context.Context)) {
	switch {
	case c.Bool("broker"):
		return serve.NewBroker(sock, 0).Serve, nil
	case c.Bool("chat"):
		return serve.NewChat(sock, 0).Serve, nil
	case x != nil:
		return x.Serve, nil
	}
	f := serve.NewFanout(in, e.stdout, serve.FanoutOptions{
		NoShutdown: jo.NoShutdown, SendOnly: jo.SendOnly, RecvOnly: jo.RecvOnly, Socket: sock,
	})
	return f.Serve, []func(context.Context){f.Run}
}

// openListener binds l, prints its TLS certificate's fingerprint (only
// now: a listener that cannot bind has no certificate to tell), writes
// --addr-file and reports the listening event.
func (e *env) openListener(c *cli.Context, l *listener, sock pipe.Options) (net.Listener, error) {
	var ln net.Listener
	var err error
	if l.addr.Kind == addr.Unix {
		ln, err = ipc.Listen(c.Context, l.addr, l.unix)
	} else {
		ln, err = listen.TCP(c.Context, l.addr, sock)
	}
	if err != nil {
		return nil, err
	}
	if l.notice != "" {
		e.diag.notef("%s", l.notice)
	}
	if err := listening(c, ln.Addr(), sock); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// listening tells that a socket listens on local: it writes --addr-file
// and reports the listening event.
func listening(c *cli.Context, local net.Addr, sock pipe.Options) error {
	if f := c.String("addr-file"); f != "" {
		if err := writeAtomic(f, local.String()+"\n"); err != nil {
			var pe *os.PathError // name the file given, not the temporary one
			var le *os.LinkError
			if errors.As(err, &pe) {
				err = pe.Err
			} else if errors.As(err, &le) {
				err = le.Err
			}
			return fmt.Errorf("--addr-file %s: %w", f, err)
		}
	}
	sock.OnEvent.Emit(pipe.Event{Name: pipe.EventListening, Local: local})
	return nil
}

// writeAtomic writes data to path through a temporary file in the same
// directory and a rename, so a reader never sees half of it.
func writeAtomic(path, data string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return syscall.EISDIR
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if _, err := tmp.WriteString(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
