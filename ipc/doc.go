// Package ipc will hold sockit's Unix-domain sockets: socket paths and
// Linux abstract names, stale-socket handling, file modes and peer
// credentials (issue: "Unix-domain IPC"). It imports only pipe.
package ipc
