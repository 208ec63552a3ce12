package cmd

import (
	"errors"
	"io"
	"os"
)

// errStdoutClosed is a write to a stdout that was closed when sockit
// started (sockit ... >&-): what the peer sent would be lost.
var errStdoutClosed = errors.New("stdout is closed, and the peer sent data")

// closedStdout stands in for a stdout that was closed when sockit
// started: every write fails, so that nothing is dropped with exit 0.
type closedStdout struct{}

func (closedStdout) Write([]byte) (int, error) { return 0, errStdoutClosed }

// guardStdout returns stdout, or a writer that fails when stdout was
// closed when sockit started.
func guardStdout(stdout io.Writer) io.Writer {
	if f, ok := stdout.(*os.File); ok && wasClosed(f) {
		return closedStdout{}
	}
	return stdout
}

// stdoutClosedHint rewords an error that met a closed stdout: the socket
// it was copied from is not the point.
func stdoutClosedHint(err error) error {
	if !errors.Is(err, errStdoutClosed) {
		return err
	}
	return &hinted{errStdoutClosed, []string{"to discard what the peer sends, redirect stdout to /dev/null or use --send-only"}}
}
