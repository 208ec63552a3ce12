package tls

import (
	stdtls "crypto/tls"
	"crypto/x509"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVerified: a client trusting the CA (--ca) accepts the server for a
// name its certificate has, and refuses it for another name or without
// the CA, saying why in verifyFailure.
func TestVerified(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t, dir, "test")
	certFile, keyFile, leaf := ca.issue("srv", leafOpts{names: []string{"srv.test", "127.0.0.1"}})
	scfg, got := mustServer(t, ServerOptions{CertFile: certFile, KeyFile: keyFile})
	if !got.Equal(leaf) {
		t.Fatalf("ServerConfig returned leaf %v, want the file's %v", got.Subject, leaf.Subject)
	}
	tests := []struct {
		name       string
		o          ClientOptions
		wantFail   string // in verifyFailure; "" means success
		wantUnauth bool   // UnverifiedFingerprint names the leaf
	}{
		{name: "ca and name", o: ClientOptions{ServerName: "srv.test", CAFiles: []string{ca.file}}},
		{name: "ca and ip", o: ClientOptions{ServerName: "127.0.0.1", CAFiles: []string{ca.file}}},
		{name: "ca and name in capitals", o: ClientOptions{ServerName: "SRV.test", CAFiles: []string{ca.file}}},
		{name: "wrong name", o: ClientOptions{ServerName: "other.test", CAFiles: []string{ca.file}}, wantFail: "certificate name mismatch"},
		{name: "wrong ip", o: ClientOptions{ServerName: "127.0.0.2", CAFiles: []string{ca.file}}, wantFail: "certificate name mismatch"},
		{name: "unknown authority", o: ClientOptions{ServerName: "srv.test"}, wantFail: "unknown certificate authority", wantUnauth: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := handshake(t, mustClient(t, tt.o), scfg)
			if tt.wantFail == "" {
				if r.clientErr != nil || r.serverErr != nil {
					t.Fatalf("handshake: client %v, server %v", r.clientErr, r.serverErr)
				}
				if n := len(r.client.VerifiedChains); n != 1 {
					t.Fatalf("%d verified chains, want 1", n)
				}
				if !r.client.PeerCertificates[0].Equal(leaf) {
					t.Fatalf("peer certificate %v, want %v", r.client.PeerCertificates[0].Subject, leaf.Subject)
				}
				return
			}
			if r.clientErr == nil {
				t.Fatal("handshake succeeded, want a verification failure")
			}
			why := verifyFailure(r.clientErr)
			if !strings.HasPrefix(why, tt.wantFail) {
				t.Fatalf("verifyFailure(%v) = %q, want it to start with %q", r.clientErr, why, tt.wantFail)
			}
			if strings.ContainsAny(why, "\n") {
				t.Fatalf("verifyFailure = %q: more than one line", why)
			}
			fp := UnverifiedFingerprint(r.clientErr)
			if tt.wantUnauth && fp != Fingerprint(leaf) {
				t.Fatalf("UnverifiedFingerprint = %q, want %q", fp, Fingerprint(leaf))
			}
			if !tt.wantUnauth && fp != "" {
				t.Fatalf("UnverifiedFingerprint = %q for a known authority", fp)
			}
			if r.serverErr == nil {
				t.Fatal("the server's handshake succeeded after the client refused it")
			}
		})
	}
}

// TestVerifyFailureOthers: expired certificates are named, other errors
// are not verification failures.
func TestVerifyFailureOthers(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t, dir, "test")
	certFile, keyFile, _ := ca.issue("old", leafOpts{names: []string{"srv.test"}, notBefore: time.Now().Add(-48 * time.Hour), notAfter: time.Now().Add(-24 * time.Hour)})
	scfg, _ := mustServer(t, ServerOptions{CertFile: certFile, KeyFile: keyFile})
	r := handshake(t, mustClient(t, ClientOptions{ServerName: "srv.test", CAFiles: []string{ca.file}}), scfg)
	if why := verifyFailure(r.clientErr); why != "certificate expired or not yet valid" {
		t.Fatalf("verifyFailure(%v) = %q, want the expiry named", r.clientErr, why)
	}
	for _, err := range []error{nil, errors.New("connection reset by peer"), os.ErrDeadlineExceeded} {
		if why := verifyFailure(err); why != "" {
			t.Errorf("verifyFailure(%v) = %q, want \"\"", err, why)
		}
		if fp := UnverifiedFingerprint(err); fp != "" {
			t.Errorf("UnverifiedFingerprint(%v) = %q, want \"\"", err, fp)
		}
	}
}

// TestPin: a pin on the certificate or on its public key, in any of the
// accepted spellings, accepts a self-signed server whatever the name; a
// wrong pin refuses it, naming the fingerprint it saw.
func TestPin(t *testing.T) {
	scfg, leaf := mustServer(t, ServerOptions{})
	der, spki := Fingerprint(leaf), SPKIFingerprint(leaf)
	plain := func(s string) string { return strings.ReplaceAll(s, ":", "") }
	otherCert, err := SelfSigned(nil)
	if err != nil {
		t.Fatal(err)
	}
	wrong := Fingerprint(otherCert.Leaf)
	tests := []struct {
		name string
		pins []string
		ok   bool
	}{
		{"cert, colons", []string{der}, true},
		{"cert, no colons", []string{plain(der)}, true},
		{"cert, lower case", []string{strings.ToLower(plain(der))}, true},
		{"spki, colons", []string{spki}, true},
		{"spki, no colons", []string{plain(spki)}, true},
		{"spki, lower case with colons and spaces", []string{" " + strings.ToLower(spki) + " "}, true},
		{"wrong then right", []string{wrong, der}, true},
		{"wrong", []string{wrong}, false},
		{"spki of another key", []string{SPKIFingerprint(otherCert.Leaf)}, false},
	}
	for _, tt := range tests {
		for _, name := range []string{"", "localhost", "not-in-the-cert.test"} {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				r := handshake(t, mustClient(t, ClientOptions{ServerName: name, Pins: tt.pins}), scfg)
				if tt.ok {
					if r.clientErr != nil || r.serverErr != nil {
						t.Fatalf("handshake: client %v, server %v", r.clientErr, r.serverErr)
					}
					return
				}
				if !errors.Is(r.clientErr, ErrPinMismatch) {
					t.Fatalf("client error %v, want ErrPinMismatch", r.clientErr)
				}
				want := "certificate pin mismatch: server presented SHA-256 " + der
				if why := verifyFailure(r.clientErr); why != want {
					t.Fatalf("verifyFailure = %q, want %q", why, want)
				}
				if r.serverErr == nil {
					t.Fatal("the server's handshake succeeded after the client refused it")
				}
			})
		}
	}
}

// TestPinResumed: a resumed session (session tickets, TLS 1.2 and 1.3)
// is checked against the pins too: a client whose pins do not match the
// session's certificate refuses it.
func TestPinResumed(t *testing.T) {
	for _, v := range []uint16{stdtls.VersionTLS12, stdtls.VersionTLS13} {
		t.Run(stdtls.VersionName(v), func(t *testing.T) {
			scfg, leaf := mustServer(t, ServerOptions{})
			scfg.MaxVersion = v
			cache := stdtls.NewLRUClientSessionCache(8)
			client := func(pin string) (*stdtls.Config, *[]bool) {
				cfg := mustClient(t, ClientOptions{ServerName: "localhost", Pins: []string{pin}})
				cfg.ClientSessionCache = cache
				var resumed []bool // DidResume as VerifyConnection saw it
				check := cfg.VerifyConnection
				cfg.VerifyConnection = func(cs stdtls.ConnectionState) error {
					resumed = append(resumed, cs.DidResume)
					if check == nil {
						return nil
					}
					return check(cs)
				}
				return cfg, &resumed
			}
			good, seen := client(Fingerprint(leaf))
			if r := handshake(t, good, scfg); r.clientErr != nil || r.serverErr != nil {
				t.Fatalf("first handshake: client %v, server %v", r.clientErr, r.serverErr)
			} else if r.client.DidResume {
				t.Fatal("first handshake resumed")
			}
			r := handshake(t, good, scfg)
			if r.clientErr != nil || r.serverErr != nil {
				t.Fatalf("second handshake: client %v, server %v", r.clientErr, r.serverErr)
			}
			if !r.client.DidResume {
				t.Fatal("second handshake with the same session cache did not resume")
			}
			if len(*seen) != 2 || !(*seen)[1] {
				t.Fatalf("VerifyConnection saw DidResume %v, want [false true]", *seen)
			}

			other, err := SelfSigned(nil)
			if err != nil {
				t.Fatal(err)
			}
			bad, seenBad := client(Fingerprint(other.Leaf))
			r = handshake(t, bad, scfg)
			if !errors.Is(r.clientErr, ErrPinMismatch) {
				t.Fatalf("resumed handshake with a wrong pin: client error %v, want ErrPinMismatch", r.clientErr)
			}
			if len(*seenBad) != 1 || !(*seenBad)[0] {
				t.Fatalf("VerifyConnection saw DidResume %v, want [true]: the wrong pin was not tried on a resumed session", *seenBad)
			}
		})
	}
}

// TestInsecure: --insecure accepts any certificate for any name, and
// pins still apply with it.
func TestInsecure(t *testing.T) {
	scfg, leaf := mustServer(t, ServerOptions{})
	r := handshake(t, mustClient(t, ClientOptions{ServerName: "whatever.test", Insecure: true}), scfg)
	if r.clientErr != nil || r.serverErr != nil {
		t.Fatalf("handshake: client %v, server %v", r.clientErr, r.serverErr)
	}
	if !r.client.PeerCertificates[0].Equal(leaf) {
		t.Fatal("the client did not see the server's certificate")
	}
	other, err := SelfSigned(nil)
	if err != nil {
		t.Fatal(err)
	}
	r = handshake(t, mustClient(t, ClientOptions{Insecure: true, Pins: []string{Fingerprint(other.Leaf)}}), scfg)
	if !errors.Is(r.clientErr, ErrPinMismatch) {
		t.Fatalf("--insecure with a wrong pin: %v, want ErrPinMismatch", r.clientErr)
	}
}

// TestMutual: --client-ca requires a client certificate signed by that CA.
func TestMutual(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t, dir, "clients")
	rogue := newCA(t, dir, "rogue")
	cliCert, cliKey, cliLeaf := ca.issue("alice", leafOpts{usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	rogueCert, rogueKey, _ := rogue.issue("mallory", leafOpts{usage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	scfg, leaf := mustServer(t, ServerOptions{ClientCAFiles: []string{ca.file}})
	pin := Fingerprint(leaf)

	r := handshake(t, mustClient(t, ClientOptions{Pins: []string{pin}, CertFile: cliCert, KeyFile: cliKey}), scfg)
	if r.clientErr != nil || r.serverErr != nil {
		t.Fatalf("with a client certificate: client %v, server %v", r.clientErr, r.serverErr)
	}
	if len(r.server.PeerCertificates) == 0 || !r.server.PeerCertificates[0].Equal(cliLeaf) {
		t.Fatal("the server did not see the client's certificate")
	}
	if len(r.server.VerifiedChains) == 0 {
		t.Fatal("the server did not verify the client's certificate")
	}
	if s := Describe(r.server).String(); !strings.Contains(s, "peer CN=alice SHA-256 "+Fingerprint(cliLeaf)) {
		t.Fatalf("Describe = %q, want the client's subject and fingerprint", s)
	}

	for _, tc := range []struct{ name, cert, key string }{{"none", "", ""}, {"another CA's", rogueCert, rogueKey}} {
		t.Run(tc.name, func(t *testing.T) {
			r := handshake(t, mustClient(t, ClientOptions{Pins: []string{pin}, CertFile: tc.cert, KeyFile: tc.key}), scfg)
			if r.serverErr == nil {
				t.Fatal("the server accepted the client")
			}
			if r.clientErr == nil {
				t.Fatal("the client did not learn it was refused")
			}
		})
	}
}

// TestSNI: --sni serves a certificate by the name the client asks for
// (case-insensitively, with wildcards), and the default one otherwise.
func TestSNI(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t, dir, "test")
	c1, k1, def := ca.issue("default", leafOpts{names: []string{"default.test"}})
	c2, k2, other := ca.issue("other", leafOpts{names: []string{"other.test"}})
	c3, k3, wild := ca.issue("wild", leafOpts{names: []string{"*.wild.test"}})
	var snis []SNICert
	for _, spec := range []string{"other.test=" + c2 + "," + k2, "*.WILD.test=" + c3 + "," + k3} {
		s, err := ParseSNI(spec)
		if err != nil {
			t.Fatal(err)
		}
		snis = append(snis, s)
	}
	scfg, _ := mustServer(t, ServerOptions{CertFile: c1, KeyFile: k1, SNI: snis})
	tests := []struct {
		name string
		want *x509.Certificate
	}{
		{"other.test", other},
		{"OTHER.Test", other},
		{"a.wild.test", wild},
		{"default.test", def},
		{"unknown.test", def},
		{"", def},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ClientOptions{ServerName: tt.name, CAFiles: []string{ca.file}}
			if tt.name == "" || tt.name == "unknown.test" {
				o = ClientOptions{Insecure: true, ServerName: tt.name}
			}
			r := handshake(t, mustClient(t, o), scfg)
			if r.clientErr != nil || r.serverErr != nil {
				t.Fatalf("handshake: client %v, server %v", r.clientErr, r.serverErr)
			}
			if got := r.client.PeerCertificates[0]; !got.Equal(tt.want) {
				t.Fatalf("served %v, want %v", got.Subject, tt.want.Subject)
			}
		})
	}
}

func TestParseSNI(t *testing.T) {
	good := map[string]SNICert{
		"a.test=c.pem,k.pem":         {"a.test", "c.pem", "k.pem"},
		"A.Test=dir/c.pem,dir/k.pem": {"a.test", "dir/c.pem", "dir/k.pem"},
		"*.w.test=c=1.pem,k.pem":     {"*.w.test", "c=1.pem", "k.pem"},
	}
	for spec, want := range good {
		got, err := ParseSNI(spec)
		if err != nil || got != want {
			t.Errorf("ParseSNI(%q) = %+v, %v; want %+v", spec, got, err, want)
		}
	}
	for _, spec := range []string{"", "a.test", "a.test=c.pem", "=c.pem,k.pem", "a.test=,k.pem", "a.test=c.pem,", "a.test=c.pem,k.pem,x"} {
		if got, err := ParseSNI(spec); err == nil {
			t.Errorf("ParseSNI(%q) = %+v, want an error", spec, got)
		} else if !strings.Contains(err.Error(), "NAME=CERT,KEY") {
			t.Errorf("ParseSNI(%q) error %q does not show the form", spec, err)
		}
	}
}

// TestALPN: the client's offer and the server's list agree on a protocol,
// and Describe reports it.
func TestALPN(t *testing.T) {
	scfg, leaf := mustServer(t, ServerOptions{ALPN: []string{"x", "h2"}})
	r := handshake(t, mustClient(t, ClientOptions{Pins: []string{Fingerprint(leaf)}, ALPN: []string{"h2", "x"}}), scfg)
	if r.clientErr != nil || r.serverErr != nil {
		t.Fatalf("handshake: client %v, server %v", r.clientErr, r.serverErr)
	}
	if r.client.NegotiatedProtocol != "x" || r.server.NegotiatedProtocol != "x" {
		t.Fatalf("negotiated %q (client) and %q (server), want the server's preference x", r.client.NegotiatedProtocol, r.server.NegotiatedProtocol)
	}
	s := Describe(r.client)
	if s.ALPN != "x" || !strings.Contains(s.String(), ", ALPN x") || s.Version != "TLS 1.3" || s.PeerFingerprint != Fingerprint(leaf) {
		t.Fatalf("Describe = %+v (%s)", s, s)
	}
	// a client offering nothing the server accepts is refused
	r = handshake(t, mustClient(t, ClientOptions{Pins: []string{Fingerprint(leaf)}, ALPN: []string{"spdy/1"}}), scfg)
	if r.clientErr == nil || r.serverErr == nil {
		t.Fatalf("no common protocol: client %v, server %v; want both to fail", r.clientErr, r.serverErr)
	}
}

// TestOldVersionsRefused: neither end speaks TLS 1.1 or older.
func TestOldVersionsRefused(t *testing.T) {
	scfg, leaf := mustServer(t, ServerOptions{})
	if scfg.MinVersion != stdtls.VersionTLS12 {
		t.Fatalf("server MinVersion %x, want TLS 1.2", scfg.MinVersion)
	}
	old := &stdtls.Config{InsecureSkipVerify: true, MinVersion: stdtls.VersionTLS10, MaxVersion: stdtls.VersionTLS11}
	r := handshake(t, old, scfg)
	if r.clientErr == nil || r.serverErr == nil {
		t.Fatalf("a TLS 1.1 client: client %v, server %v; want both to fail", r.clientErr, r.serverErr)
	}
	if !strings.Contains(r.serverErr.Error(), "unsupported versions") {
		t.Fatalf("server error %q, want an unsupported version failure", r.serverErr)
	}

	cfg := mustClient(t, ClientOptions{Pins: []string{Fingerprint(leaf)}})
	if cfg.MinVersion != stdtls.VersionTLS12 {
		t.Fatalf("client MinVersion %x, want TLS 1.2", cfg.MinVersion)
	}
	oldSrv := scfg.Clone()
	oldSrv.MinVersion, oldSrv.MaxVersion = stdtls.VersionTLS10, stdtls.VersionTLS11
	r = handshake(t, cfg, oldSrv)
	if r.clientErr == nil {
		t.Fatal("the client accepted a TLS 1.1 server")
	}
	if !strings.Contains(r.clientErr.Error(), "protocol version") {
		t.Fatalf("client error %q, want a protocol version failure", r.clientErr)
	}
	// TLS 1.2 is still fine
	v12 := cfg.Clone()
	v12.MaxVersion = stdtls.VersionTLS12
	if r = handshake(t, v12, scfg); r.clientErr != nil || r.client.Version != stdtls.VersionTLS12 {
		t.Fatalf("TLS 1.2: %v, version %x", r.clientErr, r.client.Version)
	}
}

// TestConfigErrors: bad files and values are errors that name them.
func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t, dir, "test")
	certFile, keyFile, _ := ca.issue("srv", leafOpts{names: []string{"srv.test"}})
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	clientCases := []struct {
		o    ClientOptions
		want string
		is   error
		as   any
	}{
		{o: ClientOptions{Pins: []string{"abc"}}, want: `bad pin "abc": want`, is: ErrBadPin},
		{o: ClientOptions{CAFiles: []string{missing}}, want: "CA certificates: open " + missing, is: fs.ErrNotExist, as: new(*CAError)},
		{o: ClientOptions{CAFiles: []string{junk}}, want: "junk.pem: no PEM certificate", is: ErrNoCertificate, as: new(*CAError)},
		{o: ClientOptions{CertFile: certFile}, want: "both a certificate file and a key file", is: ErrHalfPair},
		{o: ClientOptions{KeyFile: keyFile}, want: "both a certificate file and a key file", is: ErrHalfPair},
		{o: ClientOptions{CertFile: certFile, KeyFile: junk}, want: "junk.pem", as: new(*KeyPairError)},
		{o: ClientOptions{ALPN: []string{"h2", ""}}, want: "empty ALPN protocol name", is: ErrBadALPN, as: new(*ALPNError)},
	}
	for _, tc := range clientCases {
		_, err := Client(tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Client(%+v) = %v, want an error with %q", tc.o, err, tc.want)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("Client(%+v) = %v, want errors.Is %v", tc.o, err, tc.is)
		}
		if tc.as != nil && !errors.As(err, tc.as) {
			t.Errorf("Client(%+v) = %v (%T), want a %T", tc.o, err, err, tc.as)
		}
	}
	serverCases := []struct {
		o    ServerOptions
		want string
		is   error
		as   any
	}{
		{o: ServerOptions{CertFile: certFile}, want: "both a certificate file and a key file", is: ErrHalfPair},
		{o: ServerOptions{CertFile: missing, KeyFile: keyFile}, want: "missing.pem", is: fs.ErrNotExist, as: new(*KeyPairError)},
		{o: ServerOptions{ClientCAFiles: []string{junk}}, want: "CA certificates: " + junk + ": no PEM", is: ErrNoCertificate, as: new(*CAError)},
		{o: ServerOptions{SNI: []SNICert{{Name: "a.test", CertFile: missing, KeyFile: keyFile}}}, want: "SNI name a.test: certificate " + missing, is: fs.ErrNotExist, as: new(*SNIError)},
		{o: ServerOptions{CertFile: certFile, KeyFile: filepath.Join(dir, "test-ca.pem")}, want: "srv.pem", as: new(*KeyPairError)},
		{o: ServerOptions{ALPN: []string{strings.Repeat("a", 256)}}, want: "is 256 bytes", is: ErrBadALPN},
	}
	for _, tc := range serverCases {
		_, err := Server(tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Server(%+v) = %v, want an error with %q", tc.o, err, tc.want)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("Server(%+v) = %v, want errors.Is %v", tc.o, err, tc.is)
		}
		if tc.as != nil && !errors.As(err, tc.as) {
			t.Errorf("Server(%+v) = %v (%T), want a %T", tc.o, err, err, tc.as)
		}
	}
	var cae *CAError
	if _, err := Client(ClientOptions{CAFiles: []string{junk}}); !errors.As(err, &cae) || cae.File != junk {
		t.Errorf("CAError %+v, want File %s", cae, junk)
	}
	var se *SNIError
	if _, err := Server(ServerOptions{SNI: []SNICert{{Name: "a.test", CertFile: missing, KeyFile: keyFile}}}); !errors.As(err, &se) || se.Name != "a.test" {
		t.Errorf("SNIError %+v, want Name a.test", se)
	}
}

func TestSummaryString(t *testing.T) {
	s := Summary{Version: "TLS 1.3", CipherSuite: "TLS_AES_128_GCM_SHA256"}
	if got := s.String(); got != "TLS 1.3, TLS_AES_128_GCM_SHA256" {
		t.Errorf("String() = %q", got)
	}
	s = Summary{Version: "TLS 1.2", CipherSuite: "S", ALPN: "h2", Resumed: true, PeerSubject: "CN=x", PeerFingerprint: "AB"}
	if got := s.String(); got != "TLS 1.2, S, ALPN h2, resumed, peer CN=x SHA-256 AB" {
		t.Errorf("String() = %q", got)
	}
}
