package tls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	stdtls "crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// authority is a test CA that issues certificates into dir.
type authority struct {
	t    *testing.T
	dir  string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // the CA certificate, PEM
}

// newCA makes a CA named cn whose certificate is written to dir.
func newCA(t *testing.T, dir, cn string) *authority {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, cn+"-ca.pem")
	writePEM(t, file, "CERTIFICATE", der)
	return &authority{t: t, dir: dir, cert: cert, key: key, file: file}
}

// leafOpts shape a certificate the authority issues.
type leafOpts struct {
	names     []string // DNS names and IP addresses
	notBefore time.Time
	notAfter  time.Time
	usage     []x509.ExtKeyUsage // default: server and client auth
}

// issue writes a certificate for o.names signed by the CA, and its key,
// as name.pem and name.key, and returns their paths and the certificate.
func (a *authority) issue(name string, o leafOpts) (certFile, keyFile string, leaf *x509.Certificate) {
	t := a.t
	t.Helper()
	key := newKey(t)
	if o.notBefore.IsZero() {
		o.notBefore = time.Now().Add(-time.Hour)
	}
	if o.notAfter.IsZero() {
		o.notAfter = time.Now().Add(24 * time.Hour)
	}
	if o.usage == nil {
		o.usage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    o.notBefore,
		NotAfter:     o.notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  o.usage,
	}
	for _, n := range o.names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, &key.PublicKey, a.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err = x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(a.dir, name+".pem"), filepath.Join(a.dir, name+".key")
	writePEM(t, certFile, "CERTIFICATE", der)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	return certFile, keyFile, leaf
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// outcome is what both ends of one handshake saw.
type outcome struct {
	client    stdtls.ConnectionState
	clientErr error // the handshake's, or the first read's (TLS 1.3 reports a refused client certificate there)
	server    stdtls.ConnectionState
	serverErr error
}

// handshake runs one TLS handshake over a real loopback TCP connection
// between a client with ccfg and a server with scfg. After a successful
// handshake the server sends one byte and the client reads it, so that
// the client also receives TLS 1.3 session tickets and learns of a
// client certificate the server refused.
func handshake(t *testing.T, ccfg, scfg *stdtls.Config) outcome {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type srvResult struct {
		state stdtls.ConnectionState
		err   error
	}
	done := make(chan srvResult, 1)
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			done <- srvResult{err: err}
			return
		}
		defer raw.Close()
		raw.SetDeadline(time.Now().Add(10 * time.Second))
		sc := stdtls.Server(raw, scfg)
		err = sc.Handshake()
		if err == nil {
			_, err = sc.Write([]byte("x"))
			// wait for the client to finish (it closes), so that a
			// refused client certificate is reported here
			_, _ = io.Copy(io.Discard, sc)
		}
		done <- srvResult{sc.ConnectionState(), err}
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	raw.SetDeadline(time.Now().Add(10 * time.Second))
	cc := stdtls.Client(raw, ccfg)
	var o outcome
	o.clientErr = cc.Handshake()
	if o.clientErr == nil {
		b := make([]byte, 1)
		if _, err := io.ReadFull(cc, b); err != nil {
			o.clientErr = err
		} else if b[0] != 'x' {
			o.clientErr = errors.New("read a wrong byte")
		}
	}
	o.client = cc.ConnectionState()
	cc.Close()
	r := <-done
	o.server, o.serverErr = r.state, r.err
	return o
}

// mustClient builds a client configuration or fails the test.
func mustClient(t *testing.T, o ClientOptions) *stdtls.Config {
	t.Helper()
	cfg, err := clientConfig(o)
	if err != nil {
		t.Fatalf("clientConfig(%+v) = %v", o, err)
	}
	return cfg
}

// mustServer builds a server configuration or fails the test.
func mustServer(t *testing.T, o ServerOptions) (*stdtls.Config, *x509.Certificate) {
	t.Helper()
	cfg, leaf, err := serverConfig(o)
	if err != nil {
		t.Fatalf("serverConfig(%+v) = %v", o, err)
	}
	return cfg, leaf
}
