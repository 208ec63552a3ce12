// Package udp is sockit's datagram socket: what connect, listen, echo and
// relay do with a UDP address.
//
// [Conn] wraps a *net.UDPConn, applies the socket options sockit shares
// with TCP ([pipe.Options]: buffer sizes, events, taps), counts datagrams
// and bytes each way exactly, and reports what happens through
// [pipe.Event] callbacks. A Conn talks to one peer: the address it was
// dialled to ([Dial]), or, for a one-shot listener ([Listen], then
// [Conn.AwaitPeer]), the first peer that sent a datagram; datagrams from
// any other peer are dropped with a reject event.
//
// [Join] joins a Conn to a pair of streams with datagram boundaries kept:
// every read of the input is one datagram (every line, for a terminal),
// every datagram received is one write of the output, empty datagrams
// included. UDP has no end of stream: once the input ends, Join keeps
// receiving until no datagram has come for a while, then returns.
//
// [Echo] is echo -u: every datagram back to its sender, many senders at
// once, read and sent in batches (recvmmsg and sendmmsg on Linux).
//
// The package imports the standard library, pipe and addr, and
// golang.org/x/net/ipv4 and ipv6 for the batches; it never prints.
package udp
