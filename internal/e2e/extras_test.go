package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

// TestInvitationAndIQForwarding: a mediated invitation (XEP-0045 §7.8.2)
// and IQs to an occupant JID (§7.5): forwarded to the occupant's client,
// or for a vCard to the occupant's account, answered by its server.
func TestInvitationAndIQForwarding(t *testing.T) {
	h := newHarness(t)
	alice, bob, carol := h.client("alice"), h.client("bob"), h.client("carol")
	room := h.room("salon")
	createInstant(t, alice, room, "Alice")
	mustJoin(t, bob, room, "Bob", "")

	t.Run("mediated invitation", func(t *testing.T) {
		send(t, alice, `<message to='`+room.String()+`' id='inv1'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='`+carol.JID().Bare().String()+`'><reason>Join us</reason></invite></x></message>`)
		m := expect(t, carol, "invitation", func(s stanza.Stanza) bool {
			return s.Kind() == stanza.KindMessage && s.Head().From == room
		})
		x := mucUser(t, m)
		require.NotNil(t, x)
		require.Len(t, x.Invites, 1, "%s", stanza.Encode(m))
		inv := x.Invites[0]
		require.NotNil(t, inv.From)
		assert.Equal(t, alice.JID().Bare(), inv.From.Bare(), "§7.8.2: from the inviter")
		assert.Equal(t, "Join us", inv.Reason)
		mustJoin(t, carol, room, "Carol", "")
	})

	t.Run("IQ to an occupant", func(t *testing.T) {
		send(t, bob, `<iq type='get' id='vc1' to='`+occupant(room, "Alice").String()+`'><query xmlns='jabber:iq:version'/></iq>`)
		fwd := expect(t, alice, "forwarded IQ", func(s stanza.Stanza) bool {
			return s.Kind() == stanza.KindIQ && s.Head().Type == stanza.IQGet && s.Head().From == occupant(room, "Bob")
		})
		_, ok := stanza.Child(fwd, "jabber:iq:version", "query")
		assert.True(t, ok, "payload forwarded")
		require.NoError(t, alice.Send(&stanza.IQ{
			Header:   stanza.Header{ID: fwd.Head().ID, To: fwd.Head().From, Type: stanza.IQResult},
			Children: []stanza.Element{stanza.EmptyElement("jabber:iq:version", "query")},
		}))
		res := expect(t, bob, "answer", xmppclientByID("vc1"))
		assert.Equal(t, stanza.IQResult, res.Head().Type, "%s", stanza.Encode(res))
		assert.Equal(t, occupant(room, "Alice"), res.Head().From)
	})

	t.Run("vCard of an occupant", func(t *testing.T) {
		// Answered by Alice's server for her account (XEP-0054), through
		// the room: the answer comes from her occupant JID.
		send(t, bob, `<iq type='get' id='vc2' to='`+occupant(room, "Alice").String()+`'><vCard xmlns='vcard-temp'/></iq>`)
		res := expect(t, bob, "vCard answer", xmppclientByID("vc2"))
		assert.Equal(t, occupant(room, "Alice"), res.Head().From)
		assert.Contains(t, []string{stanza.IQResult, stanza.IQError}, res.Head().Type, "answered")
		t.Logf("vCard answer: %s %q", res.Head().Type, errCondition(res))
	})
}
