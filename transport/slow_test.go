package transport

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

// silentListener accepts TCP connections and never says anything; it
// returns its address and the number of connections accepted so far.
func silentListener(t *testing.T) (string, func() int) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	accepted := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(conns)
	}
	return ln.Addr().String(), accepted
}

const (
	floodSize = 300
	floodBody = 32 << 10
)

// flood makes the Machine emit floodSize numbered 32 KiB messages (ids
// f0, f1, ...) as soon as the first stream is up: far more than loopback
// socket buffers and the outbound queue hold, so a server that does not
// read makes the driver wait for room. Later streams get no flood.
func flood(c *Config, m *testMachine) {
	c.OutboundQueue = 8
	c.WriteTimeout = time.Minute
	c.OverflowTimeout = time.Minute
	body := stanza.TextElement("body", strings.Repeat("z", floodBody))
	m.onUp = func() []stanza.Stanza {
		m.mu.Lock()
		m.onUp = nil
		m.mu.Unlock()
		out := make([]stanza.Stanza, floodSize)
		for i := range out {
			out[i] = &stanza.Message{
				Header: stanza.Header{
					From: stanza.MustParse("room@rooms.example"),
					To:   stanza.MustParse("juliet@example.org"),
					ID:   fmt.Sprintf("f%d", i),
				},
				Children: []stanza.Element{body},
			}
		}
		return out
	}
}

// blocked waits until the driver waits for room in the outbound queue.
func blocked(t *testing.T, c *Component) {
	t.Helper()
	eventually(t, func() bool { return c.Stats().BackPressure > 0 }, "driver waiting for room")
}

// accounted checks that, once Run returned, every stanza was either written
// or counted as dropped, exactly once.
func accounted(t *testing.T, st Stats, produced uint64) {
	t.Helper()
	assert.Equal(t, produced, st.Out+st.Dropped, "Out %d + Dropped %d", st.Out, st.Dropped)
}

func TestSlowServerBackPressure(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	srv.Stall(true)
	r := start(t, srv.Addr(), flood)
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	blocked(t, r.c)

	// While the driver waits, it takes no input: a stanza from the server
	// stays unread (in the reader, then in the socket) instead of piling up.
	require.NoError(t, conn.Send(message("juliet@example.org/b", "room@rooms.example", "late", "late")))
	select {
	case in := <-r.m.handled:
		t.Fatalf("Handle(%s) while the driver waits for room", in.Head().ID)
	case <-time.After(50 * time.Millisecond):
	}
	assert.Zero(t, r.c.Stats().In)

	// Once the server reads, everything arrives, in order, exactly once,
	// and then the answer to the stanza that waited.
	conn.Resume()
	for i := range floodSize {
		st, err := conn.NextStanza(wait)
		require.NoError(t, err, "stanza %d", i)
		require.Equal(t, fmt.Sprintf("f%d", i), st.Head().ID)
	}
	st, err := conn.NextStanza(wait)
	require.NoError(t, err)
	assert.Equal(t, "late", st.Head().ID)

	assert.ErrorIs(t, r.stop(t), context.Canceled)
	stats := r.c.Stats()
	assert.Zero(t, stats.Dropped)
	assert.Equal(t, uint64(floodSize+1), stats.Out)
	assert.Equal(t, uint64(1), stats.In)
	assert.Zero(t, stats.Reconnects)
	assert.Positive(t, stats.BackPressure)
}

func TestStuckServerIsConnectionLoss(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	srv.Stall(true)
	r := start(t, srv.Addr(), func(c *Config, m *testMachine) {
		flood(c, m)
		c.OverflowTimeout = 100 * time.Millisecond
	})
	_, err := srv.Accept(wait)
	require.NoError(t, err)
	srv.Stall(false) // for the next connection only
	expectChange(t, r.m, true)
	// The server reads nothing: the queue stays full past OverflowTimeout
	// (the writes themselves would take a minute to time out).
	expectChange(t, r.m, false)
	assert.Positive(t, r.c.Stats().Dropped)
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	roundTrip(t, conn, "s1")

	assert.ErrorIs(t, r.stop(t), context.Canceled)
	st := r.c.Stats()
	assert.Equal(t, uint64(1), st.Reconnects)
	assert.Positive(t, st.Dropped)
	accounted(t, st, floodSize+1)
}

func TestWriteTimeoutIsConnectionLoss(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	srv.Stall(true)
	r := start(t, srv.Addr(), func(c *Config, m *testMachine) {
		flood(c, m)
		c.WriteTimeout = 100 * time.Millisecond
	})
	_, err := srv.Accept(wait)
	require.NoError(t, err)
	srv.Stall(false) // for the next connection only
	expectChange(t, r.m, true)
	// The stalled server reads nothing: the blocked write times out while
	// the driver waits for room, and the writer's report reaches it.
	expectChange(t, r.m, false)
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	roundTrip(t, conn, "w1")

	assert.ErrorIs(t, r.stop(t), context.Canceled)
	st := r.c.Stats()
	assert.Equal(t, uint64(1), st.Reconnects)
	assert.Positive(t, st.Dropped)
	accounted(t, st, floodSize+1)
}

func TestCancelMidWrite(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	srv.Stall(true)
	r := start(t, srv.Addr(), func(c *Config, m *testMachine) {
		flood(c, m)
		c.OutboundQueue = 2 * floodSize // the driver never waits
	})
	_, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	eventually(t, func() bool { return r.c.Stats().Out > 0 }, "writing")
	// The writer is (soon) blocked in a write the server never reads;
	// cancel must still end Run (bounded by CloseTimeout) and every
	// goroutine.
	assert.ErrorIs(t, r.stop(t), context.Canceled)
	expectChange(t, r.m, false)
	st := r.c.Stats()
	assert.Zero(t, st.BackPressure)
	accounted(t, st, floodSize)
}

func TestCancelWhileWaitingForRoom(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	srv.Stall(true)
	r := start(t, srv.Addr(), flood)
	_, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	blocked(t, r.c)
	// The driver waits for room (for up to a minute) and the writer is
	// blocked in a write: cancel ends Run within CloseTimeout.
	assert.ErrorIs(t, r.stop(t), context.Canceled)
	expectChange(t, r.m, false)
	st := r.c.Stats()
	assert.Positive(t, st.Dropped)
	assert.Zero(t, st.Reconnects)
	accounted(t, st, floodSize)
}

func TestCancelWhileWaitingFlushesWhatFitsBeforeTheDeadline(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	srv.Stall(true)
	r := start(t, srv.Addr(), func(c *Config, m *testMachine) {
		flood(c, m)
		c.CloseTimeout = time.Minute
	})
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	blocked(t, r.c)
	// Cancelled while waiting for room: what was still waiting is sent
	// during the clean close, as long as the server reads before the
	// closing deadline.
	r.cancel()
	conn.Resume()
	for i := range floodSize {
		st, err := conn.NextStanza(wait)
		require.NoError(t, err, "stanza %d", i)
		require.Equal(t, fmt.Sprintf("f%d", i), st.Head().ID)
	}
	it, err := conn.Next(wait)
	require.NoError(t, err)
	assert.True(t, it.End, "expected </stream:stream>, got %+v", it)
	assert.ErrorIs(t, r.result(t), context.Canceled)
	expectChange(t, r.m, false)
	st := r.c.Stats()
	assert.Zero(t, st.Dropped)
	assert.Equal(t, uint64(floodSize), st.Out)
}

// TestOutboundQueueBytesBound: with large stanzas, the byte bound of the
// outbound queue applies the same back-pressure as the stanza bound: the
// bytes held never exceed OutboundQueueBytes, and nothing is lost once the
// server reads again.
func TestOutboundQueueBytesBound(t *testing.T) {
	const limit = 256 << 10 // eight flood stanzas
	srv := listen(t, "127.0.0.1:0")
	srv.Stall(true)
	r := start(t, srv.Addr(), func(c *Config, m *testMachine) {
		flood(c, m)
		c.OutboundQueue = 2 * floodSize // never the bound that applies
		c.MaxOutboundSize = 64 << 10
		c.OutboundQueueBytes = limit
	})
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	// Once the socket buffers are full, the queue fills up to its bound,
	// within one stanza.
	full := int64(limit - floodBody - 1024)
	eventually(t, func() bool { return r.c.Stats().QueuedBytes > full }, "queue full in bytes")
	blocked(t, r.c)
	assert.LessOrEqual(t, r.c.Stats().QueuedBytes, int64(limit))

	conn.Resume()
	for i := range floodSize {
		st, err := conn.NextStanza(wait)
		require.NoError(t, err, "stanza %d", i)
		require.Equal(t, fmt.Sprintf("f%d", i), st.Head().ID)
	}
	assert.ErrorIs(t, r.stop(t), context.Canceled)
	st := r.c.Stats()
	assert.Zero(t, st.Dropped)
	assert.Equal(t, uint64(floodSize), st.Out)
	assert.Positive(t, st.BackPressure)
	assert.LessOrEqual(t, st.PeakQueuedBytes, int64(limit), "the bound held throughout")
	assert.Zero(t, st.QueuedBytes, "every byte given back")
}
