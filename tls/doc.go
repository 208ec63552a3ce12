// Package tls will build crypto/tls configurations for sockit:
// certificates, CA pools, pins, SNI and throwaway self-signed
// certificates (issue: "TLS for every command"). It imports only the
// standard library.
package tls
