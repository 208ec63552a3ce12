package proxy

// The HTTP side of the server: CONNECT (RFC 9110 section 9.3.6) for any
// target, and absolute-form requests (GET http://host/path, what curl -x
// sends for an http URL) forwarded to plain http targets.

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"sockit/pipe"
)

// Realm is the realm of the server's Proxy-Authenticate challenge.
const Realm = "sockit"

// http runs an HTTP proxy request on c (read through br). For CONNECT it
// returns the connection to the target once the client has its 200; for
// a forwarded request, once the request's head, rewritten to origin
// form, has gone to the target (its body follows, framed as its head
// says, and the target's response goes back as it comes; see
// [forward]). Forwarded requests are one per connection: the target is
// asked to close after its response (Connection: close), the client
// sees that, and whatever it sends after the body is dropped.
func (s *Server) http(ctx context.Context, br *bufio.Reader, c *pipe.Conn, r *request) (*pipe.Conn, error) {
	q, err := ReadRequestHead(br)
	if err != nil {
		err = s.readError("HTTP request", err)
		if errors.As(err, new(*RequestError)) && errors.Is(err, ErrMalformed) {
			writeStatus(c, http.StatusBadRequest, nil, err)
		}
		return nil, r.fail(err)
	}
	if s.authRequired() {
		user, pass, ok := ParseBasicAuth(q.Header.Get("Proxy-Authorization"))
		r.user = user
		if !ok || !s.authenticate(user, pass) {
			aerr := &AuthError{Missing: !ok, User: user}
			writeStatus(c, http.StatusProxyAuthRequired, http.Header{"Proxy-Authenticate": {`Basic realm="` + Realm + `"`}}, aerr)
			return nil, r.fail(aerr)
		}
	}
	if q.Method == http.MethodConnect {
		return s.httpConnect(ctx, c, q, r)
	}
	return s.httpForward(ctx, c, q, r)
}

// httpConnect opens the tunnel of a CONNECT.
func (s *Server) httpConnect(ctx context.Context, c *pipe.Conn, q RequestHead, r *request) (*pipe.Conn, error) {
	t, err := ParseTarget(q.Target)
	if err != nil {
		err = &RequestError{Why: "bad CONNECT target", Err: err}
		writeStatus(c, http.StatusBadRequest, nil, err)
		return nil, r.fail(err)
	}
	up, err := s.httpDial(ctx, c, t, r)
	if err != nil {
		return nil, err
	}
	b, _ := ResponseHead{Code: http.StatusOK, Reason: "Connection established"}.Append(nil)
	if _, err := c.Write(b); err != nil {
		up.Close()
		return nil, r.fail(err)
	}
	return up, nil
}

// httpDial connects to t for an HTTP client, answering it with the
// status of a failure.
func (s *Server) httpDial(ctx context.Context, c *pipe.Conn, t Target, r *request) (*pipe.Conn, error) {
	r.target = t
	endHandshake(c)
	up, err := s.connect(ctx, t)
	if err != nil {
		writeStatus(c, httpStatus(err), nil, err)
		return nil, r.fail(err)
	}
	return up, nil
}

// httpForward sends an absolute-form request on to its http target.
func (s *Server) httpForward(ctx context.Context, c *pipe.Conn, q RequestHead, r *request) (*pipe.Conn, error) {
	u, err := url.Parse(q.Target)
	switch {
	case err == nil && u.Scheme == "http" && u.Host != "":
	case err == nil && u.Scheme == "" && strings.HasPrefix(q.Target, "/"):
		err = &RequestError{Why: "a proxy takes CONNECT host:port or an absolute URL (http://host/path), not " + clip(q.Target)}
	case err == nil && u.Scheme != "http":
		err = &RequestError{Why: "only http:// URLs are forwarded (CONNECT for the others), not " + clip(q.Target)}
	default:
		err = &RequestError{Why: "bad request target " + clip(q.Target), Err: err}
	}
	if err != nil {
		writeStatus(c, http.StatusBadRequest, nil, err)
		return nil, r.fail(err)
	}
	port := 80
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port <= 0 || port > 65535 {
			err = &RequestError{Why: "bad port in " + clip(q.Target)}
			writeStatus(c, http.StatusBadRequest, nil, err)
			return nil, r.fail(err)
		}
	}
	if r.fwd, err = bodyFraming(q); err != nil {
		writeStatus(c, http.StatusBadRequest, nil, err)
		return nil, r.fail(err)
	}
	t, _ := ParseTarget(net.JoinHostPort(u.Hostname(), strconv.Itoa(port)))
	up, err := s.httpDial(ctx, c, t, r)
	if err != nil {
		return nil, err
	}
	head := RequestHead{Method: q.Method, Target: u.RequestURI(), Proto: q.Proto, Header: forwardHeader(q.Header, u.Host)}
	b, err := head.Append(nil)
	if err == nil {
		_, err = up.Write(b)
	}
	if err != nil {
		up.Close()
		writeStatus(c, http.StatusBadGateway, nil, err)
		return nil, r.fail(err)
	}
	return up, nil
}

// hopByHop are the fields that concern the connection to the proxy and
// are not forwarded (RFC 9110 section 7.6.1). Transfer-Encoding stays:
// the body goes through as the client framed it.
var hopByHop = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authorization", "Proxy-Authenticate", "Te", "Trailer", "Upgrade"}

// forwardHeader is h as the target gets it: without the hop-by-hop
// fields (and those Connection names), Host set to the URL's authority,
// and Connection: close.
func forwardHeader(h http.Header, host string) http.Header {
	out := h.Clone()
	for _, v := range h.Values("Connection") {
		for _, f := range strings.Split(v, ",") {
			if f = http.CanonicalHeaderKey(strings.TrimSpace(f)); f != "" && f != "Transfer-Encoding" {
				out.Del(f)
			}
		}
	}
	for _, f := range hopByHop {
		out.Del(f)
	}
	out.Set("Host", host)
	out.Set("Connection", "close")
	return out
}

// writeStatus answers an HTTP client that its request failed, with a
// one-line text body saying why, and Connection: close.
func writeStatus(c *pipe.Conn, code int, h http.Header, why error) {
	if h == nil {
		h = http.Header{}
	}
	body := http.StatusText(code) + ": " + why.Error() + "\n"
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Connection", "close")
	b, err := ResponseHead{Code: code, Header: h}.Append(nil)
	if err != nil {
		return
	}
	c.Write(append(b, body...))
}

// httpStatus is the status for a failed connect: 400 for a target
// that is none, 403 for a denied one, 504 for a timeout, 502 for every
// other failure to reach it.
func httpStatus(err error) int {
	var ne net.Error
	switch {
	case errors.As(err, new(*RequestError)):
		return http.StatusBadRequest
	case errors.As(err, new(*DeniedError)):
		return http.StatusForbidden
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return http.StatusGatewayTimeout
	}
	return http.StatusBadGateway
}
