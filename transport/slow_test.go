package transport

import (
	"context"
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

const floodSize = 1000

// flood makes the Machine emit floodSize 32 KiB messages as soon as the
// stream is up: far more than loopback socket buffers hold.
func flood(c *Config, m *testMachine) {
	c.OutboundQueue = 8
	c.WriteTimeout = time.Minute
	body := stanza.TextElement("body", strings.Repeat("z", 32<<10))
	m.onUp = func() []stanza.Stanza {
		out := make([]stanza.Stanza, floodSize)
		for i := range out {
			out[i] = &stanza.Message{
				Header: stanza.Header{
					From: stanza.MustParse("room@rooms.example"),
					To:   stanza.MustParse("juliet@example.org"),
				},
				Children: []stanza.Element{body},
			}
		}
		return out
	}
}

func TestSlowServerOverflow(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	srv.Stall(true)
	r := start(t, srv.Addr(), flood)
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	// Drop-newest: the queue filled and the rest of the burst was dropped
	// without blocking the driver.
	eventually(t, func() bool { return r.c.Stats().Dropped > 0 }, "drops")

	// The driver still serves inbound traffic while the writer is stuck.
	require.NoError(t, conn.Send(message("juliet@example.org/b", "room@rooms.example", "late", "late")))
	select {
	case in := <-r.m.handled:
		assert.Equal(t, "late", in.Head().ID)
	case <-time.After(wait):
		t.Fatal("driver blocked by a slow server")
	}

	// Once the server reads again, everything that was queued arrives.
	conn.Resume()
	received := 0
	eventually(t, func() bool {
		if _, err := conn.NextStanza(time.Millisecond); err == nil {
			received++
		}
		st := r.c.Stats()
		return st.Out+st.Dropped == floodSize+1 && uint64(received) == st.Out
	}, "queued stanzas delivered")
	st := r.c.Stats()
	assert.Less(t, st.Out, uint64(floodSize), "the overflow policy dropped some")
	assert.Equal(t, uint64(1), st.In)
	assert.Zero(t, st.Reconnects)
}

func TestCancelMidWrite(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	srv.Stall(true)
	r := start(t, srv.Addr(), flood)
	_, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	eventually(t, func() bool { return r.c.Stats().Dropped > 0 }, "writer blocked")
	// The writer is blocked in a write the server never reads; cancel must
	// still end Run (bounded by CloseTimeout) and every goroutine.
	assert.ErrorIs(t, r.stop(t), context.Canceled)
	expectChange(t, r.m, false)
}

func TestWriteTimeoutIsConnectionLoss(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	srv.Stall(true)
	r := start(t, srv.Addr(), func(c *Config, m *testMachine) {
		flood(c, m)
		c.WriteTimeout = 100 * time.Millisecond
		burst := m.onUp
		m.onUp = func() []stanza.Stanza { // only on the first connection
			m.onUp = nil
			return burst()
		}
	})
	_, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	// The stalled server reads nothing: the blocked write times out.
	expectChange(t, r.m, false)
	srv.Stall(false)
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	roundTrip(t, conn, "w1")
	assert.Equal(t, uint64(1), r.c.Stats().Reconnects)
}
