package linkproxy

import (
	"context"
	"time"
)

// Total is the bytes delivered so far through all of ps, both directions.
func Total(ps ...*Proxy) int64 {
	var n int64
	for _, p := range ps {
		n += p.Counters().Total()
	}
	return n
}

// Settle waits until no byte has crossed any of ps for quiet, or until
// within has passed or ctx is done, and returns Total then; ok reports
// whether the link did go quiet.
func Settle(ctx context.Context, quiet, within time.Duration, ps ...*Proxy) (total int64, ok bool) {
	deadline := time.Now().Add(within)
	last, since := Total(ps...), time.Now()
	for time.Since(since) < quiet {
		if time.Now().After(deadline) {
			return last, false
		}
		select {
		case <-time.After(quiet / 5):
		case <-ctx.Done():
			return last, false
		}
		if n := Total(ps...); n != last {
			last, since = n, time.Now()
		}
	}
	return last, true
}
