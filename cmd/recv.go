package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"sockit/pipe"
	"sockit/transfer"
)

func recvCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "recv",
		Usage:     "receive files from a sockit send into DIR (default .)",
		ArgsUsage: "ADDR [DIR]",
		Description: `Listens on ADDR ([HOST:]PORT, [IPv6]:PORT or unix:PATH) for one sockit
send (-k: one after another until signalled) and writes the files it
sends under DIR, which is created if missing. With --connect it dials
ADDR, where a send --listen waits.

A file arrives as .NAME.sockit-partial beside its final name and is
renamed into place only once its digest matches the sender's; a mismatch
leaves no file and exits 1. An interrupted transfer resumes when the
same commands run again, from what the partial file holds, once both
sides have checked that it matches. Names never leave DIR (absolute
paths, .. and symbolic links on the way are refused), an existing file
is never replaced without --force, and a FIFO, socket, device or
symbolic link at a name is refused even with it. Directories recv
creates get the sender's modes, files too, masked by the umask; a
directory that exists keeps its own. Names and reasons from the sender
print escaped (\n, \x1b). -o FILE writes the one file sent to FILE
(- for stdout); --raw takes plain bytes from nc and the like into -o
FILE. On a terminal, stderr shows a progress bar per file, numbered [n]
(the sender does not say how many come); elsewhere -v lines; then a
summary.`,
		Flags: flagsOf(commonFlags(), listenFlags(), unixFlags(), dialFlags(), proxyFlags(), transferFlags(), []cli.Flag{
			&cli.BoolFlag{Name: "connect", Usage: "dial ADDR, where a send --listen waits", DisableDefaultText: true},
			&cli.BoolFlag{Name: "keep-open", Aliases: []string{"k"}, Usage: "keep receiving transfers until signalled", DisableDefaultText: true},
			&cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: "write the one file sent to `FILE` (- for stdout) instead of into DIR"},
			&cli.BoolFlag{Name: "force", Usage: "replace existing files", DisableDefaultText: true},
		}, tlsTransferFlags()),
		Action: e.recv,
	}
}

// recv is the action of sockit recv.
func (e *env) recv(c *cli.Context) error {
	name := commandName(c)
	sock, err := e.setup(c)
	if err != nil {
		return err
	}
	args := c.Args().Slice()
	if len(args) < 1 || len(args) > 2 {
		return usagef(name, "want ADDR and an optional DIR")
	}
	dir, out := ".", c.String("output")
	if len(args) == 2 {
		dir = args[1]
		if out != "" {
			return usagef(name, "-o and DIR can't be used together")
		}
	}
	keep, dial, raw := c.Bool("keep-open"), c.Bool("connect"), c.Bool("raw")
	switch {
	case keep && dial:
		return usagef(name, "-k and --connect can't be used together")
	case keep && out != "":
		return usagef(name, "-k and -o can't be used together: each transfer would write FILE")
	case raw && out == "":
		return usagef(name, "--raw needs -o FILE (or -o -): plain bytes carry no name")
	}
	end, err := e.newTransferEnd(c, args[:1], !dial, sock)
	if err != nil {
		return swappedArgs(err, args)
	}
	if err := checkOutput(dir, out); err != nil { // only now: a usage error creates nothing
		return err
	}
	o := transfer.ReceiveOptions{Force: c.Bool("force"), Output: out, Hash: transferHash}
	if out == "-" {
		o.Output, o.Stdout = "", e.stdout
	}
	session := func(ctx context.Context, conn *pipe.Conn) error {
		p := e.newProgress("received", 0, out == "")
		if raw {
			return e.recvRaw(ctx, conn, out, o.Force, p)
		}
		o.Progress = p
		st, err := transfer.Receive(ctx, conn, dir, o)
		hint := resumeHint
		switch {
		case p.cur == nil && st.Files == 0: // cut before any file: nothing to resume
			hint = ""
		case out == "-" || (p.cur != nil && p.cur.total < 0):
			hint = "a stream is not resumable: run the same send and recv again to send it whole"
		}
		return p.end(ctx, st, err, hint)
	}
	if keep {
		return e.serveTransfers(c, end, sock, session)
	}
	conn, err := e.openTransfer(c, end, sock)
	if err != nil {
		return err
	}
	defer conn.Close()
	return clientCertCause(conn, session(c.Context, conn))
}

// swappedArgs adds a hint to the usage error of a bad ADDR when DIR looks
// like the address (sockit recv /tmp/x 9000).
func swappedArgs(err error, args []string) error {
	var ue *usageError
	if len(args) == 2 && errors.As(err, &ue) && (isPort(args[1]) || strings.Contains(args[1], ":")) && !isPort(args[0]) {
		ue.hints = append(ue.hints, "ADDR comes first, then DIR: sockit recv "+args[1]+" "+args[0])
	}
	return err
}

// checkOutput makes DIR (if missing), or checks -o FILE, before anything
// listens or dials: a bad path is one line at once, not a failed session.
func checkOutput(dir, out string) error {
	switch {
	case out == "":
		return os.MkdirAll(dir, 0o755)
	case out == "-":
		return nil
	case strings.HasSuffix(out, "/"):
		return fmt.Errorf("-o %s: want a file name, not a directory", out)
	}
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		return fmt.Errorf("-o %s is a directory: give DIR instead of -o to receive into it", out)
	}
	if fi, err := os.Stat(filepath.Dir(out)); err != nil {
		return fmt.Errorf("-o %s: %w", out, err)
	} else if !fi.IsDir() {
		return fmt.Errorf("-o %s: %s is not a directory", out, filepath.Dir(out))
	}
	return nil
}

// recvRaw receives plain bytes into path.
func (e *env) recvRaw(ctx context.Context, conn *pipe.Conn, path string, force bool, p *progress) error {
	start := time.Now()
	p.Begin(transfer.Header{Name: path}, transfer.Moving, 0, -1)
	n, err := transfer.ReceiveRaw(ctx, conn, path, e.stdout, force, p)
	st := transfer.Stats{Bytes: n, Elapsed: time.Since(start)}
	if err != nil {
		err = fmt.Errorf("after %s: %w", size(n), err)
	} else {
		st.Files = 1
	}
	return p.end(ctx, st, err, "")
}

// isPort reports whether s is all digits, as a port number is.
func isPort(s string) bool {
	_, err := strconv.ParseUint(s, 10, 16)
	return err == nil
}
