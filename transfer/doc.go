// Package transfer is sockit's file-transfer protocol: a sender offers
// files one at a time, the receiver answers with what it already holds of
// each (so an interrupted transfer resumes, after both sides check that
// the held bytes match), the data follows, and a digest of the whole file
// (a hash over the hashes of its 4 MiB blocks) ends it. The receiver
// writes into a partial file and renames it into place only once the
// digest matches; names from the wire never leave the receiving
// directory. A file the receiver refuses comes back as a [Refusal] whose
// [Code] says why. docs/PROTOCOL.md describes the bytes.
//
// Either side may be the one that dialled: [Send] and [Receive] take a
// connected stream. The package imports nothing of sockit's own (it holds
// a pipe.Conn's idle timeout through an interface) and never prints:
// progress goes to a [Progress].
package transfer
