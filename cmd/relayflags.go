package cmd

// relay's flags: a listener's and a dialler's, the TLS flags of each side,
// and which side a flag may act on.

import (
	"github.com/urfave/cli/v2"

	"sockit/addr"
)

// relayFlags are relay's: a listener's and a dialler's, and its own.
func relayFlags() []cli.Flag {
	own := []cli.Flag{
		&cli.BoolFlag{Name: "once", Usage: "serve one client, then exit with its relay's status", DisableDefaultText: true},
		&cli.StringFlag{Name: "balance", Value: "failover", Usage: "how to choose among several TOs: `HOW` is failover (the first that accepts) or round-robin"},
		&cli.DurationFlag{Name: "connect-timeout", Usage: "give up dialling a TO after `DURATION` (the client is closed; the relay goes on)", DefaultText: "the OS's limit"},
		&cli.StringFlag{Name: "source", Aliases: []string{"s"}, Usage: "dial TCP TOs from local address `ADDR`"},
		&cli.BoolFlag{Name: "tls", Hidden: true}, // refused with a word on tls: (see relay)
	}
	own = append(own, udpFlags()...)
	session := []cli.Flag{}
	for _, f := range sessionFlags() {
		if f.Names()[0] != "crlf" {
			session = append(session, f)
		}
	}
	common := map[string]bool{}
	for _, f := range tlsCommonFlags() {
		common[f.Names()[0]] = true
	}
	var tlsFlags []cli.Flag
	for _, f := range tlsServerFlags() {
		if f.Names()[0] != "tls" { // tls: in front of an address chooses the side
			tlsFlags = append(tlsFlags, relayTLSUsage(f))
		}
	}
	for _, f := range tlsClientFlags() {
		if !common[f.Names()[0]] {
			tlsFlags = append(tlsFlags, relayTLSUsage(f))
		}
	}
	tlsFlags = append(tlsFlags,
		&cli.StringFlag{Name: "to-cert", Usage: "client certificate `FILE` (PEM) to present to a tls: TO"},
		&cli.StringFlag{Name: "to-key", Usage: "private key `FILE` (PEM) for --to-cert"},
	)
	return flagsOf(commonFlags(), listenFlags(), own, relayProxyFlags(), relayRouteFlags(), limitFlags(), udpSessionFlags(), unixFlags(), session, tlsFlags)
}

// relayProxyFlags are the proxy flags, worded for the TOs (the
// listening side is never proxied).
func relayProxyFlags() []cli.Flag {
	fs := proxyFlags()
	fs[0].(*cli.GenericFlag).Usage = "reach each TCP TO through the proxy at `URL` (the schemes of connect --proxy); repeat for a chain"
	return fs
}

// relayTLSUsage rewords a TLS flag's help to name the side it acts on.
func relayTLSUsage(f cli.Flag) cli.Flag {
	usage, ok := map[string]string{
		"cert":              "TLS certificate `FILE` (PEM) a tls: FROM serves (without it: a throwaway certificate, its fingerprint printed)",
		"key":               "private key `FILE` (PEM) for --cert",
		"alpn":              "ALPN protocols a tls: FROM accepts, a comma-separated `LIST` in order of preference",
		"handshake-timeout": "give up a TLS handshake, on either side, or the wait for a --route ClientHello, after `DURATION` (0: never)",
		"sni":               "serve another certificate to the clients of a tls: FROM asking for NAME: `NAME=CERT,KEY` (repeatable)",
		"client-ca":         "a tls: FROM requires client certificates signed by the CAs in `FILE` (PEM; repeatable)",
		"ca":                "trust the CA certificates in `FILE` (PEM) for a tls: TO, besides the system's (repeatable)",
		"server-name":       "TLS server `NAME` to ask a tls: TO for (SNI) and verify",
		"pin":               "accept only a tls: TO whose certificate or public key has this SHA-256 `FINGERPRINT` (hex, colons optional), even self-signed",
		"insecure":          "do not verify a tls: TO's certificate (warns every time)",
	}[f.Names()[0]]
	if !ok {
		return f
	}
	switch v := f.(type) {
	case *cli.StringFlag:
		v.Usage = usage
		if v.Name == "server-name" {
			v.DefaultText = "the TO's host"
		}
	case *cli.StringSliceFlag:
		v.Usage = usage
	case *cli.BoolFlag:
		v.Usage = usage
	case *cli.DurationFlag:
		v.Usage = usage
	case *cli.GenericFlag:
		v.Usage = usage
	}
	return f
}

// balanceFrom reads --balance: whether it asks for round-robin.
func balanceFrom(c *cli.Context) (bool, error) {
	switch b := c.String("balance"); b {
	case "failover":
		return false, nil
	case "round-robin":
		return true, nil
	default:
		return false, usagef(commandName(c), "bad --balance %q: want failover or round-robin", b)
	}
}

// checkRelayTLS fails when a TLS flag is given for a side that does not
// speak TLS, or a certificate lacks its key. With --route (routing),
// --handshake-timeout bounds the wait for each ClientHello.
func checkRelayTLS(c *cli.Context, from addr.Addr, tos []addr.Addr, routing bool) error {
	name := commandName(c)
	toTLS := false
	for _, a := range tos {
		toTLS = toTLS || a.TLS
	}
	for _, f := range relayServerTLSFlags {
		if c.IsSet(f) && !from.TLS {
			return usagef(name, "--%s applies to a tls: FROM (TLS termination), and FROM is %s", f, from)
		}
	}
	for _, f := range relayClientTLSFlags {
		if c.IsSet(f) && !toTLS {
			return usagef(name, "--%s applies to a tls: TO (TLS origination), and no TO is one", f)
		}
	}
	if c.IsSet("handshake-timeout") && !from.TLS && !toTLS && !routing {
		return usagef(name, "--handshake-timeout needs tls: in front of FROM or a TO, or --route")
	}
	if (c.String("to-cert") == "") != (c.String("to-key") == "") {
		return usagef(name, "--to-cert and --to-key go together: give both")
	}
	return nil
}

// relayServerTLSFlags and relayClientTLSFlags are the TLS flags of each
// side of a relay.
var (
	relayServerTLSFlags = []string{"cert", "key", "alpn", "sni", "client-ca"}
	relayClientTLSFlags = []string{"ca", "server-name", "pin", "insecure", "to-cert", "to-key"}
)
