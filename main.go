// sockit reads and writes bytes across TCP connections, the way netcat
// does, with exact end-of-stream rules, clear errors and -v events.
//
// Usage:
//
//	sockit connect HOST:PORT      stdin to the peer, the peer to stdout
//	sockit listen PORT            the same for one incoming connection
//	sockit echo PORT              a concurrent echo server
//
// See sockit --help and man/sockit.1.
package main

import (
	"os"

	"sockit/cmd"
)

func main() { os.Exit(cmd.Main(os.Args, os.Stdin, os.Stdout, os.Stderr)) }
