package connect

import (
	"context"
	"errors"
	"net"
	"syscall"
	"testing"

	"sockit/addr"
)

// upstreams returns n listening upstreams (accepting and holding
// closing connections at once) and one address that refuses, placed at
// index dead (-1: none).
func upstreams(t *testing.T, n, dead int) []Upstream {
	t.Helper()
	var us []Upstream
	for i := range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		if i == dead {
			ln.Close() // nothing listens there now: refused
		} else {
			t.Cleanup(func() { ln.Close() })
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					c.Close()
				}
			}()
		}
		p := ln.Addr().(*net.TCPAddr).Port
		us = append(us, Upstream{Addr: addr.Addr{Host: "127.0.0.1", Port: p}})
	}
	return us
}

// spread dials k times and counts the upstreams chosen, by port.
func spread(t *testing.T, b *Balancer, k int) map[int]int {
	t.Helper()
	got := map[int]int{}
	for range k {
		c, a, err := b.Dial(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		got[a.Port]++
	}
	return got
}

func TestBalancerRoundRobin(t *testing.T) {
	us := upstreams(t, 3, -1)
	got := spread(t, &Balancer{Upstreams: us, RoundRobin: true}, 9)
	for _, u := range us {
		if got[u.Addr.Port] != 3 {
			t.Errorf("round-robin spread %v, want 3 each", got)
		}
	}
}

func TestBalancerRoundRobinSkipsRefusing(t *testing.T) {
	us := upstreams(t, 3, 1)
	got := spread(t, &Balancer{Upstreams: us, RoundRobin: true}, 6)
	if got[us[0].Addr.Port]+got[us[2].Addr.Port] != 6 || got[us[1].Addr.Port] != 0 {
		t.Errorf("spread %v: want all on the two that accept", got)
	}
}

func TestBalancerFailover(t *testing.T) {
	us := upstreams(t, 3, 0)
	got := spread(t, &Balancer{Upstreams: us}, 4)
	if got[us[1].Addr.Port] != 4 {
		t.Errorf("failover spread %v: want all on the first that accepts", got)
	}
}

func TestBalancerAllRefuse(t *testing.T) {
	us := upstreams(t, 2, 0)
	us[1] = us[0]
	_, _, err := (&Balancer{Upstreams: us}).Dial(context.Background())
	var af *AllFailedError
	if !errors.As(err, &af) || len(af.Errs) != 2 || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("Dial: %v, want AllFailedError of two refusals", err)
	}
	_, _, err = (&Balancer{Upstreams: us[:1]}).Dial(context.Background())
	if errors.As(err, &af) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("one upstream: %v, want its refusal alone", err)
	}
}
