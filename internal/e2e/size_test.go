package e2e

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/examples/node/mucnode"
	"github.com/xmppfmuc/fmuc/internal/servers"
	"github.com/xmppfmuc/fmuc/stanza"
)

// TestLargeStanzas: a participant sends a 100 KB subject, a 100 KB
// message and a 300 KB message through Prosody (its c2s limit raised to
// 1 MiB so that all reach the node) to a node with its default stream
// limits (the rooms' body limit raised to 300,000 characters). The
// subject is refused by the room's subject limit (not-acceptable), the
// 100 KB message reaches the other occupant, the 300 KB one is refused by
// the stanza limit (policy-violation); the node keeps its one stream to
// the server and the room goes on serving.
func TestLargeStanzas(t *testing.T) {
	srv := servers.StartProsody(t, servers.ProsodyOptions{
		Accounts:    testAccounts(),
		ExtraGlobal: "c2s_stanza_size_limit = 1024*1024",
	})
	h := attach(t, srv, func(c *mucnode.Config) { c.Abuse.MaxBody = 300_000 })
	alice, bob := h.client("alice"), h.client("bob")
	room := h.room("large")
	createInstant(t, alice, room, "Alice")
	mustJoin(t, bob, room, "Bob", "")

	bigMessage := func(id, child string, size int) stanza.Stanza {
		return &stanza.Message{
			Header: stanza.Header{To: room, ID: id, Type: stanza.MessageGroupchat},
			Children: []stanza.Element{{Name: xml.Name{Local: child},
				XML: []byte("<" + child + ">" + strings.Repeat("s", size) + "</" + child + ">")}},
		}
	}
	require.NoError(t, alice.Send(bigMessage("subj", "subject", 100_000)))
	st := expect(t, alice, "the refusal of the 100 KB subject", xmppclientByID("subj"))
	require.Equal(t, stanza.MessageError, st.Head().Type, "%.300s", stanza.Encode(st))
	assert.Equal(t, stanza.NotAcceptable, errCondition(st))

	body := strings.Repeat("s", 100_000)
	require.NoError(t, alice.Send(bigMessage("big", "body", len(body))))
	for _, c := range []*client{alice, bob} {
		st := expect(t, c, "the 100 KB message", groupchat(room, body))
		assert.Equal(t, occupant(room, "Alice"), st.Head().From)
	}

	require.NoError(t, alice.Send(bigMessage("huge", "body", 300_000)))
	st = expect(t, alice, "the refusal of the 300 KB message", xmppclientByID("huge"))
	require.Equal(t, stanza.MessageError, st.Head().Type, "%.300s", stanza.Encode(st))
	assert.Equal(t, stanza.PolicyViolation, errCondition(st))

	send(t, bob, `<message to='`+room.String()+`' type='groupchat' id='after'><body>still here</body></message>`)
	for _, c := range []*client{alice, bob} {
		expect(t, c, "a message after the large ones", groupchat(room, "still here"))
	}
	s := h.node.Stats()
	assert.Zero(t, s.Reconnects, "the node kept its stream")
	assert.Equal(t, uint64(1), s.DecodeErrors, "one stanza refused")
	assert.Zero(t, s.Oversize)
	assert.NotContains(t, h.logs.String(), "connection lost")
}
