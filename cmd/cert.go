package cmd

import (
	"errors"
	"io/fs"
	"net"
	"strings"

	"github.com/urfave/cli/v2"

	sockittls "sockit/tls"
)

func certCommand(e *env) *cli.Command {
	return &cli.Command{
		Name:      "cert",
		Usage:     "write a self-signed TLS certificate and key for NAMEs (host names or IP addresses)",
		ArgsUsage: "NAME...",
		Description: `Writes an ECDSA P-256 certificate valid for a year for the NAMEs (and
localhost, 127.0.0.1 and ::1) and its key (mode 0600), and prints the
certificate's SHA-256 fingerprint on stderr, for a stable identity:
listen --tls --cert FILE --key FILE, and clients --pin FINGERPRINT or
--ca FILE. Existing files are never overwritten. A NAME is a host name
(letters, digits, - and _ between dots; *.example.com for a wildcard)
or an IP address; anything else is a usage error.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "cert", Value: "cert.pem", Usage: "write the certificate to `FILE`"},
			&cli.StringFlag{Name: "key", Value: "key.pem", Usage: "write the key to `FILE`"},
		},
		Action: e.cert,
	}
}

// cert is the action of sockit cert.
func (e *env) cert(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("cert", "missing NAME (a host name or address the certificate is for)")
	}
	for _, name := range c.Args().Slice() {
		if !certName(name) {
			return usagef("cert", "bad NAME %q: want a host name (letters, digits, - and _ between dots; *.NAME for a wildcard) or an IP address", name)
		}
	}
	leaf, err := sockittls.WriteSelfSigned(c.String("cert"), c.String("key"), c.Args().Slice())
	if errors.Is(err, fs.ErrExist) {
		return &hinted{err: err, hints: []string{"sockit never overwrites a certificate or key: remove it, or choose --cert and --key"}}
	}
	if err != nil {
		return err
	}
	e.diag.notef("wrote %s and %s; certificate SHA-256 %s", c.String("cert"), c.String("key"), sockittls.Fingerprint(leaf))
	return nil
}

// certName reports whether name can go into a certificate: an IP
// address, or a host name whose labels are 1 to 63 letters, digits,
// hyphens (not first or last) and underscores (which crypto/x509
// accepts), 253 bytes at most, the first label possibly "*".
func certName(name string) bool {
	if net.ParseIP(name) != nil {
		return true
	}
	if len(name) > 253 {
		return false
	}
	for i, label := range strings.Split(name, ".") {
		if label == "*" && i == 0 && strings.Contains(name, ".") {
			continue
		}
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}
