// Package ipc is sockit's Unix-domain socket support: socket paths and
// Linux abstract names (@NAME), listening with socket-file hygiene (a
// stale socket is replaced, a live one or any other file is never
// touched, the file is removed on close only if it is still ours), file
// modes, and peer credentials (SO_PEERCRED). It imports only pipe.
package ipc
