// Command echoserver is the reference for scripts/bench.sh: the echo
// server a Go programmer writes in a dozen lines, one goroutine and one
// io.Copy per connection, with nothing else in the way.
//
//	echoserver -addr-file FILE [-loop] [ADDR]
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
)

func main() {
	addrFile := flag.String("addr-file", "", "write the bound address to `FILE` once listening")
	loop := flag.Bool("loop", false, "copy with a Read/Write loop and a 16 KiB buffer instead of io.Copy (no splice)")
	flag.Parse()
	addr := "127.0.0.1:0"
	if flag.NArg() > 0 {
		addr = flag.Arg(0)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	if *addrFile != "" {
		tmp := *addrFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
		if err := os.Rename(tmp, *addrFile); err != nil {
			log.Fatal(err)
		}
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			fmt.Fprintln(os.Stderr, "echoserver:", err)
			continue
		}
		go serve(c, *loop)
	}
}

func serve(c net.Conn, loop bool) {
	defer c.Close()
	if !loop {
		io.Copy(c, c)
		return
	}
	buf := make([]byte, 16<<10)
	for {
		n, err := c.Read(buf)
		if n > 0 {
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
