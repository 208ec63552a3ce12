// Package cmd is sockit's command line: the urfave/cli app, one file per
// subcommand, the flags they share, all output to stderr, signals and exit
// statuses. It is the only package that prints, reads flags or knows exit
// codes; the packages below it take plain option structs.
package cmd

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
)

// env is what the commands of one run share: the process's streams and
// the stderr writer the running command set up.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	diag   *diag
}

// Main runs the command line args (args[0] is the program name) and
// returns the process exit status. SIGINT, SIGTERM, SIGHUP and SIGQUIT
// cancel the running command, which cleans up; the status is then 128
// plus the signal number (SIGQUIT prints no goroutine dump).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	stdout = guardStdout(stdout)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, endSignals()...)
	defer signal.Stop(sigc)
	go relaySignal(ctx, sigc, cancel)

	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	e.diag = newDiag(stderr, "auto", false, jsonRequested(args))
	app := newApp(e)
	args, err := rewriteArgs(app, args)
	if err == nil {
		args, err = hoistFlags(app, args)
	}
	if err == nil {
		err = app.RunContext(ctx, args)
	}
	err = stdoutClosedHint(err)
	code, print := exitCode(err, context.Cause(ctx))
	if print {
		e.diag.errorLine(err)
	}
	return code
}

// endSignals are the signals that end a run cleanly. SIGHUP is left
// alone when it is ignored (nohup sockit ...): handling it would undo that.
func endSignals() []os.Signal {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGQUIT}
	if !signal.Ignored(syscall.SIGHUP) {
		sigs = append(sigs, syscall.SIGHUP)
	}
	return sigs
}

// relaySignal turns the first ending signal into the cancellation of
// ctx, recording which signal it was.
func relaySignal(ctx context.Context, sigc <-chan os.Signal, cancel context.CancelCauseFunc) {
	select {
	case s := <-sigc:
		cancel(signalError{s})
	case <-ctx.Done():
	}
}

func init() {
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Aliases: []string{"V"}, Usage: "print the version and exit", DisableDefaultText: true}
	cli.VersionPrinter = func(c *cli.Context) {
		io.WriteString(c.App.Writer, versionText(c.App.Version))
	}
}

// newApp builds the urfave/cli app. Its defaults are overridden where
// they break sockit's rules: usage errors go to stderr with exit 2 (not
// usage on stdout), and Run never calls os.Exit.
func newApp(e *env) *cli.App {
	app := &cli.App{
		Name:            "sockit",
		Usage:           "a netcat for pipelines: connect, listen and echo over TCP and Unix sockets",
		Version:         version(),
		Reader:          e.stdin,
		Writer:          e.stdout,
		ErrWriter:       e.stderr,
		HideHelpCommand: true,
		ExitErrHandler:  func(*cli.Context, error) {},
		OnUsageError:    onUsageError,
		Action:          rootAction,
		Description:     description,
		Commands: []*cli.Command{
			connectCommand(e),
			listenCommand(e),
			echoCommand(e),
			sendCommand(e),
			recvCommand(e),
			relayCommand(e),
			proxyCommand(e),
			ipcCommand(e),
			certCommand(e),
			resolveCommand(e),
			scanCommand(e),
			completionCommand(e),
		},
	}
	for _, c := range app.Commands {
		c.OnUsageError = onUsageError
		c.HideHelpCommand = true // else "sockit connect h 80" asks for help on "80"
		for _, sc := range c.Subcommands {
			sc.OnUsageError = onUsageError
			sc.HideHelpCommand = true
		}
	}
	return app
}

const description = `sockit connects stdin and stdout to a TCP connection, the way nc does,
with exact end-of-stream rules: when stdin ends, sockit half-closes the
connection and keeps reading until the peer ends; when the peer ends first,
sockit closes stdout and goes on sending stdin until it ends (a terminal on
stdin exits at once). stdout carries the peer's bytes only; errors and -v
events go to stderr. Flags may come before or after the address.

netcat's form works too: sockit [flags] HOST PORT connects, and sockit -l
[flags] [HOST] PORT (or -l -p PORT) listens, with OpenBSD nc's -l -p -k -v
-w SECS -N -q SECS -s ADDR -4 -6 -U -n -C -d -t -z beside sockit's
own flags (-z runs scan).
A bare number is seconds wherever a duration goes (-w 3,
--idle-timeout 5). sockit help COMMAND shows a command's help.`

// rootAction runs when no known command was given.
func rootAction(c *cli.Context) error {
	return noSuchCommand("", "command", "", c.App.Commands, c.Args())
}

// noSuchCommand is the usage error of parent ("" for the root) given no
// known one of cmds: missing, or unknown with the names it may have
// meant. what names the kind ("command"), want follows the message.
func noSuchCommand(parent, what, want string, cmds []*cli.Command, args cli.Args) *usageError {
	if args.Len() == 0 {
		return usagef(parent, "missing %s%s", what, want)
	}
	typed := args.First()
	ue := usagef(parent, "unknown %s %q%s", what, typed, want)
	ue.hints = suggestCommand(parent, cmds, typed)
	return ue
}

// onUsageError turns urfave/cli's flag errors into usage errors: one line
// on stderr, exit 2, nothing on stdout.
func onUsageError(c *cli.Context, err error, _ bool) error {
	name := commandName(c)
	var ue *usageError
	if errors.As(err, &ue) {
		return err
	}
	ue = usagef(name, "%v", err)
	flags := c.App.Flags
	if c.Command != nil && name != "" {
		flags = c.Command.Flags
	}
	ue.hints = flagHints(c.App, flags, err)
	return ue
}

// commandName is the command c runs, as typed: "ipc listen", not only
// "listen" (urfave/cli v2's FullName knows no parents); "" for the root.
func commandName(c *cli.Context) string {
	var names []string
	for _, l := range c.Lineage() {
		if l.Command != nil && l.Command.Name != "" && l.Command.Name != c.App.Name {
			names = append([]string{l.Command.Name}, names...)
		}
	}
	return strings.Join(names, " ")
}

// jsonRequested reports whether args ask for --log-format json, so that
// the errors of a command line that fails before its flags are read
// (an unknown flag) are JSON lines too.
func jsonRequested(args []string) bool {
	for i, a := range args {
		switch {
		case a == "--":
			return false
		case a == "--log-format=json" || a == "-log-format=json":
			return true
		case (a == "--log-format" || a == "-log-format") && i+1 < len(args) && args[i+1] == "json":
			return true
		}
	}
	return false
}
