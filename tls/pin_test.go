package tls

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestParsePin(t *testing.T) {
	sum := sha256.Sum256([]byte("sockit"))
	lower := hex.EncodeToString(sum[:])
	colons := colonHex(sum)
	good := []string{
		lower,
		strings.ToUpper(lower),
		colons,
		strings.ToLower(colons),
		"  " + colons + "\n",
		strings.ReplaceAll(colons[:30], ":", "") + colons[30:], // colons in some places only
	}
	for _, s := range good {
		b, err := ParsePin(s)
		if err != nil || !bytes.Equal(b, sum[:]) {
			t.Errorf("ParsePin(%q) = %x, %v; want %x", s, b, err, sum)
		}
	}
	bad := []string{
		"",
		":",
		lower[:62],                           // too short
		lower + "00",                         // too long
		lower[:63] + "g",                     // not hex
		lower[:63],                           // odd length
		"sha256/" + lower,                    // a prefix
		strings.ReplaceAll(colons, ":", "-"), // other separators
		strings.ReplaceAll(colons, ":", " "),
	}
	for _, s := range bad {
		if b, err := ParsePin(s); err == nil {
			t.Errorf("ParsePin(%q) = %x, want an error", s, b)
		} else if !strings.HasPrefix(err.Error(), "bad pin ") || !strings.Contains(err.Error(), "64 hex digits") {
			t.Errorf("ParsePin(%q) error %q does not say what a pin is", s, err)
		}
	}
}

// FuzzParsePin: a pin parses to exactly 32 bytes whose hex is the input
// without colons and spaces (any case), and a fingerprint printed by
// Fingerprint parses back to its hash.
func FuzzParsePin(f *testing.F) {
	sum := sha256.Sum256([]byte("seed"))
	for _, s := range []string{
		colonHex(sum),
		hex.EncodeToString(sum[:]),
		strings.ToLower(colonHex(sum)),
		"",
		"::",
		"zz",
		hex.EncodeToString(sum[:31]),
		hex.EncodeToString(sum[:]) + "0",
		" " + colonHex(sum) + "\t",
		"AB:CD",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParsePin(s)
		if err != nil {
			if b != nil {
				t.Fatalf("ParsePin(%q) returned %x with error %v", s, b, err)
			}
			if !strings.HasPrefix(err.Error(), "bad pin ") {
				t.Fatalf("ParsePin(%q) error %q", s, err)
			}
			return
		}
		if len(b) != sha256.Size {
			t.Fatalf("ParsePin(%q) = %d bytes", s, len(b))
		}
		digits := strings.ReplaceAll(strings.TrimSpace(s), ":", "")
		if !strings.EqualFold(digits, hex.EncodeToString(b)) {
			t.Fatalf("ParsePin(%q) = %x: not the digits given", s, b)
		}
		var sum [32]byte
		copy(sum[:], b)
		again, err := ParsePin(colonHex(sum))
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("ParsePin(colonHex(%x)) = %x, %v", b, again, err)
		}
	})
}

// TestFingerprintFormat: uppercase hex pairs joined by colons, of the DER
// and of the SPKI.
func TestFingerprintFormat(t *testing.T) {
	c, err := SelfSigned(nil)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^[0-9A-F]{2}(:[0-9A-F]{2}){31}$`)
	fp, spki := Fingerprint(c.Leaf), SPKIFingerprint(c.Leaf)
	if !re.MatchString(fp) || !re.MatchString(spki) {
		t.Fatalf("Fingerprint %q, SPKIFingerprint %q: want AB:CD:... (32 pairs)", fp, spki)
	}
	der := sha256.Sum256(c.Certificate[0])
	if fp != colonHex(der) {
		t.Fatalf("Fingerprint is not the SHA-256 of the DER")
	}
	pub, err := x509.MarshalPKIXPublicKey(c.Leaf.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if spki != colonHex(sha256.Sum256(pub)) {
		t.Fatalf("SPKIFingerprint is not the SHA-256 of the public key's SubjectPublicKeyInfo")
	}
	if fp == spki {
		t.Fatal("certificate and SPKI fingerprints are the same")
	}
}

// TestFingerprintOpenSSL: Fingerprint prints what
// openssl x509 -noout -fingerprint -sha256 prints, and SPKIFingerprint
// hashes what openssl calls the public key.
func TestFingerprintOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed")
	}
	dir := t.TempDir()
	certFile := filepath.Join(dir, "cert.pem")
	leaf, err := WriteSelfSigned(certFile, filepath.Join(dir, "key.pem"), []string{"fp.test"})
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", certFile).Output()
	if err != nil {
		t.Fatalf("openssl x509: %v", err)
	}
	_, got, ok := strings.Cut(strings.TrimSpace(string(out)), "=")
	if !ok || got != Fingerprint(leaf) {
		t.Fatalf("openssl says %q, Fingerprint %q", out, Fingerprint(leaf))
	}
	pub, err := exec.Command("sh", "-c", `openssl x509 -noout -pubkey -in "$1" | openssl pkey -pubin -outform DER`, "sh", certFile).Output()
	if err != nil {
		t.Fatalf("openssl pkey: %v", err)
	}
	if colonHex(sha256.Sum256(pub)) != SPKIFingerprint(leaf) {
		t.Fatalf("SPKIFingerprint %s is not the SHA-256 of openssl's public key", SPKIFingerprint(leaf))
	}
}

// SPKIFingerprint is the SHA-256 of cert's SubjectPublicKeyInfo, in
// Fingerprint's format: it stays the same when a certificate is renewed
// with the same key. Pins accept it; only the tests compute it.
func SPKIFingerprint(cert *x509.Certificate) string {
	return colonHex(sha256.Sum256(cert.RawSubjectPublicKeyInfo))
}
