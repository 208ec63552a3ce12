package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"sockit/pipe"
)

// Exec runs a child process per connection with the connection as its
// stdin and stdout (ncat's --exec). The zero value is not usable: Argv
// must name the program.
type Exec struct {
	// Argv is the program and its arguments; Argv[0] is looked up in PATH.
	Argv []string
	// Stderr is the child's stderr; nil means /dev/null.
	Stderr io.Writer
	// CRLF turns the child's LF line ends into CRLF on the way out.
	CRLF bool
	// Env, when not nil, adds variables ("NAME=value") for connection c
	// to the child's environment, after the SOCKIT_* address variables.
	Env func(c *pipe.Conn) []string
	// KillDelay is how long the child has to exit after SIGTERM when ctx
	// ends (or the peer is gone), before SIGKILL. Zero means 2s. The child
	// runs in a process group of its own, and both signals go to the whole
	// group, so that what it started (sh -c 'sleep 15; ...') ends too.
	KillDelay time.Duration
}

// Serve is the handler that runs the child for c: the peer's bytes go
// to the child's stdin, which is closed at the peer's EOF; the child's
// stdout goes to the peer, and once the child closes it (usually by
// exiting) the connection is half-closed, so the child's last output is
// never lost. The child gets SOCKIT_REMOTE_ADDR, SOCKIT_REMOTE_PORT,
// SOCKIT_LOCAL_ADDR and SOCKIT_LOCAL_PORT (plus what Env adds), none of
// those variables from sockit's own environment, and no descriptor but 0,
// 1 and 2. A child that fails (non-zero exit, killed) is an error.
func (x Exec) Serve(ctx context.Context, c *pipe.Conn) error {
	if len(x.Argv) == 0 {
		return errors.New("exec: no program")
	}
	closeInheritedOnExec()
	cmd := exec.Command(x.Argv[0], x.Argv[1:]...)
	cmd.Env = append(childEnv(os.Environ()), addrEnv("SOCKIT_REMOTE", c.RemoteAddr())...)
	cmd.Env = append(cmd.Env, addrEnv("SOCKIT_LOCAL", c.LocalAddr())...)
	if x.Env != nil {
		cmd.Env = append(cmd.Env, x.Env(c)...)
	}
	cmd.Stderr = x.Stderr
	cmd.SysProcAttr = ownGroup()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return fmt.Errorf("exec %s: %w", x.Argv[0], err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("exec %s: %w", x.Argv[0], err)
	}
	if err := cmd.Start(); err != nil {
		return err // exec: "prog": executable file not found in $PATH
	}
	end := &childEnd{pid: cmd.Process.Pid, out: stdout, delay: x.KillDelay}
	unwatch := context.AfterFunc(ctx, end.stop)
	fed := make(chan struct{})
	go feedChild(c, stdin, fed)

	var out io.Reader = stdout
	if x.CRLF {
		out = pipe.CRLF(out)
	}
	_, copyErr := io.Copy(c, out) // until the child closes its stdout
	if copyErr == nil {
		copyErr = c.CloseWrite()
	} else { // the peer is gone: the child's output has nowhere to go
		end.stop()
	}
	waitErr := cmd.Wait()
	unwatch()
	end.reaped()
	c.Close() // the child is gone: stop feeding it
	<-fed
	switch {
	case ctx.Err() != nil && waitErr != nil:
		return context.Cause(ctx)
	case copyErr != nil && !errors.Is(copyErr, errors.ErrUnsupported):
		return copyErr
	case waitErr != nil:
		return fmt.Errorf("exec %s: %w", x.Argv[0], waitErr)
	}
	return nil
}

// feedChild copies the peer's bytes to the child's stdin and closes it at
// the peer's EOF (or when either side fails).
func feedChild(c *pipe.Conn, stdin io.WriteCloser, done chan<- struct{}) {
	defer close(done)
	io.Copy(stdin, c)
	stdin.Close()
}

// connVarPrefixes name the variables that describe one connection; a
// child gets only its own, never those sockit itself was started with.
var connVarPrefixes = []string{"SOCKIT_REMOTE_", "SOCKIT_LOCAL_", "SOCKIT_PEER_"}

// childEnv returns environ without the connection variables.
func childEnv(environ []string) []string {
	env := environ[:0:0]
next:
	for _, kv := range environ {
		for _, p := range connVarPrefixes {
			if strings.HasPrefix(kv, p) {
				continue next
			}
		}
		env = append(env, kv)
	}
	return env
}

// addrEnv describes addr as PREFIX_ADDR and PREFIX_PORT (a Unix socket's
// path, and an empty port).
func addrEnv(prefix string, addr net.Addr) []string {
	host, port := addr.String(), ""
	switch a := addr.(type) {
	case *net.TCPAddr:
		host, port = a.IP.String(), strconv.Itoa(a.Port)
	case *net.UDPAddr:
		host, port = a.IP.String(), strconv.Itoa(a.Port)
	case *net.UnixAddr:
		host = a.Name
	}
	return []string{prefix + "_ADDR=" + host, prefix + "_PORT=" + port}
}

// SplitCommand splits an --exec command line into words, without a
// shell: words are separated by blanks; 'single quotes' keep everything,
// "double quotes" keep everything but \" and \\, and a backslash outside
// quotes keeps the next character.
func SplitCommand(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case c == '\\':
			if i+1 == len(s) {
				return nil, errors.New("trailing backslash")
			}
			i++
			w.WriteByte(s[i])
			inWord = true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated ' quote")
			}
			w.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					i++
				}
				w.WriteByte(s[i])
			}
			if i == len(s) {
				return nil, errors.New(`unterminated " quote`)
			}
			inWord = true
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	if len(words) == 0 {
		return nil, errors.New("empty command")
	}
	return words, nil
}
