package ipc

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"syscall"
)

// Cred is a Unix socket peer's process ID, user ID and group ID, as the
// kernel recorded them when the peer connected, or, for a client asking
// about its server, when the server called listen(2) (SO_PEERCRED).
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

// PeerCred returns the credentials of c's peer. It unwraps connections
// that have a NetConn method (a *pipe.Conn, a *tls.Conn) down to the
// socket. ok is false when that socket is not a Unix socket, when the
// credentials cannot be read, and on systems other than Linux.
func PeerCred(c net.Conn) (cred Cred, ok bool) {
	for {
		u, isWrapper := c.(interface{ NetConn() net.Conn })
		if !isWrapper {
			break
		}
		c = u.NetConn()
	}
	if c == nil {
		return Cred{}, false
	}
	sc, isSys := c.(syscall.Conn)
	if _, isUnix := c.LocalAddr().(*net.UnixAddr); !isSys || !isUnix {
		return Cred{}, false // SO_PEERCRED on TCP would "succeed" with no one's credentials
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return Cred{}, false
	}
	return peerCred(rc)
}

// AbstractUIDs returns the users an abstract socket (@NAME) serves: the
// process's own effective user, root, and the users in more. An abstract
// name has no file whose mode could keep other users out; this list does
// what mode 0600 does for a socket file, and more widens it.
func AbstractUIDs(more []int) []int {
	uids := []int{os.Geteuid(), 0}
	for _, u := range more {
		if !slices.Contains(uids, u) {
			uids = append(uids, u)
		}
	}
	return uids
}

// AllowUIDs returns a check that admits the Unix-socket peers whose user
// ID is in uids (every peer when uids is empty) and refuses the others,
// saying why ("uid 1001 not allowed"). It fits listen.Limits.Admit.
func AllowUIDs(uids []int) func(net.Conn) (ok bool, why string) {
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
