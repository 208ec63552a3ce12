package pipe

import (
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// The copy paths of a Conn, each against the same copy with the kernel's
// zero-copy hidden (io.Copy through plain Read and Write calls), so that
// the gap shows the fast path is reached:
//
//	go test -run - -bench . -benchtime 20x ./pipe/
//
// On loopback the zero-copy paths are often no faster than the copies (a
// core's memcpy keeps up with the other side), but they cost the process
// less CPU: cpu-ms/GiB is the user and system time of the whole test
// process (sender and receiver) per GiB moved. Throughput depends on the
// machine and its load: these are for comparison and profiling
// (-cpuprofile), never for assertions.

const benchChunk = 16 << 20 // bytes per iteration

// drain copies c to /dev/null (splice, so the sink costs little) until
// EOF in the background; the channel gets the count.
func drain(b *testing.B, c net.Conn) <-chan int64 {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan int64, 1)
	go func() {
		defer null.Close()
		n, _ := io.Copy(null, c)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.CloseWrite() // ends a Join on the other side
		}
		done <- n
	}()
	return done
}

// BenchmarkFileToConn: io.Copy(conn, file), sendfile(2) through the
// wrapper's ReadFrom.
func BenchmarkFileToConn(b *testing.B) {
	for _, pc := range []struct {
		name string
		pair func(testing.TB) (net.Conn, net.Conn)
	}{{"tcp", tcpPair}, {"unix", unixPair}} {
		for _, zero := range []bool{true, false} {
			b.Run(pc.name+"/"+mode(zero), func(b *testing.B) {
				a, peer := pc.pair(b)
				f, _ := randomFile(b, benchChunk)
				c, err := Wrap(a, Options{})
				if err != nil {
					b.Fatal(err)
				}
				done := drain(b, peer)
				b.SetBytes(benchChunk)
				cpu := cpuTime()
				b.ResetTimer()
				for b.Loop() {
					if _, err := f.Seek(0, io.SeekStart); err != nil {
						b.Fatal(err)
					}
					var err error
					if zero {
						_, err = io.Copy(c, f)
					} else {
						_, err = io.Copy(writerOnly{c}, readerOnly{f})
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				c.CloseWrite()
				n := <-done
				b.StopTimer()
				reportCPU(b, cpu, n)
				if c.BytesOut() != n {
					b.Errorf("BytesOut = %d, peer got %d", c.BytesOut(), n)
				}
				c.Close()
				peer.Close()
			})
		}
	}
}

// BenchmarkConnToConn: a relay, io.Copy(out, in) between two wrapped
// TCP connections: splice(2) from socket to socket.
func BenchmarkConnToConn(b *testing.B) {
	for _, zero := range []bool{true, false} {
		b.Run("tcp/"+mode(zero), func(b *testing.B) {
			client, in := tcpPair(b)
			out, server := tcpPair(b)
			win, err := Wrap(in, Options{})
			if err != nil {
				b.Fatal(err)
			}
			wout, err := Wrap(out, Options{})
			if err != nil {
				b.Fatal(err)
			}
			f, _ := randomFile(b, benchChunk)
			relayed := make(chan error, 1)
			go func() {
				var err error
				if zero {
					_, err = io.Copy(wout, win)
				} else {
					_, err = io.Copy(writerOnly{wout}, readerOnly{win})
				}
				wout.CloseWrite()
				relayed <- err
			}()
			done := drain(b, server)
			b.SetBytes(benchChunk)
			cpu := cpuTime()
			b.ResetTimer()
			sendEach(b, client, f)
			client.(*net.TCPConn).CloseWrite()
			if err := <-relayed; err != nil {
				b.Fatal(err)
			}
			n := <-done
			b.StopTimer()
			reportCPU(b, cpu, n)
			if win.BytesIn() != n || wout.BytesOut() != n {
				b.Errorf("counters in %d out %d, server got %d", win.BytesIn(), wout.BytesOut(), n)
			}
			for _, c := range []io.Closer{client, win, wout, server} {
				c.Close()
			}
		})
	}
}

// BenchmarkPipeToConn: a shell pipe into a connection (cat file |
// sockit connect), through Join: the wrapper splices from the pipe,
// which Go's io.Copy does not.
func BenchmarkPipeToConn(b *testing.B) {
	for _, zero := range []bool{true, false} {
		b.Run("tcp/"+mode(zero), func(b *testing.B) {
			a, peer := tcpPair(b)
			o := Options{}
			if !zero {
				o.Tap = func(int64, Direction, []byte) {} // a tap forces user-space copies
			}
			c, err := Wrap(a, o)
			if err != nil {
				b.Fatal(err)
			}
			r, w, err := os.Pipe()
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			buf := make([]byte, 64<<10)
			n := b.N
			go func() {
				for range n * (benchChunk / len(buf)) {
					if _, err := w.Write(buf); err != nil {
						break
					}
				}
				w.Close()
			}()
			done := drain(b, peer)
			b.SetBytes(benchChunk)
			cpu := cpuTime()
			b.ResetTimer()
			if err := Join(b.Context(), c, r, io.Discard, JoinOptions{}); err != nil {
				b.Fatal(err)
			}
			got := <-done
			b.StopTimer()
			reportCPU(b, cpu, got)
			if got != int64(n)*benchChunk || c.BytesOut() != got {
				b.Errorf("peer got %d, BytesOut %d; want %d", got, c.BytesOut(), int64(n)*benchChunk)
			}
			peer.Close()
		})
	}
}

// cpuTime is the process's user plus system time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time since start per GiB of n bytes moved.
func reportCPU(b *testing.B, start time.Duration, n int64) {
	if n > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/(float64(n)/(1<<30)), "cpu-ms/GiB")
	}
}

func mode(zero bool) string {
	if zero {
		return "zero-copy"
	}
	return "user-space"
}

// BenchmarkEcho: the echo server's loop, Conn.Echo (a pooled buffer,
// read and write) against io.Copy(c, c) (splice(2) through a pipe held
// for the connection's life), for 64-byte round trips on one connection
// (ns/op is one round trip) and for a stream echoed while it is sent.
func BenchmarkEcho(b *testing.B) {
	for _, loop := range []bool{true, false} {
		name := "echo"
		if !loop {
			name = "splice"
		}
		echo := func(c *Conn) {
			if loop {
				c.Echo()
			} else {
				io.Copy(c, c)
			}
			c.CloseWrite()
		}
		b.Run("rtt64/"+name, func(b *testing.B) {
			client, server := tcpPair(b)
			c, err := Wrap(server, Options{})
			if err != nil {
				b.Fatal(err)
			}
			done := make(chan struct{})
			go func() { echo(c); close(done) }()
			out, in := make([]byte, 64), make([]byte, 64)
			for b.Loop() {
				if _, err := client.Write(out); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(client, in); err != nil {
					b.Fatal(err)
				}
			}
			client.(*net.TCPConn).CloseWrite()
			<-done
			c.Close()
		})
		b.Run("stream/"+name, func(b *testing.B) {
			client, server := tcpPair(b)
			c, err := Wrap(server, Options{})
			if err != nil {
				b.Fatal(err)
			}
			go echo(c)
			done := drain(b, client)
			f, _ := randomFile(b, benchChunk)
			b.SetBytes(benchChunk)
			cpu := cpuTime()
			b.ResetTimer()
			sendEach(b, client, f)
			client.(*net.TCPConn).CloseWrite()
			n := <-done
			b.StopTimer()
			reportCPU(b, cpu, n)
			c.Close()
		})
	}
}

// sendEach sends f, from its start, to w once per benchmark iteration.
func sendEach(b *testing.B, w io.Writer, f *os.File) {
	for b.Loop() {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(w, f); err != nil {
			b.Fatal(err)
		}
	}
}
