package udp

import (
	"net"
	"syscall"
)

// reportRefusals turns on IP_RECVERR (and IPV6_RECVERR on an IPv6
// socket) so that an ICMP port unreachable reaches the next read or
// write of an unconnected socket as ECONNREFUSED, as it does on a
// connected one. Without it, a one-shot listener whose peer has gone
// would go on sending into nothing and exit 0.
func reportRefusals(raw *net.UDPConn) error {
	rc, err := raw.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		v6 := false
		if a, ok := raw.LocalAddr().(*net.UDPAddr); ok && a.IP.To4() == nil {
			v6 = true
		}
		if v6 {
			serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_RECVERR, 1)
		}
		// IPv4 datagrams on a dual-stack socket report through the IPv4 option.
		if e := syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_RECVERR, 1); e != nil && !v6 {
			serr = e
		}
	})
	if err != nil {
		return err
	}
	return serr
}
