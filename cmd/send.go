package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"sockit/pipe"
	"sockit/transfer"
)

func sendCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "send",
		Usage:     "send files, directories or stdin (-) to a sockit recv: verified, resumable, with progress",
		ArgsUsage: "ADDR FILE...",
		Description: `Dials ADDR (HOST:PORT, [IPv6]:PORT or unix:PATH) and sends each FILE to
the sockit recv there: a file under its base name, a directory with
everything under it (relative paths and permission bits kept; symbolic
links skipped with a warning), - for stdin (named by --name). With
--listen it listens on ADDR for a recv --connect instead.

Each file is verified (XXH3-128 over 4 MiB blocks) and lands only once
its digest matches. After
an interruption, running the same two commands again sends only what the
receiver does not hold yet, once both sides have checked that what it
holds matches (stdin is not resumable). --raw sends plain bytes for nc
-l and the like. On a terminal, stderr shows a progress bar per file
([n/N] with many): its rate is the bytes that file moved over its own
time (bytes a resume kept do not count); elsewhere -v lines; then a
summary. Ctrl-C says what was complete and how to resume (exit 130).`,
		Flags: flagsOf(commonFlags(), dialFlags(), proxyFlags(), listenFlags(), unixFlags(), transferFlags(), []cli.Flag{
			&cli.BoolFlag{Name: "listen", Aliases: []string{"l"}, Usage: "listen on ADDR and send to the recv --connect that dials in", DisableDefaultText: true},
			&cli.StringFlag{Name: "name", Usage: "send the one FILE (or stdin) under `NAME`"},
			&cli.StringFlag{Name: "rate", Usage: "send at most `RATE` bytes per second (suffixes K, M, G: 500K, 10M)", DefaultText: "no limit"},
		}, tlsTransferFlags()),
		Action: e.send,
	}
}

// send is the action of sockit send.
func (e *env) send(c *cli.Context) error {
	name := commandName(c)
	sock, err := e.setup(c)
	if err != nil {
		return err
	}
	args := c.Args().Slice()
	if len(args) < 2 {
		return usagef(name, "want ADDR and at least one FILE (- for stdin)")
	}
	rate, err := rateFlag(c)
	if err != nil {
		return err
	}
	end, err := e.newTransferEnd(c, args[:1], c.Bool("listen"), sock)
	if err != nil {
		return err
	}
	items, err := e.sendItems(c, args[1:])
	if err != nil {
		return err
	}
	if c.Bool("raw") && (len(items) != 1 || items[0].Dir) {
		return usagef(name, "--raw sends one file or stdin: there are no names on the wire")
	}
	conn, err := e.openTransfer(c, end, sock)
	if err != nil {
		return err
	}
	defer conn.Close()
	p := e.newProgress("sent", countFiles(items), true)
	o := transfer.SendOptions{Rate: rate, Progress: p, Hash: transferHash}
	if c.Bool("raw") {
		return e.sendRaw(c, conn, items[0], o, p)
	}
	st, err := transfer.Send(c.Context, conn, items, o)
	hint := resumeHint
	if items[0].Stream != nil {
		hint = "stdin is not resumable: run again to send it whole"
	}
	return p.end(c.Context, st, clientCertCause(conn, err), hint)
}

// resumeHint is the hint after a transfer of files was cut.
const resumeHint = "run the same send and recv again: they resume from what the receiver holds"

// resumable reports whether err cut a transfer that running the same
// commands again would resume: a broken or stalled connection, or a
// receiver that gave up because it failed to write (its code says so),
// not a mismatch of protocols nor a name it refuses.
func resumable(ctx context.Context, err error) bool {
	var ref *transfer.Refusal
	var ne net.Error
	switch {
	case err == nil || ctx.Err() != nil || isClientCertFailure(err):
		return false
	case errors.Is(err, transfer.ErrNotSockit), errors.Is(err, transfer.ErrProtocol):
		return false
	case errors.As(err, &ref):
		return ref.Fatal && ref.Code == transfer.CodeWriteFailed
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, pipe.ErrIdleTimeout) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.As(err, &ne)
}

// sendItems reads FILE... and --name into the items to send.
func (e *env) sendItems(c *cli.Context, files []string) ([]transfer.Item, error) {
	name := commandName(c)
	rename := c.String("name")
	if rename != "" {
		if len(files) != 1 {
			return nil, usagef(name, "--name names the one FILE sent; %d are given", len(files))
		}
		if err := transfer.CheckName(rename); err != nil {
			return nil, usagef(name, "bad --name: %v", err)
		}
	}
	var items []transfer.Item
	var paths []string
	for _, f := range files {
		if f == "-" {
			if len(files) != 1 {
				return nil, usagef(name, "- (stdin) is sent alone")
			}
			n := rename
			if n == "" {
				n = "stdin"
			}
			return []transfer.Item{{Header: transfer.Header{Name: n, Size: -1, Mode: 0o644}, Stream: e.stdin}}, nil
		}
		paths = append(paths, f)
	}
	items, err := transfer.Collect(paths, func(path, why string) {
		e.diag.warnf("skipping %s: %s", path, why)
	})
	if err != nil {
		return nil, err
	}
	if rename != "" {
		if items[0].Dir {
			return nil, usagef(name, "--name names a file, and %s is a directory", files[0])
		}
		items[0].Name = rename
	}
	return items, nil
}

// countFiles counts the files (not directories) among items.
func countFiles(items []transfer.Item) int {
	n := 0
	for _, it := range items {
		if !it.Dir {
			n++
		}
	}
	return n
}

// sendRaw sends one item as plain bytes.
func (e *env) sendRaw(c *cli.Context, conn *pipe.Conn, it transfer.Item, o transfer.SendOptions, p *progress) error {
	in := it.Stream
	if in == nil {
		f, err := os.Open(it.Path)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	p.Begin(it.Header, transfer.Moving, 0, it.Size)
	start := time.Now()
	n, err := transfer.SendRaw(c.Context, conn, in, o)
	st := transfer.Stats{Bytes: n, Elapsed: time.Since(start)}
	switch {
	case err != nil:
		err = fmt.Errorf("after %s: %w", size(n), clientCertCause(conn, err))
	case it.Size >= 0 && n != it.Size:
		err = fmt.Errorf("sent %d bytes of %s, which has %d: it changed meanwhile", n, it.Path, it.Size)
	default:
		st.Files = 1
	}
	return p.end(c.Context, st, err, "")
}
