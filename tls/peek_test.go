package tls

import (
	"bytes"
	"context"
	stdtls "crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// replayed reads the peeked bytes, then the connection.
type replayed struct {
	net.Conn
	r io.Reader
}

func (c replayed) Read(p []byte) (int, error) { return c.r.Read(p) }

// TestPeekServerName: the name a real client asks for is read, nothing is
// written to it, and the peeked bytes replayed to a real server complete
// the handshake.
func TestPeekServerName(t *testing.T) {
	scfg, _ := mustServer(t, ServerOptions{})
	for _, sni := range []string{"a.example.com", ""} {
		client, server := tcpPair(t)
		done := make(chan error, 1)
		go func() {
			tc := stdtls.Client(client, &stdtls.Config{ServerName: sni, InsecureSkipVerify: true})
			if sni == "" { // an IP address sends no name
				tc = stdtls.Client(client, &stdtls.Config{ServerName: "127.0.0.1", InsecureSkipVerify: true})
			}
			_, err := tc.Write([]byte("ping"))
			done <- err
		}()
		name, peeked, err := PeekServerName(context.Background(), server, 5*time.Second)
		if err != nil || name != sni {
			t.Fatalf("PeekServerName = %q, %v; want %q", name, err, sni)
		}
		ts := stdtls.Server(replayed{server, io.MultiReader(bytes.NewReader(peeked), server)}, scfg)
		buf := make([]byte, 4)
		if _, err := io.ReadFull(ts, buf); err != nil || string(buf) != "ping" {
			t.Fatalf("after the replay: %q, %v", buf, err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestPeekServerNameRefuses(t *testing.T) {
	// a handshake message of 64 KiB in 16 KiB records: never ends in MaxPeek
	huge := []byte{1, 1, 0, 0} // ClientHello, 65536 bytes
	var long []byte
	for len(huge) > 0 || len(long) < MaxPeek+1000 {
		chunk := make([]byte, 16384)
		n := copy(chunk, huge)
		huge = huge[n:]
		long = append(long, 0x16, 3, 1, 0x40, 0)
		long = append(long, chunk...)
	}
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"plain text", []byte("GET / HTTP/1.1\r\n\r\n"), ErrNoClientHello},
		{"too long", long, ErrNoClientHello},
		{"cut short", []byte{0x16, 3, 1, 0, 50, 1}, ErrNoClientHello},
		{"empty", nil, ErrNoClientHello},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, server := tcpPair(t)
			go func() { client.Write(tc.in); client.(*net.TCPConn).CloseWrite() }()
			_, peeked, err := PeekServerName(context.Background(), server, 5*time.Second)
			if !errors.Is(err, tc.want) {
				t.Fatalf("PeekServerName = %v, want %v", err, tc.want)
			}
			if len(peeked) > MaxPeek || !bytes.HasPrefix(tc.in, peeked) {
				t.Fatalf("peeked %d bytes, not a prefix of the input of at most %d", len(peeked), MaxPeek)
			}
		})
	}
	t.Run("silent", func(t *testing.T) {
		_, server := tcpPair(t)
		if _, _, err := PeekServerName(context.Background(), server, 50*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("PeekServerName = %v, want a deadline error", err)
		}
	})
}

// fileConn is a net.Conn over fixed bytes, for the fuzz target.
type fileConn struct {
	net.Conn
	r io.Reader
}

func (c fileConn) Read(p []byte) (int, error)         { return c.r.Read(p) }
func (c fileConn) SetReadDeadline(time.Time) error    { return nil }
func (c fileConn) SetDeadline(time.Time) error        { return nil }
func (c fileConn) SetWriteDeadline(t time.Time) error { return nil }
func (c fileConn) Close() error                       { return nil }

// FuzzPeekServerName: no input panics, and what is peeked is a prefix of
// the input, never longer than MaxPeek.
func FuzzPeekServerName(f *testing.F) {
	f.Add([]byte{0x16, 3, 1, 0, 50, 1, 0, 0, 46, 3, 3})
	f.Add([]byte("GET /"))
	f.Fuzz(func(t *testing.T, in []byte) {
		_, peeked, _ := PeekServerName(context.Background(), fileConn{r: bytes.NewReader(in)}, 0)
		if len(peeked) > MaxPeek || !bytes.HasPrefix(in, peeked) {
			t.Fatalf("peeked %q of %q", peeked, in)
		}
	})
}

func TestRoutes(t *testing.T) {
	var r Routes[string]
	for p, v := range map[string]string{"a.example.com": "A", "*.example.com": "W", "*.b.example.com": "WB", "B.Example.org.": "B"} {
		if err := r.Add(p, v); err != nil {
			t.Fatal(err)
		}
	}
	for name, want := range map[string]string{
		"a.example.com": "A", "A.EXAMPLE.COM": "A", "x.example.com": "W", "x.y.example.com": "W",
		"c.b.example.com": "WB", "b.example.com": "W", "b.example.org": "B", "b.example.org.": "B",
		"example.com": "", "": "", "xexample.com": "", "other.org": "",
	} {
		got, ok := r.Lookup(name)
		if got != want || ok != (want != "") {
			t.Errorf("Lookup(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	for _, bad := range []string{"", "*", "*.", "a.*.com", "*example.com", "a..b", "-a.com", "a b", "a.example.com", "**.x"} {
		if err := r.Add(bad, "x"); !errors.Is(err, ErrBadRoute) {
			t.Errorf("Add(%q) = %v, want ErrBadRoute", bad, err)
		}
	}
}
