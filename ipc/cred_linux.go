package ipc

import "syscall"

// peerCred reads SO_PEERCRED from a Unix socket.
func peerCred(rc syscall.RawConn) (Cred, bool) {
	var u *syscall.Ucred
	var gerr error
	if err := rc.Control(func(fd uintptr) {
		u, gerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil || gerr != nil {
		return Cred{}, false
	}
	return Cred{PID: int(u.Pid), UID: int(u.Uid), GID: int(u.Gid)}, true
}
