// Command echoserver is the reference for scripts/bench.sh: the echo
// server a Go programmer writes in a dozen lines, one goroutine and one
// io.Copy per connection, with nothing else in the way; with -udp, the
// UDP one: a ReadFrom/WriteTo loop on one socket.
//
//	echoserver -addr-file FILE [-loop | -udp] [ADDR]
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
	udp := flag.Bool("udp", false, "echo UDP datagrams: ReadFrom, WriteTo, one goroutine")
	flag.Parse()
	addr := "127.0.0.1:0"
	if flag.NArg() > 0 {
		addr = flag.Arg(0)
	}
	if *udp {
		echoUDP(addr, *addrFile)
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatal(err)
	}
	writeAddr(*addrFile, ln.Addr())
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

// writeAddr writes a to file (if not empty) atomically.
func writeAddr(file string, a net.Addr) {
	if file == "" {
		return
	}
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(a.String()+"\n"), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.Rename(tmp, file); err != nil {
		log.Fatal(err)
	}
}

// echoUDP sends every datagram back to its sender, one at a time.
func echoUDP(addr, addrFile string) {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		log.Fatal(err)
	}
	writeAddr(addrFile, pc.LocalAddr())
	buf := make([]byte, 65536)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			continue // an ICMP error for an earlier reply
		}
		pc.WriteTo(buf[:n], from)
	}
}
