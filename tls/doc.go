// Package tls runs sockit's TLS handshakes: [Client] and [Server] build a
// [Handshaker] from options (clients that verify against the system roots
// plus CA files, or a pinned certificate; servers with a given or
// throwaway certificate, per-name certificates (SNI) and
// client-certificate checks; ALPN and a handshake timeout on both), whose
// Handshake runs on each new connection. It also writes self-signed
// certificates, describes finished handshakes, and reads a ClientHello's
// server name without answering it ([PeekServerName], [Routes]) to route
// TLS it does not terminate. Its errors are typed
// and carry their details in fields ([ErrBadPin], [CAError],
// [ClientCertError] ...): it knows no flag names, imports only the
// standard library and never prints.
package tls
