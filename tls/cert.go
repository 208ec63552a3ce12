package tls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	stdtls "crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"strings"
	"time"
)

// SelfSigned makes a throwaway ECDSA P-256 certificate for hosts (names
// and IP addresses, plus localhost, 127.0.0.1 and ::1), valid from an
// hour ago for one year, usable by servers and clients.
func SelfSigned(hosts []string) (stdtls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return stdtls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return stdtls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "sockit", Organization: []string{"sockit self-signed"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	for _, h := range append([]string{"localhost", "127.0.0.1", "::1"}, hosts...) {
		h = strings.Trim(h, "[]")
		if ip := net.ParseIP(h); ip != nil {
			if !ip.IsUnspecified() && !containsIP(tmpl.IPAddresses, ip) {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			}
		} else if h != "" && !containsString(tmpl.DNSNames, h) {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	if len(tmpl.DNSNames) > 0 {
		tmpl.Subject.CommonName = tmpl.DNSNames[len(tmpl.DNSNames)-1]
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return stdtls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return stdtls.Certificate{}, err
	}
	return stdtls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

func containsIP(ips []net.IP, ip net.IP) bool {
	for _, x := range ips {
		if x.Equal(ip) {
			return true
		}
	}
	return false
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// WriteSelfSigned writes a [SelfSigned] certificate and its key as PEM
// files; the key file gets mode 0600. Neither file may exist already (the
// error wraps fs.ErrExist), and no half-written pair is left behind.
func WriteSelfSigned(certPath, keyPath string, hosts []string) (*x509.Certificate, error) {
	cert, err := SelfSigned(hosts)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		return nil, err
	}
	if err := writeNew(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, err
	}
	if err := writeNew(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o644); err != nil {
		os.Remove(keyPath)
		return nil, err
	}
	return cert.Leaf, nil
}

// writeNew creates path (which must not exist) with data and mode.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(path)
		return fmt.Errorf("write %s: %w", path, werr)
	}
	return nil
}

// loadPair loads a certificate and key; both files must be given
// ([ErrHalfPair]); its other errors are [KeyPairError]s.
func loadPair(certFile, keyFile string) (stdtls.Certificate, error) {
	if (certFile == "") != (keyFile == "") {
		return stdtls.Certificate{}, ErrHalfPair
	}
	c, err := stdtls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return c, &KeyPairError{CertFile: certFile, KeyFile: keyFile, Err: err}
	}
	return c, nil
}

// loadPool reads PEM certificates from files into a pool, starting from
// base (nil: an empty pool). Its errors are [CAError]s.
func loadPool(base *x509.CertPool, files []string) (*x509.CertPool, error) {
	pool := base
	if pool == nil {
		pool = x509.NewCertPool()
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, &CAError{File: f, Err: err}
		}
		if !pool.AppendCertsFromPEM(b) {
			return nil, &CAError{File: f, Err: fmt.Errorf("%s: %w", f, ErrNoCertificate)}
		}
	}
	return pool, nil
}
