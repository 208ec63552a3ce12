package tls

import (
	stdtls "crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

// TestCertRequestFailure runs handshakes against servers that want a
// client certificate, under TLS 1.2 (the handshake fails) and TLS 1.3
// (the first read after it does), and checks the words Failure finds.
func TestCertRequestFailure(t *testing.T) {
	dir := t.TempDir()
	ca := newCA(t, dir, "clients")
	other := newCA(t, dir, "others")
	srvCA := newCA(t, dir, "servers")
	srvCert, srvKey, _ := srvCA.issue("srv", leafOpts{names: []string{"srv.test"}})
	aliceCert, aliceKey, _ := ca.issue("alice", leafOpts{})
	eveCert, eveKey, _ := other.issue("eve", leafOpts{})

	server := func(version uint16, auth stdtls.ClientAuthType, refuse bool) *stdtls.Config {
		cfg, _ := mustServer(t, ServerOptions{CertFile: srvCert, KeyFile: srvKey, ClientCAFiles: []string{ca.file}})
		cfg.MaxVersion, cfg.ClientAuth = version, auth
		if refuse { // a server that checks the certificate it gets and refuses it
			cfg.ClientCAs = nil
			cfg.VerifyPeerCertificate = func([][]byte, [][]*x509.Certificate) error { return errors.New("no") }
		}
		return cfg
	}
	for _, version := range []uint16{stdtls.VersionTLS12, stdtls.VersionTLS13} {
		for _, tc := range []struct {
			name       string
			cert, key  string
			auth       stdtls.ClientAuthType
			refuse     bool
			asked, had bool
			sent       bool
			want       string
		}{
			{name: "no certificate", auth: stdtls.RequireAndVerifyClientCert, asked: true,
				want: "the server requires a client certificate"},
			{name: "one from another CA", cert: eveCert, key: eveKey, auth: stdtls.RequireAndVerifyClientCert, asked: true, had: true,
				want: "the server requires a client certificate signed by a CA it names, and ours is not"},
			{name: "refused", cert: aliceCert, key: aliceKey, auth: stdtls.RequireAnyClientCert, refuse: true, asked: true, had: true, sent: true,
				want: "the server refused our client certificate (tls: bad certificate)"},
			{name: "accepted", cert: aliceCert, key: aliceKey, auth: stdtls.RequireAndVerifyClientCert, asked: true, had: true, sent: true},
			{name: "optional and none", auth: stdtls.VerifyClientCertIfGiven, asked: true},
			{name: "not asked", auth: stdtls.NoClientCert},
		} {
			t.Run(fmt.Sprintf("%s/%s", stdtls.VersionName(version), tc.name), func(t *testing.T) {
				var r CertRequest
				ccfg := mustClient(t, ClientOptions{CAFiles: []string{srvCA.file}, ServerName: "srv.test", CertFile: tc.cert, KeyFile: tc.key})
				o := handshake(t, WatchCertRequest(ccfg, &r), server(version, tc.auth, tc.refuse))
				if r.Asked != tc.asked || r.Had != tc.had || r.Sent != tc.sent {
					t.Errorf("got %+v, want asked %v, had %v, sent %v", r, tc.asked, tc.had, tc.sent)
				}
				if got := r.Failure(o.clientErr); got != tc.want {
					t.Errorf("Failure(%v) = %q, want %q", o.clientErr, got, tc.want)
				}
				if (tc.want == "") != (o.clientErr == nil) {
					t.Errorf("client error %v, want one: %v", o.clientErr, tc.want != "")
				}
			})
		}
	}
}

// TestCertRequestFailureOthers: errors the request does not explain.
func TestCertRequestFailureOthers(t *testing.T) {
	asked := &CertRequest{Asked: true}
	for _, err := range []error{
		nil,
		&os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}, // stdout's, not the socket's
		os.ErrDeadlineExceeded,
	} {
		if got := asked.Failure(err); got != "" {
			t.Errorf("Failure(%v) = %q, want none", err, got)
		}
	}
	if got := (&CertRequest{}).Failure(syscall.ECONNRESET); got != "" {
		t.Errorf("not asked: Failure = %q, want none", got)
	}
	var nilReq *CertRequest
	if got := nilReq.Failure(syscall.EPIPE); got != "" {
		t.Errorf("nil: Failure = %q, want none", got)
	}
	if got := asked.Failure(fmt.Errorf("write: %w", syscall.EPIPE)); got != "the server requires a client certificate" {
		t.Errorf("broken pipe: Failure = %q", got)
	}
}
