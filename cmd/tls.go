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

	"sockit/addr"
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
		&cli.DurationFlag{Name: "handshake-timeout", Value: 10 * time.Second, Usage: "give up a TLS handshake after `DURATION` (0: never)"},
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
var tlsFlagNames = []string{"cert", "key", "alpn", "handshake-timeout", "ca", "server-name", "pin", "insecure", "sni", "client-ca"}

// requireTLS fails when a TLS flag is given without --tls or tls:.
func requireTLS(c *cli.Context, on bool) error {
	if on {
		return nil
	}
	for _, f := range tlsFlagNames {
		if c.IsSet(f) {
			return usagef(commandName(c), "--%s needs --tls", f)
		}
	}
	return nil
}

// certPair fails when only one of --cert and --key is given.
func certPair(c *cli.Context) error {
	if (c.String("cert") == "") != (c.String("key") == "") {
		return usagef(commandName(c), "--cert and --key go together: give both")
	}
	return nil
}

// alpn reads --alpn: names of 1 to 255 bytes, separated by commas.
func alpn(c *cli.Context) ([]string, error) {
	if !c.IsSet("alpn") {
		return nil, nil
	}
	var out []string
	for _, p := range strings.Split(c.String("alpn"), ",") {
		out = append(out, strings.TrimSpace(p))
	}
	if err := sockittls.CheckALPN(out); err != nil {
		return nil, usagef(commandName(c), "bad --alpn: %v", err)
	}
	return out, nil
}

// clientHandshake builds the TLS client handshake for dialling a; nil
// unless a asks for TLS (--tls or tls:).
func (e *env) clientHandshake(c *cli.Context, a addr.Addr, sock pipe.Options) (func(context.Context, net.Conn) (net.Conn, error), error) {
	if err := requireTLS(c, a.TLS); err != nil || !a.TLS {
		return nil, err
	}
	if err := certPair(c); err != nil {
		return nil, err
	}
	protos, err := alpn(c)
	if err != nil {
		return nil, err
	}
	o := sockittls.ClientOptions{
		ServerName: c.String("server-name"), CAFiles: c.StringSlice("ca"), Pins: c.StringSlice("pin"),
		Insecure: c.Bool("insecure"), CertFile: c.String("cert"), KeyFile: c.String("key"), ALPN: protos,
	}
	if o.ServerName == "" {
		o.ServerName = a.ServerName()
	}
	cfg, err := sockittls.ClientConfig(o)
	if err != nil {
		if strings.HasPrefix(err.Error(), "bad pin") {
			return nil, usagef(commandName(c), "%v", err)
		}
		return nil, err
	}
	if o.Insecure && len(o.Pins) == 0 {
		e.diag.warnf("--insecure: the server's certificate is not verified; anyone on the path can read and change this connection")
	}
	timeout := c.Duration("handshake-timeout")
	return func(ctx context.Context, raw net.Conn) (net.Conn, error) {
		req := &sockittls.CertRequest{}
		tc := stdtls.Client(raw, sockittls.WatchCertRequest(cfg, req))
		if err := handshake(ctx, tc, timeout); err != nil {
			if why := req.Failure(err); why != "" {
				return nil, clientCertError(raw.RemoteAddr(), why, req, err)
			}
			return nil, tlsError(raw.RemoteAddr(), err)
		}
		sock.OnEvent.Emit(pipe.Event{Name: pipe.EventTLS, Local: raw.LocalAddr(), Remote: raw.RemoteAddr(), Peer: sockittls.Describe(tc.ConnectionState()).String()})
		return &clientTLS{tc, req}, nil
	}, nil
}

// clientTLS is a client's TLS connection with what the server asked of
// it, to name the cause when the server then closes it.
type clientTLS struct {
	*stdtls.Conn
	req *sockittls.CertRequest
}

// clientCertCause returns err, or when the server closed conn because it
// wanted a client certificate it did not get (TLS 1.3 says so only after
// the handshake: the client then reads an alert, a broken pipe or a
// reset), an error that says so.
func clientCertCause(conn *pipe.Conn, err error) error {
	if err == nil || conn == nil {
		return err
	}
	ct, ok := conn.NetConn().(*clientTLS)
	if !ok {
		return err
	}
	if why := ct.req.Failure(err); why != "" {
		return clientCertError(conn.RemoteAddr(), why, ct.req, err)
	}
	return err
}

// clientCertError is the error of a server that wanted a client
// certificate, with a hint on giving one.
func clientCertError(peer net.Addr, why string, req *sockittls.CertRequest, err error) error {
	f := &clientCertFailure{tlsFailure{fmt.Sprintf("tls with %v: %s", peer, why), err}}
	switch {
	case !req.Had:
		return &hinted{err: f, hints: []string{"--cert FILE --key FILE present a client certificate (one the server's CA signed)"}}
	case !req.Sent:
		return &hinted{err: f, hints: []string{"--cert must be signed by one of the CAs the server trusts (its --client-ca)"}}
	}
	return f
}

// clientCertFailure marks a connection the server closed for want of an
// acceptable client certificate: running the same command again cannot
// help.
type clientCertFailure struct{ tlsFailure }

// serverHandshake builds the TLS server handshake for a listener on a,
// and the notice that names its certificate's fingerprint, to print once
// the listener is bound; nil and "" unless a asks for TLS.
func (e *env) serverHandshake(c *cli.Context, a addr.Addr, sock pipe.Options) (func(context.Context, net.Conn) (net.Conn, error), string, error) {
	if err := requireTLS(c, a.TLS); err != nil || !a.TLS {
		return nil, "", err
	}
	if err := certPair(c); err != nil {
		return nil, "", err
	}
	protos, err := alpn(c)
	if err != nil {
		return nil, "", err
	}
	o := sockittls.ServerOptions{CertFile: c.String("cert"), KeyFile: c.String("key"), ClientCAFiles: c.StringSlice("client-ca"), ALPN: protos}
	if a.Host != "" { // the throwaway certificate names it too
		o.Hosts = []string{a.Host}
	}
	for _, spec := range *c.Generic("sni").(*specList) {
		s, err := sockittls.ParseSNI(spec)
		if err != nil {
			return nil, "", usagef(commandName(c), "%v", err)
		}
		o.SNI = append(o.SNI, s)
	}
	cfg, leaf, err := sockittls.ServerConfig(o)
	if err != nil {
		return nil, "", err
	}
	kind := "certificate"
	if o.CertFile == "" {
		kind = "throwaway certificate"
	}
	notice := fmt.Sprintf("tls %s SHA-256 %s", kind, sockittls.Fingerprint(leaf))
	timeout := c.Duration("handshake-timeout")
	return func(ctx context.Context, raw net.Conn) (net.Conn, error) {
		tc := stdtls.Server(raw, cfg)
		if err := handshake(ctx, tc, timeout); err != nil {
			return nil, fmt.Errorf("tls handshake: %w", err) // the error event names the peer
		}
		sock.OnEvent.Emit(pipe.Event{Name: pipe.EventTLS, Local: raw.LocalAddr(), Remote: raw.RemoteAddr(), Peer: sockittls.Describe(tc.ConnectionState()).String()})
		return tc, nil
	}, notice, nil
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
