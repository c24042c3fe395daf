package transport

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const retrying = "transport: not connected, retrying"

// retries returns the failures and delay attributes of every retry logged
// so far.
func retries(rec *recorder) (failures []int64, delays []time.Duration) {
	for _, lr := range rec.find(retrying) {
		failures = append(failures, lr.attrs["failures"].Int64())
		delays = append(delays, lr.attrs["delay"].Duration())
	}
	return failures, delays
}

// waitRetries waits until at least n retries were logged.
func waitRetries(t *testing.T, rec *recorder, n int) {
	t.Helper()
	deadline := time.After(wait)
	for len(rec.find(retrying)) < n {
		select {
		case <-rec.notify:
		case <-deadline:
			t.Fatalf("fewer than %d retries logged", n)
		}
	}
}

// TestFlappingServerBackoff: a server that accepts the handshake and drops
// the stream at once sees attempts spaced by the growing backoff, as for
// any other failure, not a reconnect loop.
func TestFlappingServerBackoff(t *testing.T) {
	const (
		minD   = 20 * time.Millisecond
		maxD   = 200 * time.Millisecond
		window = 1500 * time.Millisecond
	)
	srv := listen(t, "127.0.0.1:0")
	srv.Flap(true)
	rec := newRecorder()
	r := start(t, srv.Addr(), func(c *Config, _ *testMachine) {
		c.BackoffMin, c.BackoffMax = minD, maxD
		c.Jitter = -1 // the schedule exactly
		c.Logger = slog.New(rec)
	})
	// Keep the machine's record of connection changes from filling up.
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for {
			select {
			case <-r.m.changes:
			case <-r.done:
				return
			}
		}
	}()
	time.Sleep(window)
	attempts := srv.Attempts()
	assert.ErrorIs(t, r.stop(t), context.Canceled)
	<-drained

	// Timers never fire early: the attempts that fit in the window are at
	// most the first one plus those whose cumulative delays fit in it
	// (11 here; resetting the backoff at every handshake made 74).
	bound, sum := 1, time.Duration(0)
	for n := 1; ; n++ {
		if sum += backoff(n, minD, maxD, 0, 0); sum > window {
			break
		}
		bound++
	}
	t.Logf("%d attempts in %v (schedule bound %d)", attempts, window, bound)
	assert.LessOrEqual(t, attempts, bound)
	assert.GreaterOrEqual(t, attempts, 3, "the component keeps trying")
	assert.Equal(t, attempts, srv.Handshakes(), "every attempt got through the handshake")

	// Each lost stream counted as one more failure.
	failures, delays := retries(rec)
	require.NotEmpty(t, failures)
	for i, f := range failures {
		assert.Equal(t, int64(i+1), f, "retry %d", i)
		assert.Equal(t, backoff(i+1, minD, maxD, 0, 0), delays[i], "retry %d", i)
	}
}

// TestStableStreamResetsBackoff: once a stream has stayed up for
// StableAfter, its loss starts the backoff again from BackoffMin.
func TestStableStreamResetsBackoff(t *testing.T) {
	const stable = 200 * time.Millisecond
	srv := listen(t, "127.0.0.1:0")
	srv.Flap(true)
	rec := newRecorder()
	start(t, srv.Addr(), func(c *Config, _ *testMachine) {
		c.BackoffMin, c.BackoffMax = 10*time.Millisecond, time.Second
		c.StableAfter = stable
		c.Jitter = -1
		c.Logger = slog.New(rec)
	})
	waitRetries(t, rec, 3)
	srv.Flap(false)
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	failures, _ := retries(rec)
	grown := failures[len(failures)-1]
	assert.GreaterOrEqual(t, grown, int64(3))

	time.Sleep(stable + stable/2) // the stream outlives StableAfter
	require.NoError(t, conn.Close())
	waitRetries(t, rec, len(failures)+1)
	failures, delays := retries(rec)
	assert.Equal(t, int64(1), failures[len(failures)-1], "backoff reset after a stable stream")
	assert.Equal(t, 10*time.Millisecond, delays[len(delays)-1])
	conn, err = srv.Accept(wait)
	require.NoError(t, err)
	roundTrip(t, conn, "back")
}
