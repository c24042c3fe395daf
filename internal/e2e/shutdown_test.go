package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/xmppfmuc/fmuc/stanza"
)

// TestShutdown: stopping the node (SIGTERM in the command, a cancelled
// context here) tells every occupant, through Prosody, that the service is
// shutting down (XEP-0045 status 332) before the stream closes.
func TestShutdown(t *testing.T) {
	h := newHarness(t)
	alice, bob := h.client("alice"), h.client("bob")
	room := h.room("closing")
	createInstant(t, alice, room, "Alice")
	mustJoin(t, bob, room, "Bob", "")

	h.stop()
	for _, c := range []struct {
		c    *client
		nick string
	}{{alice, "Alice"}, {bob, "Bob"}} {
		p := expect(t, c.c, "shutdown presence", presenceFrom(occupant(room, c.nick), stanza.PresenceUnavailable))
		assert.Contains(t, statuses(t, p), 332, "%s", stanza.Encode(p))
		assert.Contains(t, statuses(t, p), 110)
	}
	// Prosody now answers for the absent component.
	res := iq(t, bob, stanza.IQGet, h.service, "gone", `<query xmlns='http://jabber.org/protocol/disco#info'/>`)
	assert.Equal(t, stanza.IQError, res.Head().Type)
}
