package tls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	stdtls "crypto/tls"
	"crypto/x509"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestSelfSigned: an ECDSA P-256 certificate for the hosts given plus
// localhost and the loopback addresses, each once, valid now and for
// about a year, for servers and clients.
func TestSelfSigned(t *testing.T) {
	c, err := SelfSigned([]string{"myhost.lan", "[fe80::1]", "192.0.2.7", "0.0.0.0", "::", "LOCALHOST", "127.0.0.1", "", "myhost.lan"})
	if err != nil {
		t.Fatal(err)
	}
	leaf := c.Leaf
	if leaf == nil {
		t.Fatal("no Leaf")
	}
	pub, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		t.Fatalf("public key %T, want ECDSA P-256", leaf.PublicKey)
	}
	if want := []string{"localhost", "myhost.lan"}; !slices.Equal(leaf.DNSNames, want) {
		t.Errorf("DNS names %q, want %q", leaf.DNSNames, want)
	}
	var ips []string
	for _, ip := range leaf.IPAddresses {
		ips = append(ips, ip.String())
	}
	if want := []string{"127.0.0.1", "::1", "fe80::1", "192.0.2.7"}; !slices.Equal(ips, want) {
		t.Errorf("IP addresses %q, want %q (no unspecified addresses)", ips, want)
	}
	for _, h := range []string{"localhost", "myhost.lan", "127.0.0.1", "::1", "192.0.2.7"} {
		if err := leaf.VerifyHostname(h); err != nil {
			t.Errorf("VerifyHostname(%s): %v", h, err)
		}
	}
	now := time.Now()
	if leaf.NotBefore.After(now) || leaf.NotAfter.Before(now.Add(360*24*time.Hour)) {
		t.Errorf("valid %v to %v, want now and for a year", leaf.NotBefore, leaf.NotAfter)
	}
	if !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) || !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageClientAuth) {
		t.Errorf("extended key usage %v, want server and client auth", leaf.ExtKeyUsage)
	}
	// trusting the certificate itself verifies it (sockit cert's output
	// works as --ca and --client-ca)
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	for _, usage := range []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth} {
		if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "myhost.lan", Roots: roots, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
			t.Errorf("verify as its own root for %v: %v", usage, err)
		}
	}
	// two calls make two keys and serials
	c2, err := SelfSigned(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c2.Leaf.SerialNumber.Cmp(leaf.SerialNumber) == 0 || SPKIFingerprint(c2.Leaf) == SPKIFingerprint(leaf) {
		t.Error("two throwaway certificates share a serial or a key")
	}
	if h := net.ParseIP("::1"); !c2.Leaf.IPAddresses[1].Equal(h) {
		t.Errorf("SelfSigned(nil) IP addresses %v", c2.Leaf.IPAddresses)
	}
}

// TestWriteSelfSigned: the pair loads, the key is 0600, and existing
// files are never overwritten nor half a pair left behind.
func TestWriteSelfSigned(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	leaf, err := WriteSelfSigned(certFile, keyFile, []string{"srv.test"})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v, want 0600", fi.Mode().Perm())
	}
	pair, err := stdtls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatalf("the pair written does not load: %v", err)
	}
	if !pair.Leaf.Equal(leaf) {
		t.Fatal("the certificate returned is not the one written")
	}
	if err := leaf.VerifyHostname("srv.test"); err != nil {
		t.Fatal(err)
	}
	certBytes, _ := os.ReadFile(certFile)
	keyBytes, _ := os.ReadFile(keyFile)

	// neither file is overwritten; a new file of the pair is not left
	// behind when the other exists
	newCert, newKey := filepath.Join(dir, "new.pem"), filepath.Join(dir, "new.key")
	for _, tc := range []struct{ name, cert, key, fresh string }{
		{"both exist", certFile, keyFile, ""},
		{"cert exists", certFile, newKey, newKey},
		{"key exists", newCert, keyFile, newCert},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := WriteSelfSigned(tc.cert, tc.key, []string{"srv.test"})
			if !errors.Is(err, fs.ErrExist) {
				t.Fatalf("WriteSelfSigned over existing files = %v, want fs.ErrExist", err)
			}
			if b, _ := os.ReadFile(certFile); string(b) != string(certBytes) {
				t.Error("the certificate was changed")
			}
			if b, _ := os.ReadFile(keyFile); string(b) != string(keyBytes) {
				t.Error("the key was changed")
			}
			if tc.fresh != "" {
				if _, err := os.Stat(tc.fresh); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s was left behind (%v)", filepath.Base(tc.fresh), err)
				}
			}
		})
	}

	if _, err := WriteSelfSigned(filepath.Join(dir, "no", "c.pem"), filepath.Join(dir, "no", "k.pem"), nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("WriteSelfSigned into a missing directory = %v, want fs.ErrNotExist", err)
	}
}

// TestServerConfigThrowaway: without files the server makes a certificate
// for its hosts, and a client dialling one of those names can pin it.
func TestServerConfigThrowaway(t *testing.T) {
	scfg, leaf := mustServer(t, ServerOptions{Hosts: []string{"box.test"}})
	if err := leaf.VerifyHostname("box.test"); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
		if err := leaf.VerifyHostname(h); err != nil {
			t.Errorf("throwaway certificate: %v", err)
		}
	}
	r := handshake(t, mustClient(t, ClientOptions{ServerName: "box.test", Pins: []string{SPKIFingerprint(leaf)}}), scfg)
	if r.clientErr != nil || r.serverErr != nil {
		t.Fatalf("handshake: client %v, server %v", r.clientErr, r.serverErr)
	}
	if !r.client.PeerCertificates[0].Equal(leaf) {
		t.Fatal("the server did not serve the leaf ServerConfig returned")
	}
}
