package cmd

// proxy's flags read into a proxy.Server: credentials (--auth,
// --auth-file), the target rules (--allow-to, --deny-to) and the
// handshake's limit.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"sockit/proxy"
)

// defaultProxyHandshake is --handshake-timeout's default on proxy.
const defaultProxyHandshake = 10 * time.Second

// proxyServer builds the server from the flags; its Dial and OnEvent
// are the caller's to set.
func proxyServer(c *cli.Context) (*proxy.Server, error) {
	users, err := proxyUsers(c)
	if err != nil {
		return nil, err
	}
	s := &proxy.Server{Users: users, HandshakeTimeout: c.Duration("handshake-timeout")}
	if s.Targets.Allow, err = targetRules(c, "allow-to"); err != nil {
		return nil, err
	}
	if s.Targets.Deny, err = targetRules(c, "deny-to"); err != nil {
		return nil, err
	}
	return s, nil
}

// targetRules reads --allow-to or --deny-to.
func targetRules(c *cli.Context, flag string) ([]proxy.Rule, error) {
	var rules []proxy.Rule
	for _, s := range c.StringSlice(flag) {
		r, err := proxy.ParseRule(s)
		if err != nil {
			return nil, usagef(commandName(c), "--%s: %v", flag, err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

// proxyUsers reads --auth and --auth-file into user name → password;
// nil when neither is given.
func proxyUsers(c *cli.Context) (map[string]string, error) {
	name := commandName(c)
	if !c.IsSet("auth") && !c.IsSet("auth-file") {
		return nil, nil
	}
	users := map[string]string{}
	if c.IsSet("auth") {
		user, pass, err := parseCredentials(c.String("auth"))
		if err != nil {
			return nil, usagef(name, "bad --auth: %v", err)
		}
		users[user] = pass
	}
	if f := c.String("auth-file"); c.IsSet("auth-file") {
		if f == "" {
			return nil, usagef(name, "--auth-file needs a FILE")
		}
		fu, err := readAuthFile(f)
		var bad *authLineError
		if errors.As(err, &bad) {
			return nil, usagef(name, "bad --auth-file %s: %v", f, err)
		}
		if err != nil {
			return nil, fmt.Errorf("--auth-file: %w", err)
		}
		for u, p := range fu {
			users[u] = p
		}
	}
	return users, nil
}

// parseCredentials splits USER:PASS at the first colon; both parts must
// be 1 to 255 bytes (RFC 1929).
func parseCredentials(s string) (user, pass string, err error) {
	user, pass, ok := strings.Cut(s, ":")
	switch {
	case !ok:
		return "", "", errors.New("want USER:PASS")
	case user == "" || pass == "":
		return "", "", errors.New("want USER:PASS, both not empty")
	case len(user) > 255 || len(pass) > 255:
		return "", "", errors.New("the user name and the password take at most 255 bytes each")
	}
	return user, pass, nil
}

// authLineError is a line of an auth file that is not USER:PASS.
type authLineError struct {
	line int
	err  error
}

func (e *authLineError) Error() string {
	if e.line == 0 {
		return e.err.Error()
	}
	return fmt.Sprintf("line %d: %v", e.line, e.err)
}

// readAuthFile reads USER:PASS lines; blank lines and lines starting
// with # are skipped (a password may hold a #).
func readAuthFile(path string) (map[string]string, error) {
	b, err := readFlagFile(path)
	if err != nil {
		return nil, err
	}
	users := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if t := strings.TrimSpace(line); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		user, pass, err := parseCredentials(line)
		if err != nil {
			return nil, &authLineError{line: n, err: err}
		}
		users[user] = pass
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, &authLineError{line: 0, err: errors.New("no USER:PASS line")}
	}
	return users, nil
}
