//go:build !linux

package udp

import "net"

// reportRefusals does nothing here: the option that reports ICMP errors
// on an unconnected socket is Linux's.
func reportRefusals(*net.UDPConn) error { return nil }
