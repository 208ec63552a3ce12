package pipe

import (
	"net"
	"sync"
)

// Telnet command bytes (RFC 854).
const (
	telnetSE   = 240 // end of subnegotiation
	telnetSB   = 250 // start of subnegotiation
	telnetWILL = 251
	telnetWONT = 252
	telnetDO   = 253
	telnetDONT = 254
	telnetIAC  = 255 // interpret as command
)

// Telnet wraps c for a peer that speaks Telnet (nc's -t): every option
// the peer offers or asks for is refused (DO is answered WONT, WILL is
// answered DONT; DONT and WONT need no answer), commands and
// subnegotiations never reach the reader, a doubled 0xFF reads as one,
// and every 0xFF written is doubled. The answers are written to c as
// the bytes that ask for them are read. The result keeps c's CloseWrite
// and, through NetConn, its socket options.
func Telnet(c net.Conn) net.Conn { return &telnetConn{Conn: c} }

type telnetConn struct {
	net.Conn
	rmu    sync.Mutex // one Read at a time: the parser's state
	parser telnetParser
	raw    []byte // read buffer
	wmu    sync.Mutex
	wbuf   []byte // doubled bytes being written
}

// Read returns the peer's data without Telnet commands, answering the
// option requests among them. It reads on while a read brought only
// commands, so that it never returns 0 bytes and no error.
func (t *telnetConn) Read(p []byte) (int, error) {
	t.rmu.Lock()
	defer t.rmu.Unlock()
	if len(p) == 0 {
		return 0, nil
	}
	if cap(t.raw) < len(p) {
		t.raw = make([]byte, len(p))
	}
	for {
		n, err := t.Conn.Read(t.raw[:len(p)])
		data, answers := t.parser.feed(p[:0], t.raw[:n])
		if len(answers) > 0 {
			t.writeRaw(answers) // a failure (our side already shut) shows on the next write or read
		}
		if len(data) > 0 || err != nil {
			return len(data), err
		}
	}
}

// Write sends p with every 0xFF doubled (IAC IAC: a data byte 255). It
// returns how many bytes of p were sent.
func (t *telnetConn) Write(p []byte) (int, error) {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	buf := t.wbuf[:0]
	for _, b := range p {
		buf = append(buf, b)
		if b == telnetIAC {
			buf = append(buf, telnetIAC)
		}
	}
	t.wbuf = buf
	n, err := t.Conn.Write(buf)
	if n == len(buf) {
		return len(p), err
	}
	return unescapedLen(buf[:n]), err
}

// writeRaw writes answers as they are; the write lock keeps them out of
// the middle of a doubled 0xFF.
func (t *telnetConn) writeRaw(b []byte) error {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	_, err := t.Conn.Write(b)
	return err
}

// unescapedLen is how many bytes of p the doubled bytes b carry.
func unescapedLen(b []byte) int {
	n := 0
	for i := 0; i < len(b); i++ {
		if b[i] == telnetIAC {
			i++
		}
		n++
	}
	return n
}

// CloseWrite half-closes c when it can.
func (t *telnetConn) CloseWrite() error {
	if cw, ok := t.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return t.Conn.Close()
}

// NetConn returns the wrapped connection.
func (t *telnetConn) NetConn() net.Conn { return t.Conn }

// Parser states: where the last byte left the Telnet stream.
const (
	telnetData = iota
	telnetCmd  // after IAC
	telnetOpt  // after IAC WILL, WONT, DO or DONT: the option byte comes
	telnetSub  // inside IAC SB ... IAC SE
	telnetSubIAC
)

// telnetParser splits a Telnet stream into data and the answers its
// option requests get. Its state carries over from one read to the
// next, so a command split across reads is still recognised.
type telnetParser struct {
	state int
	verb  byte // WILL, WONT, DO or DONT, in telnetOpt
}

// feed parses in, appending its data to data and returning the answers
// to write back.
func (p *telnetParser) feed(data, in []byte) (out, answers []byte) {
	for _, b := range in {
		switch p.state {
		case telnetData:
			if b == telnetIAC {
				p.state = telnetCmd
				continue
			}
			data = append(data, b)
		case telnetCmd:
			switch {
			case b == telnetIAC: // IAC IAC: a data byte 255
				data = append(data, b)
				p.state = telnetData
			case b >= telnetWILL: // WILL, WONT, DO, DONT
				p.verb, p.state = b, telnetOpt
			case b == telnetSB:
				p.state = telnetSub
			default: // NOP, GA, AYT, ...: two bytes, nothing to answer
				p.state = telnetData
			}
		case telnetOpt:
			switch p.verb {
			case telnetDO:
				answers = append(answers, telnetIAC, telnetWONT, b)
			case telnetWILL:
				answers = append(answers, telnetIAC, telnetDONT, b)
			}
			p.state = telnetData
		case telnetSub:
			if b == telnetIAC {
				p.state = telnetSubIAC
			}
		case telnetSubIAC:
			switch b {
			case telnetSE:
				p.state = telnetData
			default: // IAC IAC inside: data of the subnegotiation
				p.state = telnetSub
			}
		}
	}
	return data, answers
}
