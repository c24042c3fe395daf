package mucnode

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
	"github.com/xmppfmuc/fmuc/transport"
)

// TestDefaultSizeLimits runs the node with its default stream limits (the
// rooms' body limit, -max-body, raised above them) and sends groupchat
// messages around every inbound limit: each is reflected or answered
// with policy-violation, the stream stays up, and only an element beyond
// the read budget (no server sends one) makes the node reconnect.
func TestDefaultSizeLimits(t *testing.T) {
	srv := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg, err := ParseArgs([]string{"-server", srv.Addr(), "-domain", domain, "-max-body", "2000000", "-data-dir", ""}, env(map[string]string{SecretEnv: secret}), io.Discard)
	require.NoError(t, err)
	n, err := New(cfg, nil)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	defer func() { cancel(); <-done }()
	conn, err := srv.Accept(wait)
	require.NoError(t, err)

	alice := "alice@example.org/a"
	room := "tea@" + domain
	require.NoError(t, conn.Send(fmt.Sprintf(`<presence from='%s' to='%s/Alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>`, alice, room)))
	next(t, conn, func(st stanza.Stanza) bool { return st.Kind() == stanza.KindPresence })
	require.NoError(t, conn.Send(fmt.Sprintf(`<iq from='%s' to='%s' type='set' id='cfg'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>`, alice, room)))
	next(t, conn, func(st stanza.Stanza) bool { return st.Head().ID == "cfg" })

	groupchat := func(id string, size int64) string {
		shell := fmt.Sprintf(`<message from='%s' to='%s' id='%s' type='groupchat'><body></body></message>`, alice, room, id)
		pad := size - int64(len(shell))
		require.GreaterOrEqual(t, pad, int64(0))
		return fmt.Sprintf(`<message from='%s' to='%s' id='%s' type='groupchat'><body>%s</body></message>`, alice, room, id, strings.Repeat("x", int(pad)))
	}
	const limit = transport.DefaultMaxStanzaSize
	budget := transport.ReadBudget(limit)
	steps := []struct {
		name      string
		size      int64
		reflected bool
	}{
		{"limit - 1", limit - 1, true},
		{"limit", limit, true},
		{"limit + 1", limit + 1, false},
		{"4 x limit", 4 * limit, false},
		{"read budget", budget, false},
	}
	for i, s := range steps {
		id := fmt.Sprint("m", i)
		require.NoError(t, conn.Send(groupchat(id, s.size)), s.name)
		st := next(t, conn, func(st stanza.Stanza) bool { return st.Head().ID == id })
		e, isErr := stanza.ErrorOf(st)
		if s.reflected {
			require.False(t, isErr, "%s: reflected, got %v", s.name, e)
			assert.Equal(t, stanza.MessageGroupchat, st.Head().Type, s.name)
			assert.Equal(t, room+"/Alice", st.Head().From.String(), s.name)
		} else {
			require.True(t, isErr, "%s: refused", s.name)
			assert.Equal(t, stanza.PolicyViolation, e.Condition, s.name)
		}
	}
	assert.Zero(t, n.Stats().Reconnects, "no reconnect for any stanza within the budget")
	assert.Zero(t, n.Stats().Oversize)

	require.NoError(t, conn.Send(groupchat("over", budget+1)))
	_, err = srv.Accept(wait)
	require.NoError(t, err, "the node reconnects after a framing beyond the budget")
}
