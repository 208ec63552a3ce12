package pipe

import (
	"bytes"
	"io"
	"net"
	"testing"
)

// TestTelnetParser feeds crafted streams, whole and split at every
// byte, and checks the data and the answers.
func TestTelnetParser(t *testing.T) {
	const (
		IAC, SB, SE, WILL, WONT, DO, DONT, NOP = 255, 250, 240, 251, 252, 253, 254, 241
		echo, sga, ttype, naws                 = 1, 3, 24, 31
	)
	for _, tc := range []struct {
		name          string
		in            []byte
		data, answers []byte
	}{
		{"plain", []byte("hello\r\n"), []byte("hello\r\n"), nil},
		{"do and will", []byte{IAC, DO, ttype, 'a', IAC, WILL, echo, 'b'}, []byte("ab"), []byte{IAC, WONT, ttype, IAC, DONT, echo}},
		{"dont and wont need no answer", []byte{IAC, DONT, sga, IAC, WONT, echo, 'x'}, []byte("x"), nil},
		{"doubled 0xff is data", []byte{'a', IAC, IAC, 'b', IAC, IAC, IAC, IAC}, []byte{'a', 0xff, 'b', 0xff, 0xff}, nil},
		{"subnegotiation", []byte{'a', IAC, SB, ttype, 1, IAC, SE, 'b'}, []byte("ab"), nil},
		{"subnegotiation with IAC IAC and SE inside", []byte{IAC, SB, naws, 0, IAC, IAC, SE, 0, 24, IAC, SE, 'z'}, []byte("z"), nil},
		{"two-byte commands", []byte{IAC, NOP, 'q', IAC, 249}, []byte("q"), nil},
		{"only commands", []byte{IAC, DO, naws, IAC, DO, sga}, nil, []byte{IAC, WONT, naws, IAC, WONT, sga}},
	} {
		for split := 0; split <= len(tc.in); split++ {
			var p telnetParser
			d1, a1 := p.feed(nil, tc.in[:split])
			d2, a2 := p.feed(nil, tc.in[split:])
			data, answers := append(d1, d2...), append(a1, a2...)
			if !bytes.Equal(data, tc.data) || !bytes.Equal(answers, tc.answers) {
				t.Errorf("%s split at %d: data %v answers %v; want %v, %v", tc.name, split, data, answers, tc.data, tc.answers)
			}
			if p.state != telnetData {
				t.Errorf("%s split at %d: ends in state %d", tc.name, split, p.state)
			}
		}
	}
}

// TestTelnetConn runs the wrapper over a real loopback connection: a
// scripted server negotiates, sends 0xFF data in pieces (which TCP may
// join; TestTelnetParser splits at every byte), and gets our
// answers and our doubled 0xFF.
func TestTelnetConn(t *testing.T) {
	client, server := tcpPair(t)
	tc := Telnet(client)
	go func() {
		server.Write([]byte{255, 253, 24, 'h', 'i', 255}) // DO TERMINAL-TYPE, "hi", half an IAC IAC
		server.Write([]byte{255, 255, 250, 24, 1})        // the rest, half a subnegotiation
		server.Write([]byte{255, 240, '!', 255, 251, 1})  // its end, "!", WILL ECHO
		server.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(tc)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{'h', 'i', 0xff, '!'}; !bytes.Equal(got, want) {
		t.Errorf("read %v, want %v", got, want)
	}
	if n, err := tc.Write([]byte{'a', 0xff, 'b'}); n != 3 || err != nil {
		t.Errorf("Write = %d, %v", n, err)
	}
	if err := tc.(interface{ CloseWrite() error }).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	sent, err := io.ReadAll(server)
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{255, 252, 24, 255, 254, 1, 'a', 0xff, 0xff, 'b'}; !bytes.Equal(sent, want) {
		t.Errorf("the server got %v, want %v", sent, want)
	}
	if tc.(interface{ NetConn() net.Conn }).NetConn() != client {
		t.Errorf("NetConn is not the wrapped connection")
	}
}

func TestUnescapedLen(t *testing.T) {
	for _, tc := range []struct {
		b    []byte
		want int
	}{{nil, 0}, {[]byte("ab"), 2}, {[]byte{255, 255, 'a'}, 2}, {[]byte{'a', 255}, 2}} {
		if got := unescapedLen(tc.b); got != tc.want {
			t.Errorf("unescapedLen(%v) = %d, want %d", tc.b, got, tc.want)
		}
	}
}
