// Package tls builds the crypto/tls configurations of sockit's --tls
// flags: clients that verify against the system roots (plus --ca files)
// or a pinned certificate, servers with a given or throwaway certificate,
// per-name certificates (SNI), client-certificate checks and ALPN. It
// also writes self-signed certificates and describes finished handshakes.
// It imports only the standard library and never prints.
package tls
