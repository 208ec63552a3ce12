package proxy

// The SOCKS side of the server: SOCKS5 (RFC 1928, RFC 1929) and SOCKS4
// and 4a, decoded and answered with the messages of wire_socks*.go.

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strconv"
	"syscall"

	"sockit/pipe"
)

// socks5 runs a SOCKS5 handshake on c (read through br) and returns the
// connection to the target once the client has been told it succeeded.
func (s *Server) socks5(ctx context.Context, br *bufio.Reader, c *pipe.Conn, r *request) (*pipe.Conn, error) {
	g, err := ReadGreeting(br)
	if err != nil {
		return nil, r.fail(s.readError("SOCKS5 greeting", err))
	}
	method := MethodNoAuth
	if s.authRequired() {
		method = MethodUserPass
	}
	if !g.Offers(method) {
		c.Write(MethodReply{Method: MethodNoAcceptable}.Append(nil))
		if method == MethodUserPass {
			return nil, r.fail(&AuthError{Missing: true})
		}
		return nil, r.fail(&RequestError{Why: "the client offers no SOCKS5 method the server takes (no authentication)"})
	}
	if _, err := c.Write(MethodReply{Method: method}.Append(nil)); err != nil {
		return nil, r.fail(err)
	}
	if method == MethodUserPass {
		up, err := ReadUserPass(br)
		if err != nil {
			return nil, r.fail(s.readError("SOCKS5 username/password request", err))
		}
		r.user = up.User
		if !s.authenticate(up.User, up.Pass) {
			c.Write(UserPassReply{Status: 1}.Append(nil))
			return nil, r.fail(&AuthError{User: up.User})
		}
		if _, err := c.Write(UserPassReply{Status: 0}.Append(nil)); err != nil {
			return nil, r.fail(err)
		}
	}
	q, err := ReadRequest(br)
	if err != nil {
		if errors.Is(err, ErrMalformed) {
			writeReply5(c, ReplyAddressNotSupported, nil)
		}
		return nil, r.fail(s.readError("SOCKS5 request", err))
	}
	r.target = q.Target
	if q.Cmd != CmdConnect {
		writeReply5(c, ReplyCommandNotSupported, nil)
		return nil, r.fail(&RequestError{Why: "SOCKS5 command " + cmdName(q.Cmd) + " is not served (only CONNECT)"})
	}
	endHandshake(c)
	up, err := s.connect(ctx, q.Target)
	if err != nil {
		writeReply5(c, replyCode5(err), nil)
		return nil, r.fail(err)
	}
	if err := writeReply5(c, ReplySucceeded, up); err != nil {
		up.Close()
		return nil, r.fail(err)
	}
	return up, nil
}

// writeReply5 sends a SOCKS5 reply with code, naming up's local address
// as the bound one when up is not nil.
func writeReply5(c *pipe.Conn, code byte, up *pipe.Conn) error {
	p := Reply{Code: code}
	if up != nil {
		p.Bound = boundOf(up)
	}
	b, err := p.Append(nil)
	if err != nil {
		return err
	}
	_, err = c.Write(b)
	return err
}

// boundOf is the address the server's end of up is bound to.
func boundOf(up *pipe.Conn) Target {
	if ta, ok := up.LocalAddr().(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return Target{IP: ap.Addr().Unmap(), Port: ap.Port()}
	}
	return Target{}
}

// socks4 runs a SOCKS4 or 4a handshake on c (read through br) and
// returns the connection to the target once the client has been told
// its request is granted. SOCKS4 has no password: with Users set, every
// SOCKS4 client is refused (reply 91).
func (s *Server) socks4(ctx context.Context, br *bufio.Reader, c *pipe.Conn, r *request) (*pipe.Conn, error) {
	q, err := ReadRequest4(br)
	if err != nil {
		return nil, r.fail(s.readError("SOCKS4 request", err))
	}
	r.target = q.Target
	if q.Target.Name != "" {
		r.proto = "socks4a"
	}
	refuse := func(err error) (*pipe.Conn, error) {
		c.Write(Reply4{Code: Reply4Rejected}.Append(nil))
		return nil, r.fail(err)
	}
	if s.authRequired() {
		return refuse(&AuthError{Missing: true})
	}
	if q.Cmd != CmdConnect {
		return refuse(&RequestError{Why: "SOCKS4 command " + cmdName(q.Cmd) + " is not served (only CONNECT)"})
	}
	endHandshake(c)
	up, err := s.connect(ctx, q.Target)
	if err != nil {
		return refuse(err)
	}
	var bound netip.AddrPort
	if b := boundOf(up); b.IP.Is4() {
		bound = netip.AddrPortFrom(b.IP, b.Port)
	}
	if _, err := c.Write(Reply4{Code: Reply4Granted, Bound: bound}.Append(nil)); err != nil {
		up.Close()
		return nil, r.fail(err)
	}
	return up, nil
}

// cmdName names a SOCKS command.
func cmdName(cmd byte) string {
	switch cmd {
	case CmdConnect:
		return "CONNECT"
	case CmdBind:
		return "BIND"
	case CmdUDPAssociate:
		return "UDP ASSOCIATE"
	}
	return strconv.Itoa(int(cmd))
}

// replyCode5 is the SOCKS5 reply code for a failed connect: the
// upstream proxy's own code when it refused, else the code closest to
// the error.
func replyCode5(err error) byte {
	var re *ReplyError
	var de *DeniedError
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &de):
		return ReplyNotAllowed
	case errors.As(err, &re) && re.Version == 5:
		return re.Code
	case errors.Is(err, syscall.ECONNREFUSED):
		return ReplyConnectionRefused
	case errors.Is(err, syscall.ENETUNREACH):
		return ReplyNetworkUnreachable
	case errors.Is(err, syscall.EHOSTUNREACH), errors.As(err, &dns):
		return ReplyHostUnreachable
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return ReplyTTLExpired
	}
	return ReplyGeneralFailure
}
