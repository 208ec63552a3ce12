package ipc

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"syscall"
)

// Cred is a Unix socket peer's process ID, user ID and group ID, as the
// kernel recorded them when the peer connected (SO_PEERCRED).
type Cred struct{ PID, UID, GID int }

// String is "pid 123, uid 1000, gid 1000".
func (c Cred) String() string { return fmt.Sprintf("pid %d, uid %d, gid %d", c.PID, c.UID, c.GID) }

// Env is the credentials as SOCKIT_PEER_PID, SOCKIT_PEER_UID and
// SOCKIT_PEER_GID for a child process.
func (c Cred) Env() []string {
	return []string{
		"SOCKIT_PEER_PID=" + strconv.Itoa(c.PID),
		"SOCKIT_PEER_UID=" + strconv.Itoa(c.UID),
		"SOCKIT_PEER_GID=" + strconv.Itoa(c.GID),
	}
}

// PeerCred returns the credentials of c's peer; ok is false when c is not
// a Unix socket (it unwraps connections with a NetConn method, such as a
// *pipe.Conn or a *tls.Conn).
func PeerCred(c net.Conn) (cred Cred, ok bool) {
	for {
		u, isWrapper := c.(interface{ NetConn() net.Conn })
		if !isWrapper {
			break
		}
		c = u.NetConn()
	}
	uc, isUnix := c.(*net.UnixConn)
	if !isUnix {
		return Cred{}, false
	}
	rc, err := uc.SyscallConn()
	if err != nil {
		return Cred{}, false
	}
	var u *syscall.Ucred
	var gerr error
	if err := rc.Control(func(fd uintptr) {
		u, gerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil || gerr != nil {
		return Cred{}, false
	}
	return Cred{PID: int(u.Pid), UID: int(u.Uid), GID: int(u.Gid)}, true
}

// AllowUIDs returns a check that admits Unix-socket peers whose user ID is
// in uids (every peer when uids is empty) and refuses the others, saying
// why.
func AllowUIDs(uids []int) func(net.Conn) (bool, string) {
	return func(c net.Conn) (bool, string) {
		if len(uids) == 0 {
			return true, ""
		}
		cred, ok := PeerCred(c)
		if !ok {
			return false, "peer credentials unavailable"
		}
		if slices.Contains(uids, cred.UID) {
			return true, ""
		}
		return false, fmt.Sprintf("uid %d not allowed", cred.UID)
	}
}
