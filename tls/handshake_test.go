package tls

import (
	"context"
	stdtls "crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// ends is what both handshakers of one loopback connection returned.
type ends struct {
	client, server       net.Conn
	clientErr, serverErr error
}

// shake runs ch and sh on the two ends of a real loopback TCP
// connection and closes the connections when the test ends.
func shake(t *testing.T, ch, sh *Handshaker) ends {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var e ends
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		raw, err := ln.Accept()
		if err != nil {
			e.serverErr = err
			return
		}
		t.Cleanup(func() { raw.Close() })
		e.server, e.serverErr = sh.Handshake(t.Context(), raw)
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	e.client, e.clientErr = ch.Handshake(t.Context(), raw)
	if e.clientErr != nil {
		raw.Close() // as the callers do: the server's handshake ends too
	}
	wg.Wait()
	return e
}

// must fails the test on the error of a Client or Server call.
func must(t *testing.T) func(*Handshaker, error) *Handshaker {
	return func(h *Handshaker, err error) *Handshaker {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
}

// TestHandshake: a pinned client and a throwaway-certificate server agree,
// both report the handshake, and bytes pass.
func TestHandshake(t *testing.T) {
	var mu sync.Mutex
	var seen []Summary
	record := func(raw net.Conn, s Summary) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, s)
	}
	sh := must(t)(Server(ServerOptions{ALPN: []string{"x"}, HandshakeTimeout: 5 * time.Second, OnHandshake: record}))
	leaf := sh.Certificate()
	if leaf == nil {
		t.Fatal("a server's Certificate is nil")
	}
	ch := must(t)(Client(ClientOptions{Pins: []string{Fingerprint(leaf)}, ALPN: []string{"x"}, HandshakeTimeout: 5 * time.Second, OnHandshake: record}))
	if ch.Certificate() != nil {
		t.Fatal("a client's Certificate is not nil")
	}
	e := shake(t, ch, sh)
	if e.clientErr != nil || e.serverErr != nil {
		t.Fatalf("client %v, server %v", e.clientErr, e.serverErr)
	}
	go e.server.Write([]byte("hi"))
	b := make([]byte, 2)
	if _, err := io.ReadFull(e.client, b); err != nil || string(b) != "hi" {
		t.Fatalf("read %q, %v", b, err)
	}
	if len(seen) != 2 || seen[0].ALPN != "x" || seen[1].ALPN != "x" {
		t.Fatalf("OnHandshake saw %+v, want two handshakes with ALPN x", seen)
	}
	if ClientCertFailure(e.client, io.EOF) != nil || ClientCertFailure(e.server, io.EOF) != nil {
		t.Fatal("ClientCertFailure explains an EOF the server did not ask a certificate for")
	}
}

// TestHandshakePinMismatch: a server whose certificate matches no pin is
// ErrPinMismatch, with its fingerprint in the error.
func TestHandshakePinMismatch(t *testing.T) {
	sh := must(t)(Server(ServerOptions{}))
	other, err := SelfSigned(nil)
	if err != nil {
		t.Fatal(err)
	}
	ch := must(t)(Client(ClientOptions{Pins: []string{Fingerprint(other.Leaf)}}))
	e := shake(t, ch, sh)
	var he *HandshakeError
	var pm *PinMismatchError
	if !errors.Is(e.clientErr, ErrPinMismatch) || !errors.As(e.clientErr, &he) || !errors.As(e.clientErr, &pm) {
		t.Fatalf("client error %v (%T), want a HandshakeError that is ErrPinMismatch", e.clientErr, e.clientErr)
	}
	fp := Fingerprint(sh.Certificate())
	if pm.Fingerprint != fp || he.Peer == nil || he.Server {
		t.Fatalf("mismatch %+v, peer %v; want fingerprint %s", pm, he.Peer, fp)
	}
	want := "tls with " + he.Peer.String() + ": certificate pin mismatch: server presented SHA-256 " + fp
	if e.clientErr.Error() != want {
		t.Fatalf("error %q, want %q", e.clientErr, want)
	}
	if e.serverErr == nil || errors.Is(e.serverErr, ErrPinMismatch) || !strings.HasPrefix(e.serverErr.Error(), "tls handshake: ") {
		t.Fatalf("server error %v, want the client's alert as a server's handshake error", e.serverErr)
	}
}

// TestHandshakeUnknownAuthority: a server no root signed is named so,
// and its fingerprint can be told for a pin.
func TestHandshakeUnknownAuthority(t *testing.T) {
	sh := must(t)(Server(ServerOptions{}))
	ch := must(t)(Client(ClientOptions{ServerName: "localhost", CAFiles: []string{newCA(t, t.TempDir(), "x").file}}))
	e := shake(t, ch, sh)
	var he *HandshakeError
	if !errors.As(e.clientErr, &he) || !strings.HasPrefix(he.Why, "unknown certificate authority") || errors.Is(e.clientErr, ErrPinMismatch) {
		t.Fatalf("client error %v, want an unknown authority", e.clientErr)
	}
	if fp := UnverifiedFingerprint(e.clientErr); fp != Fingerprint(sh.Certificate()) {
		t.Fatalf("UnverifiedFingerprint = %q, want the server's", fp)
	}
}

// TestHandshakeTimeout: a peer that sends nothing is given up on after
// the timeout, on both roles, as context.DeadlineExceeded.
func TestHandshakeTimeout(t *testing.T) {
	const timeout = 100 * time.Millisecond
	for _, tc := range []struct {
		name string
		h    func() (*Handshaker, error)
		want string
	}{
		{"server", func() (*Handshaker, error) { return Server(ServerOptions{HandshakeTimeout: timeout}) }, "tls handshake: no handshake within 100ms: context deadline exceeded"},
		{"client", func() (*Handshaker, error) { return Client(ClientOptions{Insecure: true, HandshakeTimeout: timeout}) }, "tls handshake with %s: no handshake within 100ms: context deadline exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := must(t)(tc.h())
			a, b := tcpPair(t)
			start := time.Now()
			_, err := h.Handshake(context.Background(), a)
			if d := time.Since(start); d < timeout || d > 5*time.Second {
				t.Errorf("gave up after %v, want about %v", d, timeout)
			}
			want := strings.Replace(tc.want, "%s", a.RemoteAddr().String(), 1)
			var he *HandshakeError
			if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &he) || err.Error() != want {
				t.Fatalf("error %v (%T), want %q, a HandshakeError and context.DeadlineExceeded", err, err, want)
			}
			b.Close()
		})
	}
}

// tcpPair is both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// TestHandshakeClientCertRequired: a server that requires a client
// certificate the client lacks is ErrClientCertRequired on the client:
// from the handshake under TLS 1.2, from the first read under TLS 1.3;
// and a client with a certificate from another CA is
// ErrClientCertUntrusted.
func TestHandshakeClientCertRequired(t *testing.T) {
	dir := t.TempDir()
	clients := newCA(t, dir, "clients")
	others := newCA(t, dir, "others")
	eveCert, eveKey, _ := others.issue("eve", leafOpts{})
	for _, version := range []uint16{stdtls.VersionTLS12, stdtls.VersionTLS13} {
		for _, tc := range []struct {
			name      string
			cert, key string
			reason    error
		}{
			{name: "none", reason: ErrClientCertRequired},
			{name: "another CA's", cert: eveCert, key: eveKey, reason: ErrClientCertUntrusted},
		} {
			t.Run(stdtls.VersionName(version)+"/"+tc.name, func(t *testing.T) {
				sh := must(t)(Server(ServerOptions{ClientCAFiles: []string{clients.file}, HandshakeTimeout: 5 * time.Second}))
				sh.cfg.MaxVersion = version
				ch := must(t)(Client(ClientOptions{Pins: []string{Fingerprint(sh.Certificate())}, CertFile: tc.cert, KeyFile: tc.key, HandshakeTimeout: 5 * time.Second}))
				e := shake(t, ch, sh)
				if e.serverErr == nil {
					t.Fatal("the server accepted the client")
				}
				err := e.clientErr
				if version == stdtls.VersionTLS13 {
					if err != nil {
						t.Fatalf("TLS 1.3 client handshake: %v, want success", err)
					}
					_, rerr := e.client.Read(make([]byte, 1))
					if err = ClientCertFailure(e.client, rerr); err == nil {
						t.Fatalf("ClientCertFailure(%v) = nil", rerr)
					}
				}
				var ce *ClientCertError
				if !errors.Is(err, tc.reason) || !errors.As(err, &ce) || ce.Peer == nil {
					t.Fatalf("client error %v (%T), want a ClientCertError that is %v", err, err, tc.reason)
				}
				if want := "tls with " + ce.Peer.String() + ": " + tc.reason.Error(); err.Error() != want {
					t.Fatalf("error %q, want %q", err, want)
				}
			})
		}
	}
}

// TestHandshakeNotTLS: a client whose server answers with bytes that are
// not a TLS record (a banner), or sends its hello back (an echo server),
// gets ErrNotTLS naming them; a server that sends nothing and closes
// cannot be told apart, and is not.
func TestHandshakeNotTLS(t *testing.T) {
	for _, tc := range []struct {
		name string
		peer func(net.Conn)
		want string // "": not ErrNotTLS
	}{
		{"banner", func(c net.Conn) { io.WriteString(c, "SSH-2.0-OpenSSH_9.6\r\n") }, `the server does not speak TLS (its first bytes are "SSH-2.0-OpenSSH_")`},
		{"echo", func(c net.Conn) { io.Copy(c, c) }, "the server does not speak TLS (it sent our hello back)"},
		{"silent", func(c net.Conn) { c.Close() }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := must(t)(Client(ClientOptions{Insecure: true, HandshakeTimeout: 5 * time.Second}))
			a, b := tcpPair(t)
			go tc.peer(b)
			_, err := h.Handshake(context.Background(), a)
			var nt *NotTLSError
			switch {
			case tc.want == "" && errors.Is(err, ErrNotTLS):
				t.Fatalf("error %v, want one that is not ErrNotTLS", err)
			case tc.want == "":
			case !errors.Is(err, ErrNotTLS) || !errors.As(err, &nt) || !strings.HasSuffix(err.Error(), tc.want):
				t.Fatalf("error %v (%T), want ErrNotTLS ending %q", err, err, tc.want)
			}
		})
	}
}
