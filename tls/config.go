package tls

import (
	stdtls "crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// ClientOptions are the client's TLS settings. The zero value verifies
// the server against the system roots, for the name the caller dials.
type ClientOptions struct {
	// ServerName is sent as SNI and checked against the certificate.
	ServerName string
	// CAFiles are PEM files whose certificates are added to the roots.
	CAFiles []string
	// Pins accept exactly the servers whose certificate (DER) or public
	// key (SPKI) has one of these SHA-256 fingerprints, self-signed or
	// not, instead of verifying a chain and a name.
	Pins []string
	// Insecure skips verification (pins still apply).
	Insecure bool
	// CertFile and KeyFile present a client certificate.
	CertFile, KeyFile string
	// ALPN lists the protocols offered, in order of preference.
	ALPN []string
	// HandshakeTimeout bounds each handshake (zero: no bound).
	HandshakeTimeout time.Duration
	// OnHandshake, when not nil, is called after each handshake that
	// succeeds, with the raw connection and the handshake's summary.
	OnHandshake func(raw net.Conn, s Summary)
}

// clientConfig builds a client configuration: TLS 1.2 or later, Go's
// defaults otherwise. Pins are checked in VerifyConnection, which also
// runs on resumed sessions.
func clientConfig(o ClientOptions) (*stdtls.Config, error) {
	cfg := &stdtls.Config{MinVersion: stdtls.VersionTLS12, ServerName: o.ServerName, NextProtos: o.ALPN}
	if len(o.CAFiles) > 0 {
		sys, err := x509.SystemCertPool()
		if err != nil {
			sys = nil
		}
		if cfg.RootCAs, err = loadPool(sys, o.CAFiles); err != nil {
			return nil, err
		}
	}
	if o.CertFile != "" || o.KeyFile != "" {
		c, err := loadPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []stdtls.Certificate{c}
	}
	var pins [][]byte
	for _, s := range o.Pins {
		p, err := ParsePin(s)
		if err != nil {
			return nil, err
		}
		pins = append(pins, p)
	}
	switch {
	case len(pins) > 0:
		cfg.InsecureSkipVerify = true // the pin replaces chain and name checks
		cfg.VerifyConnection = func(cs stdtls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return &PinMismatchError{}
			}
			leaf := cs.PeerCertificates[0]
			if !matchesPin(leaf, pins) {
				return &PinMismatchError{Fingerprint: Fingerprint(leaf)}
			}
			return nil
		}
	case o.Insecure:
		cfg.InsecureSkipVerify = true
	}
	return cfg, nil
}

// checkALPN fails with an [ALPNError] for an ALPN protocol name TLS
// cannot carry: an empty one, or one longer than 255 bytes (RFC 7301,
// section 3.1).
func checkALPN(protos []string) error {
	for _, p := range protos {
		if p == "" || len(p) > 255 {
			return &ALPNError{Proto: p}
		}
	}
	return nil
}

// SNICert is a certificate served to clients that ask for Name.
type SNICert struct{ Name, CertFile, KeyFile string }

// ParseSNI reads an SNI certificate spec, NAME=CERT,KEY. Its error is
// [ErrBadSNI].
func ParseSNI(spec string) (SNICert, error) {
	name, files, ok := strings.Cut(spec, "=")
	certFile, keyFile, ok2 := strings.Cut(files, ",")
	if !ok || !ok2 || name == "" || certFile == "" || keyFile == "" || strings.Contains(keyFile, ",") {
		return SNICert{}, fmt.Errorf("%w %q: want NAME=CERT,KEY", ErrBadSNI, spec)
	}
	return SNICert{Name: strings.ToLower(name), CertFile: certFile, KeyFile: keyFile}, nil
}

// ServerOptions are the server's TLS settings. The zero value serves a
// throwaway self-signed certificate to every client.
type ServerOptions struct {
	// CertFile and KeyFile are the default certificate; without them a
	// throwaway one is made for Hosts, localhost, 127.0.0.1 and ::1.
	CertFile, KeyFile string
	Hosts             []string
	// SNI serves other certificates to clients asking for their names.
	SNI []SNICert
	// ClientCAFiles, when set, require client certificates signed by
	// these CAs.
	ClientCAFiles []string
	// ALPN lists the protocols accepted, in order of preference.
	ALPN []string
	// HandshakeTimeout bounds each handshake (zero: no bound).
	HandshakeTimeout time.Duration
	// OnHandshake, when not nil, is called after each handshake that
	// succeeds, with the raw connection and the handshake's summary.
	OnHandshake func(raw net.Conn, s Summary)
}

// serverConfig builds a server configuration and returns it with the
// default certificate's leaf (to print its fingerprint).
func serverConfig(o ServerOptions) (*stdtls.Config, *x509.Certificate, error) {
	var def stdtls.Certificate
	var err error
	if o.CertFile == "" && o.KeyFile == "" {
		def, err = SelfSigned(o.Hosts)
	} else {
		def, err = loadPair(o.CertFile, o.KeyFile)
	}
	if err != nil {
		return nil, nil, err
	}
	if def.Leaf == nil {
		if def.Leaf, err = x509.ParseCertificate(def.Certificate[0]); err != nil {
			return nil, nil, err
		}
	}
	byName := map[string]*stdtls.Certificate{}
	for _, s := range o.SNI {
		c, err := loadPair(s.CertFile, s.KeyFile)
		if err != nil {
			return nil, nil, &SNIError{Name: s.Name, Err: err}
		}
		byName[strings.ToLower(s.Name)] = &c
	}
	cfg := &stdtls.Config{MinVersion: stdtls.VersionTLS12, NextProtos: o.ALPN}
	cfg.GetCertificate = func(hello *stdtls.ClientHelloInfo) (*stdtls.Certificate, error) {
		name := strings.ToLower(strings.TrimSuffix(hello.ServerName, "."))
		if c, ok := byName[name]; ok {
			return c, nil
		}
		if i := strings.IndexByte(name, '.'); i > 0 {
			if c, ok := byName["*"+name[i:]]; ok {
				return c, nil
			}
		}
		return &def, nil
	}
	if len(o.ClientCAFiles) > 0 {
		if cfg.ClientCAs, err = loadPool(nil, o.ClientCAFiles); err != nil {
			return nil, nil, err
		}
		cfg.ClientAuth = stdtls.RequireAndVerifyClientCert
	}
	return cfg, def.Leaf, nil
}

// Summary describes a finished handshake for -v.
type Summary struct {
	Version, CipherSuite, ALPN, PeerSubject, PeerFingerprint string
	Resumed                                                  bool
}

// String is one line: version, suite, ALPN, peer subject and fingerprint.
func (s Summary) String() string {
	out := s.Version + ", " + s.CipherSuite
	if s.ALPN != "" {
		out += ", ALPN " + s.ALPN
	}
	if s.Resumed {
		out += ", resumed"
	}
	if s.PeerSubject != "" {
		out += ", peer " + s.PeerSubject + " SHA-256 " + s.PeerFingerprint
	}
	return out
}

// Describe summarises a finished handshake.
func Describe(cs stdtls.ConnectionState) Summary {
	s := Summary{Version: stdtls.VersionName(cs.Version), CipherSuite: stdtls.CipherSuiteName(cs.CipherSuite), ALPN: cs.NegotiatedProtocol, Resumed: cs.DidResume}
	if len(cs.PeerCertificates) > 0 {
		s.PeerSubject = cs.PeerCertificates[0].Subject.String()
		s.PeerFingerprint = Fingerprint(cs.PeerCertificates[0])
	}
	return s
}

// UnverifiedFingerprint returns the SHA-256 fingerprint of the
// certificate a handshake failed to verify as signed by a known
// authority, or "".
func UnverifiedFingerprint(err error) string {
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) && ua.Cert != nil {
		return Fingerprint(ua.Cert)
	}
	return ""
}

// verifyFailure says in a few lowercase words why a handshake failed
// verification, or "" when err is not a verification failure.
func verifyFailure(err error) string {
	var pm *PinMismatchError
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &pm):
		return pm.Error() // it names the server's fingerprint
	case errors.As(err, &ua):
		return "unknown certificate authority (the server's certificate is not signed by a trusted CA)"
	case errors.As(err, &hn):
		return "certificate name mismatch: " + hn.Error()
	case errors.As(err, &ci):
		if ci.Reason == x509.Expired {
			return "certificate expired or not yet valid"
		}
		return "invalid certificate: " + ci.Error()
	}
	return ""
}
