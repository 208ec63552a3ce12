// Package ipc is sockit's Unix-domain socket support: socket paths and
// Linux abstract names (@NAME) in addresses, listening with socket-file
// hygiene (a stale socket is replaced, a live one or any other file is
// never touched, the file is created no more open than its mode and is
// removed on close only if it is still ours), dialing, and peer
// credentials (SO_PEERCRED) with a user-ID filter.
//
// The package imports only the standard library and pipe, and never
// prints: errors say what went wrong and wrap the error they explain.
// Peer credentials and the race-free file mode are Linux features;
// elsewhere PeerCred reports none and Listen sets the mode with the
// process umask.
package ipc
