package xmppclient_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/xmppfmuc/fmuc/internal/servers"
	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/stanza"
)

func TestClientAgainstProsody(t *testing.T) {
	s := servers.StartProsody(t, servers.ProsodyOptions{
		Accounts:          servers.Accounts("user", 3, "pw"),
		AllowRegistration: true,
	})
	ignore := goleak.IgnoreCurrent()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	jid := func(u string) stanza.JID { return stanza.MustParse(u + "@" + s.Domain) }

	t.Run("login binds the requested resource", func(t *testing.T) {
		c, err := xmppclient.Dial(ctx, s.C2SAddr(), stanza.MustParse("user1@"+s.Domain+"/looking-glass"), "pw")
		require.NoError(t, err)
		defer c.Close()
		assert.Equal(t, stanza.MustParse("user1@"+s.Domain+"/looking-glass"), c.JID())
	})

	t.Run("wrong password", func(t *testing.T) {
		_, err := xmppclient.Dial(ctx, s.C2SAddr(), jid("user1"), "nope")
		assert.ErrorIs(t, err, xmppclient.ErrAuth)
	})

	t.Run("in-band registration", func(t *testing.T) {
		cfg := xmppclient.Config{Addr: s.C2SAddr(), JID: jid("newbie"), Password: "pw2", Register: true}
		c, err := xmppclient.DialConfig(ctx, cfg)
		require.NoError(t, err)
		require.NoError(t, c.Close())
		// A second registration meets the existing account and still logs in.
		c, err = xmppclient.DialConfig(ctx, cfg)
		require.NoError(t, err)
		require.NoError(t, c.Close())
	})

	t.Run("Expect keeps other stanzas in order", func(t *testing.T) {
		a, err := xmppclient.Dial(ctx, s.C2SAddr(), jid("user1"), "pw")
		require.NoError(t, err)
		defer a.Close()
		b, err := xmppclient.Dial(ctx, s.C2SAddr(), jid("user2"), "pw")
		require.NoError(t, err)
		defer b.Close()
		for _, body := range []string{"one", "two", "three"} {
			require.NoError(t, a.Send(&stanza.Message{
				Header:   stanza.Header{To: b.JID(), Type: stanza.MessageChat, ID: body},
				Children: []stanza.Element{stanza.TextElement("body", body)},
			}))
		}
		m, err := b.Expect(ctx, xmppclient.MessageWithBody("three"))
		require.NoError(t, err)
		assert.Equal(t, "three", m.Head().ID)
		assert.Equal(t, 2, b.Pending())
		for _, want := range []string{"one", "two"} {
			m, err := b.Recv(ctx)
			require.NoError(t, err)
			assert.Equal(t, want, m.Head().ID)
		}
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err = b.Recv(short)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})

	t.Run("IQ round trip keeps unknown payloads", func(t *testing.T) {
		c, err := xmppclient.Dial(ctx, s.C2SAddr(), jid("user3"), "pw")
		require.NoError(t, err)
		defer c.Close()
		ping := stanza.EmptyElement("urn:xmpp:ping", "ping")
		require.NoError(t, c.Send(&stanza.IQ{Header: stanza.Header{ID: "p1", To: stanza.MustParse(s.Domain), Type: stanza.IQGet}, Children: []stanza.Element{ping}}))
		r, err := c.Expect(ctx, xmppclient.ByID("p1"))
		require.NoError(t, err)
		assert.Equal(t, stanza.IQResult, r.Head().Type)

		unknown := stanza.EmptyElement("urn:example:nothing", "query")
		require.NoError(t, c.Send(&stanza.IQ{Header: stanza.Header{ID: "p2", To: stanza.MustParse(s.Domain), Type: stanza.IQGet}, Children: []stanza.Element{unknown}}))
		r, err = c.Expect(ctx, xmppclient.ByID("p2"))
		require.NoError(t, err)
		e, ok := stanza.ErrorOf(r)
		require.True(t, ok, "got %s", r)
		assert.Equal(t, stanza.ServiceUnavailable, e.Condition)
	})

	t.Run("malformed input ends the stream", func(t *testing.T) {
		c, err := xmppclient.Dial(ctx, s.C2SAddr(), jid("user3"), "pw")
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.SendRaw([]byte("<message><body>unclosed</message>")))
		_, err = c.Recv(ctx)
		require.Error(t, err)
		assert.ErrorIs(t, err, xmppclient.ErrStreamError)
		assert.Contains(t, err.Error(), "not-well-formed")
		assert.ErrorIs(t, c.Err(), xmppclient.ErrStreamError)
	})

	t.Run("close twice", func(t *testing.T) {
		c, err := xmppclient.Dial(ctx, s.C2SAddr(), jid("user3"), "pw")
		require.NoError(t, err)
		require.NoError(t, c.Close())
		require.NoError(t, c.Close())
		_, err = c.Recv(ctx)
		assert.ErrorIs(t, err, xmppclient.ErrClosed)
		assert.ErrorIs(t, c.Send(&stanza.Presence{}), xmppclient.ErrClosed)
	})

	goleak.VerifyNone(t, ignore)
}

// TestDialContext needs no server: a listener that accepts but never speaks
// makes the negotiation wait until the context ends.
func TestDialContext(t *testing.T) {
	defer goleak.VerifyNone(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err == nil {
			accepted <- c
		}
		close(accepted)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err = xmppclient.Dial(ctx, l.Addr().String(), stanza.MustParse("a@b.example"), "pw")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	_ = l.Close()
	for c := range accepted {
		_ = c.Close()
	}
}

func TestConfigErrors(t *testing.T) {
	_, err := xmppclient.DialConfig(context.Background(), xmppclient.Config{Addr: "127.0.0.1:1", JID: stanza.MustParse("b.example")})
	assert.ErrorIs(t, err, xmppclient.ErrConfig)
}
