package tls

import (
	stdtls "crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
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
			reason     error
		}{
			{name: "no certificate", auth: stdtls.RequireAndVerifyClientCert, asked: true,
				want: "the server requires a client certificate", reason: ErrClientCertRequired},
			{name: "one from another CA", cert: eveCert, key: eveKey, auth: stdtls.RequireAndVerifyClientCert, asked: true, had: true,
				want: "the server requires a client certificate signed by a CA it names, and ours is not", reason: ErrClientCertUntrusted},
			{name: "refused", cert: aliceCert, key: aliceKey, auth: stdtls.RequireAnyClientCert, refuse: true, asked: true, had: true, sent: true,
				want: "the server refused our client certificate (tls: bad certificate)", reason: ErrClientCertRefused},
			{name: "accepted", cert: aliceCert, key: aliceKey, auth: stdtls.RequireAndVerifyClientCert, asked: true, had: true, sent: true},
			{name: "optional and none", auth: stdtls.VerifyClientCertIfGiven, asked: true},
			{name: "not asked", auth: stdtls.NoClientCert},
		} {
			t.Run(fmt.Sprintf("%s/%s", stdtls.VersionName(version), tc.name), func(t *testing.T) {
				var r certRequest
				ccfg := mustClient(t, ClientOptions{CAFiles: []string{srvCA.file}, ServerName: "srv.test", CertFile: tc.cert, KeyFile: tc.key})
				o := handshake(t, watchCertRequest(ccfg, &r), server(version, tc.auth, tc.refuse))
				if r.Asked != tc.asked || r.Had != tc.had || r.Sent != tc.sent {
					t.Errorf("got %+v, want asked %v, had %v, sent %v", r, tc.asked, tc.had, tc.sent)
				}
				if got := why(&r, o.clientErr); got != tc.want {
					t.Errorf("failure(%v) = %q, want %q", o.clientErr, got, tc.want)
				}
				if err := r.failure(nil, o.clientErr); tc.reason != nil && !errors.Is(err, tc.reason) {
					t.Errorf("failure(%v) = %v, want errors.Is %v", o.clientErr, err, tc.reason)
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
	asked := &certRequest{Asked: true}
	for _, err := range []error{
		nil,
		&os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}, // stdout's, not the socket's
		os.ErrDeadlineExceeded,
	} {
		if got := why(asked, err); got != "" {
			t.Errorf("failure(%v) = %q, want none", err, got)
		}
	}
	if got := why(&certRequest{}, syscall.ECONNRESET); got != "" {
		t.Errorf("not asked: failure = %q, want none", got)
	}
	var nilReq *certRequest
	if got := why(nilReq, syscall.EPIPE); got != "" {
		t.Errorf("nil: failure = %q, want none", got)
	}
	if got := why(asked, fmt.Errorf("write: %w", syscall.EPIPE)); got != "the server requires a client certificate" {
		t.Errorf("broken pipe: failure = %q", got)
	}
	if got := why(&certRequest{Asked: true, Had: true, Sent: true}, syscall.ECONNRESET); got != "" {
		t.Errorf("sent, reset without an alert: failure = %q, want none", got)
	}
	err := fmt.Errorf("write: %w", syscall.EPIPE)
	var ce *ClientCertError
	if e := asked.failure(nil, err); !errors.As(e, &ce) || !errors.Is(e, syscall.EPIPE) || errors.Is(e, ErrClientCertRefused) {
		t.Errorf("failure(%v) = %v: want a ClientCertError that wraps it", err, e)
	}
}

// why is the words of r.failure(err), after "tls with PEER: ", or "".
func why(r *certRequest, err error) string {
	e := r.failure(nil, err)
	if e == nil {
		return ""
	}
	_, w, _ := strings.Cut(e.Error(), ": ")
	return w
}
