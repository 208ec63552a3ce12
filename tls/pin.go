package tls

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strings"
)

// Fingerprint is the SHA-256 of cert's DER encoding as colon-separated
// uppercase hex (as openssl x509 -fingerprint -sha256 prints it).
func Fingerprint(cert *x509.Certificate) string { return colonHex(sha256.Sum256(cert.Raw)) }

func colonHex(sum [32]byte) string {
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// ParsePin reads a pin: 64 hex digits, colons optional, any case. Its
// error is [ErrBadPin].
func ParsePin(s string) ([]byte, error) {
	h := strings.ReplaceAll(strings.TrimSpace(s), ":", "")
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("%w %q: want a SHA-256 fingerprint, 64 hex digits (colons optional)", ErrBadPin, s)
	}
	return b, nil
}

// matchesPin reports whether cert's DER or SPKI hash is one of pins.
func matchesPin(cert *x509.Certificate, pins [][]byte) bool {
	der, spki := sha256.Sum256(cert.Raw), sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	for _, p := range pins {
		if bytes.Equal(p, der[:]) || bytes.Equal(p, spki[:]) {
			return true
		}
	}
	return false
}
