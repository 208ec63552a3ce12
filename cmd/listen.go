package cmd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"

	"github.com/urfave/cli/v2"

	"sockit/listen"
	"sockit/pipe"
)

func listenCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "listen",
		Usage:     "accept one connection on ADDR; stdin goes to the peer, the peer's bytes go to stdout",
		ArgsUsage: "[HOST:]PORT | [IPv6]:PORT | HOST PORT",
		Description: `Listens on ADDR (PORT or :PORT alone: every interface; port 0: a free
port, see --addr-file), accepts one connection, stops listening and copies
stdin and stdout to and from it with the same end-of-stream rules as
connect. stdin is not read before the connection arrives.`,
		Flags:  flagsOf(commonFlags(), listenFlags(), streamFlags()),
		Action: e.listen,
	}
}

// listen is the action of sockit listen.
func (e *env) listen(c *cli.Context) error {
	sock, err := e.setup(c)
	if err != nil {
		return err
	}
	jo, err := joinOptions(c)
	if err != nil {
		return err
	}
	ln, err := openListener(c, sock)
	if err != nil {
		return err
	}
	conn, err := listen.Accept(c.Context, ln, sock)
	ln.Close() // one connection: stop listening at once
	if err != nil {
		return err
	}
	return pipe.Join(c.Context, conn, e.stdin, e.stdout, e.endRules(jo))
}

// openListener parses ADDR and the family flags, listens, writes
// --addr-file and reports the listening event.
func openListener(c *cli.Context, sock pipe.Options) (net.Listener, error) {
	name := c.Command.Name
	netw, err := network(c)
	if err != nil {
		return nil, err
	}
	addr, err := parseAddr(name, c.Args().Slice(), true)
	if err != nil {
		return nil, err
	}
	if err := checkFamily(name, addr, netw); err != nil {
		return nil, err
	}
	if host, port, _ := net.SplitHostPort(addr); host == "" {
		switch netw {
		case "tcp4":
			addr = net.JoinHostPort("0.0.0.0", port)
		case "tcp6":
			addr = net.JoinHostPort("::", port)
		}
	}
	ln, err := listen.Listen(c.Context, netw, addr, sock)
	if err != nil {
		return nil, err
	}
	if f := c.String("addr-file"); f != "" {
		if err := writeAtomic(f, ln.Addr().String()+"\n"); err != nil {
			ln.Close()
			var pe *os.PathError // name the file given, not the temporary one
			var le *os.LinkError
			if errors.As(err, &pe) {
				err = pe.Err
			} else if errors.As(err, &le) {
				err = le.Err
			}
			return nil, fmt.Errorf("--addr-file %s: %w", f, err)
		}
	}
	sock.OnEvent.Emit(pipe.Event{Name: pipe.EventListening, Local: ln.Addr()})
	return ln, nil
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
