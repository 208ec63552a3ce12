package connect

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"sockit/addr"
	"sockit/pipe"
)

// Upstream is one address a [Balancer] may dial, with the Dialer for it
// (each may have its own TLS handshake: the name it verifies differs).
type Upstream struct {
	Addr   addr.Addr
	Dialer Dialer
}

// Balancer chooses an upstream for each new connection and dials it.
// With several upstreams, one that fails (refused, timed out, not
// resolved, a failed handshake) is skipped and the next is tried; the
// dial fails only when every upstream failed.
type Balancer struct {
	Upstreams []Upstream
	// RoundRobin starts each dial at the upstream after the one the last
	// dial started at, so that clients spread evenly; without it every
	// dial tries the upstreams in order (failover: the first that
	// accepts).
	RoundRobin bool
	next       atomic.Uint64
}

// Dial connects to an upstream and returns the connection and the
// upstream chosen. After a failure of every upstream the error wraps
// each one's (the only one's, alone, when there is one).
func (b *Balancer) Dial(ctx context.Context) (*pipe.Conn, addr.Addr, error) {
	n := len(b.Upstreams)
	if n == 0 {
		return nil, addr.Addr{}, errors.New("no upstream to dial")
	}
	start := 0
	if b.RoundRobin {
		start = int((b.next.Add(1) - 1) % uint64(n))
	}
	var errs []error
	for i := range n {
		u := b.Upstreams[(start+i)%n]
		c, err := u.Dialer.Dial(ctx, u.Addr)
		if err == nil {
			return c, u.Addr, nil
		}
		if ctx.Err() != nil {
			return nil, u.Addr, err
		}
		if n == 1 {
			return nil, u.Addr, err
		}
		errs = append(errs, fmt.Errorf("%s: %w", u.Addr, err))
	}
	return nil, addr.Addr{}, &AllFailedError{Errs: errs}
}

// AllFailedError is a Balancer's failure to reach any of its upstreams.
type AllFailedError struct{ Errs []error }

func (e *AllFailedError) Error() string {
	s := fmt.Sprintf("no upstream accepted (%d tried)", len(e.Errs))
	for _, err := range e.Errs {
		s += "; " + err.Error()
	}
	return s
}

// Unwrap returns each upstream's error.
func (e *AllFailedError) Unwrap() []error { return e.Errs }
