package cmd

// TLS for every command: --tls and its flags, read into the tls
// package's options, and the handshakes that connect and listen run on
// each new connection.

import (
	"context"
	stdtls "crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"sockit/pipe"
	sockittls "sockit/tls"
)

// specList is a repeatable flag whose values may hold commas (--sni
// NAME=CERT,KEY): urfave's StringSliceFlag would split them.
type specList []string

func (l *specList) Set(s string) error { *l = append(*l, s); return nil }
func (l *specList) String() string     { return strings.Join(*l, " ") }

// tlsCommonFlags are on every command that can speak TLS.
func tlsCommonFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "tls", Usage: "speak TLS (1.2 or later) on the connection", DisableDefaultText: true},
		&cli.StringFlag{Name: "cert", Usage: "TLS certificate `FILE` (PEM): the server's, or the client's for mutual TLS"},
		&cli.StringFlag{Name: "key", Usage: "TLS private key `FILE` (PEM) for --cert"},
		&cli.StringFlag{Name: "alpn", Usage: "TLS ALPN protocols, a comma-separated `LIST` in order of preference"},
		&cli.DurationFlag{Name: "handshake-timeout", Value: 10 * time.Second, Usage: "give up a TLS handshake after `DURATION`"},
	}
}

// tlsClientFlags are on connect.
func tlsClientFlags() []cli.Flag {
	return append(tlsCommonFlags(),
		&cli.StringSliceFlag{Name: "ca", Usage: "trust the CA certificates in `FILE` (PEM) besides the system's (repeatable)"},
		&cli.StringFlag{Name: "server-name", Usage: "TLS server `NAME` to ask for (SNI) and verify", DefaultText: "the host dialled"},
		&cli.StringSliceFlag{Name: "pin", Usage: "accept only the server whose certificate or public key has this SHA-256 `FINGERPRINT` (hex, colons optional), even self-signed"},
		&cli.BoolFlag{Name: "insecure", Usage: "do not verify the server's certificate (warns every time)", DisableDefaultText: true},
	)
}

// tlsServerFlags are on the commands that listen.
func tlsServerFlags() []cli.Flag {
	return append(tlsCommonFlags(),
		&cli.GenericFlag{Name: "sni", Value: &specList{}, Usage: "serve another certificate to clients asking for NAME: `NAME=CERT,KEY` (repeatable)"},
		&cli.StringSliceFlag{Name: "client-ca", Usage: "require client certificates signed by the CAs in `FILE` (PEM; repeatable)"},
	)
}

// tlsFlagNames are the flags that need --tls.
var tlsFlagNames = []string{"cert", "key", "alpn", "ca", "server-name", "pin", "insecure", "sni", "client-ca"}

// requireTLS fails when a TLS flag is given without --tls.
func requireTLS(c *cli.Context) error {
	if c.Bool("tls") {
		return nil
	}
	for _, f := range tlsFlagNames {
		if c.IsSet(f) {
			return usagef(c.Command.FullName(), "--%s needs --tls", f)
		}
	}
	return nil
}

// certPair fails when only one of --cert and --key is given.
func certPair(c *cli.Context) error {
	if (c.String("cert") == "") != (c.String("key") == "") {
		return usagef(c.Command.FullName(), "--cert and --key go together: give both")
	}
	return nil
}

// alpn reads --alpn.
func alpn(c *cli.Context) []string {
	var out []string
	for _, p := range strings.Split(c.String("alpn"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// clientHandshake builds the TLS client handshake for connect; nil
// without --tls. host is the name (or address) dialled.
func (e *env) clientHandshake(c *cli.Context, host string, sock pipe.Options) (func(context.Context, net.Conn) (net.Conn, error), error) {
	if err := requireTLS(c); err != nil || !c.Bool("tls") {
		return nil, err
	}
	if err := certPair(c); err != nil {
		return nil, err
	}
	o := sockittls.ClientOptions{
		ServerName: c.String("server-name"), CAFiles: c.StringSlice("ca"), Pins: c.StringSlice("pin"),
		Insecure: c.Bool("insecure"), CertFile: c.String("cert"), KeyFile: c.String("key"), ALPN: alpn(c),
	}
	if o.ServerName == "" {
		o.ServerName = host
	}
	cfg, err := sockittls.ClientConfig(o)
	if err != nil {
		if strings.HasPrefix(err.Error(), "bad pin") {
			return nil, usagef(c.Command.FullName(), "%v", err)
		}
		return nil, err
	}
	if o.Insecure && len(o.Pins) == 0 {
		e.diag.warnf("--insecure: the server's certificate is not verified; anyone on the path can read and change this connection")
	}
	timeout := c.Duration("handshake-timeout")
	return func(ctx context.Context, raw net.Conn) (net.Conn, error) {
		tc := stdtls.Client(raw, cfg)
		if err := handshake(ctx, tc, timeout); err != nil {
			return nil, tlsError(raw.RemoteAddr(), err)
		}
		sock.OnEvent.Emit(pipe.Event{Name: pipe.EventTLS, Local: raw.LocalAddr(), Remote: raw.RemoteAddr(), Peer: sockittls.Describe(tc.ConnectionState()).String()})
		return tc, nil
	}, nil
}

// serverHandshake builds the TLS server handshake for a listener on
// host; nil without --tls. It prints the certificate's fingerprint.
func (e *env) serverHandshake(c *cli.Context, host string, sock pipe.Options) (func(context.Context, net.Conn) (net.Conn, error), error) {
	if err := requireTLS(c); err != nil || !c.Bool("tls") {
		return nil, err
	}
	if err := certPair(c); err != nil {
		return nil, err
	}
	o := sockittls.ServerOptions{CertFile: c.String("cert"), KeyFile: c.String("key"), ClientCAFiles: c.StringSlice("client-ca"), ALPN: alpn(c)}
	if host != "" {
		o.Hosts = []string{host}
	}
	for _, spec := range *c.Generic("sni").(*specList) {
		s, err := sockittls.ParseSNI(spec)
		if err != nil {
			return nil, usagef(c.Command.FullName(), "%v", err)
		}
		o.SNI = append(o.SNI, s)
	}
	cfg, leaf, err := sockittls.ServerConfig(o)
	if err != nil {
		return nil, err
	}
	kind := "certificate"
	if o.CertFile == "" {
		kind = "throwaway certificate"
	}
	e.diag.notef("tls %s SHA-256 %s", kind, sockittls.Fingerprint(leaf))
	timeout := c.Duration("handshake-timeout")
	return func(ctx context.Context, raw net.Conn) (net.Conn, error) {
		tc := stdtls.Server(raw, cfg)
		if err := handshake(ctx, tc, timeout); err != nil {
			return nil, fmt.Errorf("tls handshake: %w", err) // the error event names the peer
		}
		sock.OnEvent.Emit(pipe.Event{Name: pipe.EventTLS, Local: raw.LocalAddr(), Remote: raw.RemoteAddr(), Peer: sockittls.Describe(tc.ConnectionState()).String()})
		return tc, nil
	}, nil
}

// handshake runs a TLS handshake bounded by timeout (zero: none).
func handshake(ctx context.Context, tc *stdtls.Conn, timeout time.Duration) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	err := tc.HandshakeContext(ctx)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("no handshake within %v: %w", timeout, context.DeadlineExceeded)
	}
	return err
}

// tlsError says in one line what failed in a handshake with peer.
func tlsError(peer net.Addr, err error) error {
	if why := sockittls.VerifyFailure(err); why != "" {
		f := tlsFailure{fmt.Sprintf("tls with %v: %s", peer, why), err}
		if fp := sockittls.UnverifiedFingerprint(err); fp != "" {
			return &hinted{err: f, hints: []string{"--ca FILE trusts its CA; if you know this certificate, --pin " + fp + " accepts it"}}
		}
		return f
	}
	return fmt.Errorf("tls handshake with %v: %w", peer, err)
}

// tlsFailure is a verification failure told in sockit's words, keeping
// the original error in the chain.
type tlsFailure struct {
	msg string
	err error
}

func (e tlsFailure) Error() string { return e.msg }
func (e tlsFailure) Unwrap() error { return e.err }

// listenHost is the name a listener's throwaway certificate is made for,
// besides localhost and the loopback addresses.
func listenHost(netw, addr string) string {
	if netw == "unix" {
		return ""
	}
	host, _, _ := net.SplitHostPort(addr)
	return host
}
