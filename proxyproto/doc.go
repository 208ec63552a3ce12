// Package proxyproto reads and writes the PROXY protocol header of
// HAProxy (versions 1 and 2): the few bytes a proxy sends before any
// data to tell the server behind it who the real client is. [Read]
// takes exactly the header's bytes from a connection and no more, so the
// connection can be used as it is afterwards (its splice path intact);
// [Header.Append] writes one. It imports only the standard library and
// never prints.
//
// What is supported: v1 TCP4, TCP6 and UNKNOWN; v2 PROXY and LOCAL
// commands over AF_INET, AF_INET6 and AF_UNSPEC (AF_UNIX addresses and
// TLVs are read past and ignored; a datagram transport is refused).
package proxyproto
