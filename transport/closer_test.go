package transport

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

// closingMachine says goodbye when the component stops.
type closingMachine struct {
	closed int
	up     chan struct{}
}

func (*closingMachine) Handle(time.Time, stanza.Stanza) []stanza.Stanza { return nil }
func (*closingMachine) Tick(time.Time) []stanza.Stanza                  { return nil }
func (*closingMachine) NextDeadline() time.Time                         { return time.Time{} }
func (m *closingMachine) ConnectionChanged(_ time.Time, up bool) []stanza.Stanza {
	if up {
		close(m.up)
	}
	return nil
}
func (m *closingMachine) Close(time.Time) []stanza.Stanza {
	m.closed++
	return []stanza.Stanza{&stanza.Presence{Header: stanza.Header{
		From: stanza.MustParse("room@" + testDomain + "/nick"),
		To:   stanza.MustParse("user@example/res"),
		Type: stanza.PresenceUnavailable,
	}}}
}

func TestCloserStanzasSentBeforeStreamEnd(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	m := &closingMachine{up: make(chan struct{})}
	c, err := New(testConfig(srv.Addr(), m))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	select {
	case <-m.up:
	case <-time.After(wait):
		t.Fatal("not connected")
	}
	cancel()
	st, err := conn.NextStanza(wait)
	require.NoError(t, err)
	assert.Equal(t, stanza.PresenceUnavailable, st.Head().Type)
	it, err := conn.Next(wait)
	require.NoError(t, err)
	assert.True(t, it.End, "stream end after the goodbye")
	_ = conn.CloseStream()
	select {
	case err := <-done:
		assert.True(t, errors.Is(err, context.Canceled))
	case <-time.After(wait):
		t.Fatal("Run did not return")
	}
	assert.Equal(t, 1, m.closed)
}
