package cmd

import (
	"errors"
	"io/fs"

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
--ca FILE. Existing files are never overwritten.`,
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
