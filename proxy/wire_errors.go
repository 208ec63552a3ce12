package proxy

import (
	"fmt"
	"syscall"
)

// SOCKS5 reply codes (RFC 1928 section 6).
const (
	ReplySucceeded           byte = 0
	ReplyGeneralFailure      byte = 1
	ReplyNotAllowed          byte = 2
	ReplyNetworkUnreachable  byte = 3
	ReplyHostUnreachable     byte = 4
	ReplyConnectionRefused   byte = 5
	ReplyTTLExpired          byte = 6
	ReplyCommandNotSupported byte = 7
	ReplyAddressNotSupported byte = 8
)

// SOCKS4 reply codes.
const (
	Reply4Granted       byte = 90
	Reply4Rejected      byte = 91
	Reply4NoIdentd      byte = 92
	Reply4IdentMismatch byte = 93
)

var socks5Words = [...]string{
	ReplySucceeded:           "succeeded",
	ReplyGeneralFailure:      "general SOCKS server failure",
	ReplyNotAllowed:          "connection not allowed by ruleset",
	ReplyNetworkUnreachable:  "network unreachable",
	ReplyHostUnreachable:     "host unreachable",
	ReplyConnectionRefused:   "connection refused",
	ReplyTTLExpired:          "TTL expired",
	ReplyCommandNotSupported: "command not supported",
	ReplyAddressNotSupported: "address type not supported",
}

var socks4Words = map[byte]string{
	Reply4Granted:       "request granted",
	Reply4Rejected:      "request rejected or failed",
	Reply4NoIdentd:      "request rejected: the proxy cannot reach identd on the client",
	Reply4IdentMismatch: "request rejected: identd reports a different user id",
}

// ReplyError is a SOCKS proxy's refusal of a request: its reply code,
// which Error puts in words ("host unreachable (SOCKS5 reply 4)").
type ReplyError struct {
	// Version is 5 or 4 (SOCKS4 and 4a).
	Version int
	// Code is the reply code: 1-8 for SOCKS5, 91-93 for SOCKS4.
	Code byte
}

// Words returns the reply code's meaning, "unknown reply" for a code
// the protocol does not define.
func (e *ReplyError) Words() string {
	if e.Version == 4 {
		if w, ok := socks4Words[e.Code]; ok {
			return w
		}
	} else if int(e.Code) < len(socks5Words) {
		return socks5Words[e.Code]
	}
	return "unknown reply"
}

// Error returns the words and the code: "host unreachable (SOCKS5
// reply 4)".
func (e *ReplyError) Error() string {
	return fmt.Sprintf("%s (SOCKS%d reply %d)", e.Words(), e.Version, e.Code)
}

// Unwrap returns the errno a direct connection would have failed with,
// for the codes that have one (refused, host and network unreachable),
// so that errors.Is(err, syscall.ECONNREFUSED) holds through a proxy;
// nil otherwise.
func (e *ReplyError) Unwrap() error {
	if e.Version != 5 {
		return nil
	}
	switch e.Code {
	case ReplyConnectionRefused:
		return syscall.ECONNREFUSED
	case ReplyHostUnreachable:
		return syscall.EHOSTUNREACH
	case ReplyNetworkUnreachable:
		return syscall.ENETUNREACH
	}
	return nil
}

// StatusError is an HTTP proxy's refusal of a CONNECT: a status other
// than 2xx. Error returns the status line's code and reason ("407 Proxy
// Authentication Required").
type StatusError struct {
	// Code is the HTTP status code.
	Code int
	// Reason is the reason phrase the proxy sent (the standard one when
	// it sent none).
	Reason string
}

// Error returns "CODE REASON".
func (e *StatusError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("%d", e.Code)
	}
	return fmt.Sprintf("%d %s", e.Code, e.Reason)
}
