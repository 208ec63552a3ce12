package cmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"

	"sockit/ipc"
	"sockit/pipe"
	"sockit/transfer"
)

// Exit statuses (see EXIT STATUS in man/sockit.1).
const (
	exitOK      = 0
	exitFailure = 1 // refused, reset, DNS, I/O
	exitUsage   = 2 // unknown command or flag, wrong arguments, bad values
	exitTimeout = 3 // connect timeout or idle timeout
)

// usageError is a mistake on the command line: exit 2, nothing on stdout.
type usageError struct {
	cmd   string // the command whose help to point to, "" for the root
	msg   string
	hints []string
}

func (e *usageError) Error() string {
	help := "sockit --help"
	if e.cmd != "" {
		help = "sockit " + e.cmd + " --help"
	}
	return fmt.Sprintf("%s (see '%s')", e.msg, help)
}

// usagef builds a usageError for command cmd.
func usagef(cmd, format string, args ...any) *usageError {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

// hinted is an error with hint lines to print after it.
type hinted struct {
	err   error
	hints []string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }

// toldError is a failure whose every part stderr has told already (each
// file that failed, as it failed): exit 1 with no more lines.
type toldError struct{ err error }

func (e toldError) Error() string { return e.err.Error() }
func (e toldError) Unwrap() error { return e.err }

// signalError records the signal that ended the run.
type signalError struct{ sig os.Signal }

func (e signalError) Error() string { return "received " + e.sig.String() }

// exitCode maps the outcome of a run to the process exit status; print
// tells whether err deserves an error line on stderr.
func exitCode(err, cause error) (code int, print bool) {
	var se signalError
	if errors.As(cause, &se) {
		if s, ok := se.sig.(syscall.Signal); ok {
			return 128 + int(s), false
		}
		return 128 + int(syscall.SIGINT), false
	}
	if err == nil {
		return exitOK, false
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return exitUsage, true
	}
	if errors.As(err, new(toldError)) {
		return exitFailure, false
	}
	if isStdioPipeClosed(err) {
		return 128 + int(syscall.SIGPIPE), false // like cat | head: quiet
	}
	if errors.Is(err, pipe.ErrIdleTimeout) || errors.Is(err, context.DeadlineExceeded) {
		return exitTimeout, true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return exitTimeout, true
	}
	return exitFailure, true
}

// isStdioPipeClosed reports a write to stdout that failed because the
// reader of the pipe went away (sockit connect ... | head).
func isStdioPipeClosed(err error) bool {
	var pe *os.PathError
	return errors.Is(err, syscall.EPIPE) && errors.As(err, &pe)
}

// hintsFor returns the hints known for a runtime error.
func hintsFor(err error) []string {
	var h *hinted
	if errors.As(err, &h) {
		return h.hints
	}
	var ue *usageError
	if errors.As(err, &ue) {
		return ue.hints
	}
	if h := proxyHints(err); h != nil {
		return h
	}
	switch {
	case errors.Is(err, transfer.ErrNotSockit):
		return []string{"the peer is not a sockit send or recv; --raw sends or takes plain bytes"}
	case errors.Is(err, transfer.ErrOneFile):
		return []string{"the receiver was started with -o FILE, which takes one file"}
	case errors.Is(err, ipc.ErrInUse):
		return []string{"another server answers on that socket; stop it, or pick another path"}
	case errors.Is(err, transfer.ErrVersion):
		return []string{"run the same sockit version on both sides ('sockit --version' shows it)"}
	case errors.Is(err, syscall.EADDRINUSE):
		return []string{"another process is listening on that port; pick another, or port 0 for a free one"}
	case errors.Is(err, syscall.EACCES) && isListenErr(err):
		return []string{"ports below 1024 need privileges; pick a higher port"}
	}
	return nil
}

func isListenErr(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "listen"
}
