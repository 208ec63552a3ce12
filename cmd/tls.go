package cmd

// TLS for every command: --tls and its flags, read into the tls
// package's options, and the handshakes that connect and listen run on
// each new connection.

import (
	"context"
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
	// relay checks each side's flags itself (checkRelayTLS); proxy's
	// --handshake-timeout is its own (the wait for a client's request)
	if on || c.Command.Name == "relay" || c.Command.Name == "proxy" {
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

// alpn reads --alpn: names separated by commas.
func alpn(c *cli.Context) []string {
	if !c.IsSet("alpn") {
		return nil
	}
	var out []string
	for _, p := range strings.Split(c.String("alpn"), ",") {
		out = append(out, strings.TrimSpace(p))
	}
	return out
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
	return e.clientTLS(c, a, sock, c.String("cert"), c.String("key"), alpn(c))
}

// clientTLS builds the TLS client handshake for dialling a, with the
// client certificate in the files cert and key (none when empty) and
// the ALPN protocols protos.
func (e *env) clientTLS(c *cli.Context, a addr.Addr, sock pipe.Options, cert, key string, protos []string) (func(context.Context, net.Conn) (net.Conn, error), error) {
	o := sockittls.ClientOptions{
		ServerName: c.String("server-name"), CAFiles: c.StringSlice("ca"), Pins: c.StringSlice("pin"),
		Insecure: c.Bool("insecure"), CertFile: cert, KeyFile: key, ALPN: protos,
		HandshakeTimeout: c.Duration("handshake-timeout"), OnHandshake: tlsEvent(sock),
	}
	if o.ServerName == "" {
		o.ServerName = a.ServerName()
	}
	h, err := sockittls.Client(o)
	if err != nil {
		return nil, tlsOptionError(c, "ca", err)
	}
	if o.Insecure && len(o.Pins) == 0 {
		e.diag.warnf("--insecure: the server's certificate is not verified; anyone on the path can read and change this connection")
	}
	return func(ctx context.Context, raw net.Conn) (net.Conn, error) {
		conn, err := h.Handshake(ctx, raw)
		if err != nil {
			return nil, tlsHint(err)
		}
		return conn, nil
	}, nil
}

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
	o := sockittls.ServerOptions{
		CertFile: c.String("cert"), KeyFile: c.String("key"), ClientCAFiles: c.StringSlice("client-ca"), ALPN: alpn(c),
		HandshakeTimeout: c.Duration("handshake-timeout"), OnHandshake: tlsEvent(sock),
	}
	if a.Host != "" { // the throwaway certificate names it too
		o.Hosts = []string{a.Host}
	}
	for _, spec := range *c.Generic("sni").(*specList) {
		s, err := sockittls.ParseSNI(spec)
		if err != nil {
			return nil, "", usagef(commandName(c), "bad --sni %q: want NAME=CERT,KEY", spec)
		}
		o.SNI = append(o.SNI, s)
	}
	h, err := sockittls.Server(o)
	if err != nil {
		return nil, "", tlsOptionError(c, "client-ca", err)
	}
	kind := "certificate"
	if o.CertFile == "" {
		kind = "throwaway certificate"
	}
	return h.Handshake, fmt.Sprintf("tls %s SHA-256 %s", kind, sockittls.Fingerprint(h.Certificate())), nil
}

// tlsEvent reports a finished handshake as the -v TLS event.
func tlsEvent(sock pipe.Options) func(net.Conn, sockittls.Summary) {
	return func(raw net.Conn, s sockittls.Summary) {
		sock.OnEvent.Emit(pipe.Event{Name: pipe.EventTLS, Local: raw.LocalAddr(), Remote: raw.RemoteAddr(), Peer: s.String()})
	}
}

// tlsOptionError words an error of the TLS options with the flag that
// gave the value; caFlag is the one of the CA files (ca or client-ca).
func tlsOptionError(c *cli.Context, caFlag string, err error) error {
	var ca *sockittls.CAError
	var sni *sockittls.SNIError
	switch {
	case errors.Is(err, sockittls.ErrBadALPN):
		return usagef(commandName(c), "bad --alpn: %v", err)
	case errors.Is(err, sockittls.ErrBadPin):
		return usagef(commandName(c), "%v", err)
	case errors.As(err, &ca):
		return fmt.Errorf("--%s: %w", caFlag, ca.Err)
	case errors.As(err, &sni):
		return fmt.Errorf("--sni %s: %w", sni.Name, sni.Err)
	}
	return err
}

// tlsHint adds to a client's TLS failure the hint that names the flags
// that help: --cert and --key for a server that wants a client
// certificate, --ca and --pin for one signed by an unknown authority,
// no --tls for a server that does not speak TLS.
func tlsHint(err error) error {
	switch {
	case errors.Is(err, sockittls.ErrClientCertRequired):
		return &hinted{err: err, hints: []string{"--cert FILE --key FILE present a client certificate (one the server's CA signed)"}}
	case errors.Is(err, sockittls.ErrClientCertUntrusted):
		return &hinted{err: err, hints: []string{"--cert must be signed by one of the CAs the server trusts (its --client-ca)"}}
	case errors.Is(err, sockittls.ErrNotTLS):
		return &hinted{err: err, hints: []string{"drop --tls (and tls:) to talk to it as it is, or check the port"}}
	}
	if fp := sockittls.UnverifiedFingerprint(err); fp != "" {
		return &hinted{err: err, hints: []string{"--ca FILE trusts its CA; if you know this certificate, --pin " + fp + " accepts it"}}
	}
	return err
}

// clientCertCause returns err, or when the server closed conn because it
// wanted a client certificate it did not get (TLS 1.3 says so only after
// the handshake), an error that says so, with a hint.
func clientCertCause(conn *pipe.Conn, err error) error {
	if err == nil || conn == nil {
		return err
	}
	if cerr := sockittls.ClientCertFailure(conn.NetConn(), err); cerr != nil {
		return tlsHint(cerr)
	}
	return err
}

// isClientCertFailure reports a connection the server closed for want of
// an acceptable client certificate: running the same command again
// cannot help.
func isClientCertFailure(err error) bool {
	var ce *sockittls.ClientCertError
	return errors.As(err, &ce)
}
