// Package pipe is sockit's shared socket wrapper and the copy loop that
// joins a connection to a pair of streams.
//
// Every connection of every sockit command passes through [Wrap], which
// applies the socket [Options] (TCP_NODELAY, keep-alive, idle timeout,
// buffer sizes), counts the bytes moved in each direction exactly, and
// keeps the kernel's zero-copy paths: [Conn] implements io.ReaderFrom and
// io.WriterTo and delegates them to the raw connection, so io.Copy between
// a Conn and an *os.File or another Conn still reaches sendfile(2) and
// splice(2).
//
// [Join] copies in both directions with the end-of-stream rules of a
// careful netcat: EOF on input half-closes the connection and keeps
// reading until the peer's EOF; the peer's EOF ends only the receive
// direction (the output is closed, input goes on until its EOF), or the
// whole join when [JoinOptions.StopAtPeerEnd] asks (a terminal on input).
//
// The package imports nothing but the standard library and never prints:
// what happens on a connection is reported through [Options.OnEvent].
package pipe
