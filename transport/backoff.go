package transport

import "time"

// backoff returns the delay before reconnect attempt n (n >= 1 counts the
// consecutive failures): min doubled n-1 times, capped at max, then reduced
// by up to jitter of itself with r in [0, 1).
func backoff(n int, minD, maxD time.Duration, jitter, r float64) time.Duration {
	d := minD
	for i := 1; i < n && d < maxD; i++ {
		d *= 2
	}
	d = min(d, maxD)
	if r < 0 || r >= 1 {
		r = 0
	}
	return d - time.Duration(float64(d)*jitter*r)
}
