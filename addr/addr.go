// Package addr is sockit's one address type: what a command line names
// as ADDR (TCP, UDP, a Unix socket, with or without TLS), parsed once by
// [Parse] at the cmd boundary and taken as an [Addr] by connect, listen
// and ipc. Nothing below cmd splits "host:port" strings again.
//
// It imports only the standard library.
package addr

import (
	"net"
	"strconv"
	"strings"
)

// Kind is the transport an address names.
type Kind uint8

// The kinds of address.
const (
	TCP  Kind = iota // a host and port (the zero value)
	Unix             // a Unix-domain stream socket: a file path or @NAME
	UDP              // a host and port for datagrams
)

// IP reports whether a names a host and port (TCP or UDP).
func (k Kind) IP() bool { return k != Unix }

// Family restricts a TCP or UDP address to one IP family.
type Family uint8

// The families; the zero value allows either.
const (
	AnyFamily Family = iota
	IPv4
	IPv6
)

// Addr is one parsed address. The zero value is a TCP address with no
// host and port 0: every interface, a free port.
type Addr struct {
	Kind Kind
	// Family is the IP family a TCP address must use (tcp4:, tcp6:, -4,
	// -6); AnyFamily lets the name's addresses decide.
	Family Family
	// Host is a TCP address's host name or IP literal (IPv6 without
	// brackets, with its zone); empty means every interface, for
	// listening only.
	Host string
	// Port is a TCP address's port, 0 asking the kernel for a free one
	// (listening only).
	Port int
	// Path is a Unix socket's file path, or @NAME for a Linux abstract
	// socket.
	Path string
	// TLS asks for TLS on the connection (tls: in front, or --tls).
	TLS bool
}

// Network is the net package's network for a: "tcp", "tcp4", "tcp6",
// "udp", "udp4", "udp6" or "unix".
func (a Addr) Network() string {
	proto := "tcp"
	switch a.Kind {
	case Unix:
		return "unix"
	case UDP:
		proto = "udp"
	}
	switch a.Family {
	case IPv4:
		return proto + "4"
	case IPv6:
		return proto + "6"
	}
	return proto
}

// HostPort is a TCP address as "host:port" ("[v6]:port"), the form the
// net package dials and listens on. It is empty for a Unix address.
func (a Addr) HostPort() string {
	if a.Kind == Unix {
		return ""
	}
	return net.JoinHostPort(a.Host, strconv.Itoa(a.Port))
}

// String is the address as [Parse] reads it back: host:port (tcp4: or
// tcp6: in front when a family is asked for), udp:host:port (udp4:,
// udp6:), or unix:PATH; tls: in front when TLS is asked for.
func (a Addr) String() string {
	s := a.HostPort()
	switch {
	case a.Kind == Unix:
		s = "unix:" + a.Path
	case a.Kind == UDP || a.Family != AnyFamily:
		s = a.Network() + ":" + s
	}
	if a.TLS {
		s = "tls:" + s
	}
	return s
}

// Abstract reports whether a is a Linux abstract Unix socket (@NAME):
// no file is created for it.
func (a Addr) Abstract() bool { return a.Kind == Unix && strings.HasPrefix(a.Path, "@") }

// ServerName is the name a TLS server's certificate should carry for a:
// its host, or "localhost" for a Unix socket or a listener on every
// interface.
func (a Addr) ServerName() string {
	if a.Kind == Unix || a.Host == "" {
		return "localhost"
	}
	return a.Host
}
