package udp

import (
	"errors"
	"io"
	"net"
	"os"
	"time"
)

// Stream is a net.Conn view of c for a program run with -e/-c, whose
// stdin and stdout are byte streams: Read returns the peer's datagrams'
// bytes in order (a datagram longer than the buffer over several reads;
// empty datagrams add nothing), and io.EOF once no datagram has come for
// idle (zero: never); Write sends p in datagrams of at most size bytes
// (zero: [DefaultDatagramSize]), so each read of the program's output
// goes out as one datagram or a few. Closing it closes c.
func Stream(c *Conn, size int, idle time.Duration) net.Conn {
	if size <= 0 {
		size = DefaultDatagramSize
	}
	return &stream{Conn: c, size: min(size, MaxDatagram), idle: idle}
}

// stream is [Stream]'s net.Conn: Conn's methods but Read and Write.
type stream struct {
	*Conn
	size int
	idle time.Duration
	buf  []byte // the datagram being read
	rest []byte // the part of it not read yet
}

// Read returns the rest of the last datagram, or the next one's bytes.
func (s *stream) Read(p []byte) (int, error) {
	for len(s.rest) == 0 {
		if s.buf == nil {
			s.buf = make([]byte, MaxDatagram)
		}
		if s.idle > 0 {
			s.Conn.SetReadDeadline(time.Now().Add(s.idle))
		}
		n, err := s.Conn.Read(s.buf)
		if s.idle > 0 && errors.Is(err, os.ErrDeadlineExceeded) {
			return 0, io.EOF // the peer fell quiet: the end of the program's input
		}
		if err != nil {
			return 0, err
		}
		s.rest = s.buf[:n]
	}
	n := copy(p, s.rest)
	s.rest = s.rest[n:]
	return n, nil
}

// Write sends p in datagrams of at most s.size bytes.
func (s *stream) Write(p []byte) (int, error) {
	sent := 0
	for sent < len(p) {
		n, err := s.Conn.Write(p[sent:min(len(p), sent+s.size)])
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}
