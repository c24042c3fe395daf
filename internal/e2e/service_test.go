package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

// TestService: disco#info and #items (XEP-0045 §6), self-ping (XEP-0410)
// and destroy (§10.9).
func TestService(t *testing.T) {
	h := newHarness(t)
	alice, bob := h.client("alice"), h.client("bob")
	room := h.room("lobby")
	createInstant(t, alice, room, "Alice")
	mustJoin(t, bob, room, "Bob", "")

	t.Run("disco#info of the service", func(t *testing.T) {
		info := getDiscoInfo(t, bob, h.service, "d1")
		require.NotEmpty(t, info.Identities)
		assert.Equal(t, "conference", info.Identities[0].Category, "§6.1")
		assert.Equal(t, "text", info.Identities[0].Type)
		assert.True(t, info.has("http://jabber.org/protocol/muc"))
	})

	t.Run("disco#items lists public rooms", func(t *testing.T) {
		res := iq(t, bob, stanza.IQGet, h.service, "d2", `<query xmlns='http://jabber.org/protocol/disco#items'/>`)
		requireResult(t, res)
		q, ok := stanza.Child(res, "http://jabber.org/protocol/disco#items", "query")
		require.True(t, ok)
		var items discoItems
		require.NoError(t, q.Decode(&items))
		var jids []string
		for _, it := range items.Items {
			jids = append(jids, it.JID)
		}
		assert.Contains(t, jids, room.String(), "§6.3")
	})

	t.Run("disco#info of a room", func(t *testing.T) {
		info := getDiscoInfo(t, bob, room, "d3")
		assert.True(t, info.has("http://jabber.org/protocol/muc"))
		for _, f := range []string{"muc_public", "muc_open", "muc_unmoderated", "muc_semianonymous", "muc_unsecured", "muc_temporary"} {
			assert.True(t, info.has(f), "§6.4 feature %s", f)
		}
		// A room that does not exist (§6.4).
		res := iq(t, bob, stanza.IQGet, h.room("nonexistent"), "d4", `<query xmlns='http://jabber.org/protocol/disco#info'/>`)
		assert.Equal(t, stanza.ItemNotFound, errCondition(res))
	})

	t.Run("self-ping", func(t *testing.T) {
		// XEP-0410 §3.2: a ping to one's own occupant JID is answered by
		// the room while one is joined...
		// XEP-0410 §3.2: the room answers itself (SHOULD) or forwards the
		// ping to the client, which answers; either way Bob gets a result.
		send(t, bob, `<iq type='get' id='p1' to='`+occupant(room, "Bob").String()+`'><ping xmlns='urn:xmpp:ping'/></iq>`)
		res := expect(t, bob, "ping answer", xmppclientByID("p1"))
		if res.Head().Type == stanza.IQGet {
			t.Log("the room forwarded the self-ping to the client instead of answering it")
			require.NoError(t, bob.Send(&stanza.IQ{Header: stanza.Header{ID: "p1", To: res.Head().From, Type: stanza.IQResult}}))
			res = expect(t, bob, "ping answer", xmppclientByID("p1"))
		}
		assert.Equal(t, stanza.IQResult, res.Head().Type, "%s", stanza.Encode(res))
		// ...and with not-acceptable by someone who is not (§4.2 / XEP-0045 §7.2).
		carol := h.client("carol")
		res = iq(t, carol, stanza.IQGet, occupant(room, "Bob"), "p2", `<ping xmlns='urn:xmpp:ping'/>`)
		assert.Equal(t, stanza.IQError, res.Head().Type)
		assert.Equal(t, stanza.NotAcceptable, errCondition(res), "%s", stanza.Encode(res))
	})

	t.Run("destroy", func(t *testing.T) {
		// §10.9: only the owner.
		res := iq(t, bob, stanza.IQSet, room, "x0", `<query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query>`)
		assert.Equal(t, stanza.Forbidden, errCondition(res))

		res = iq(t, alice, stanza.IQSet, room, "x1", `<query xmlns='http://jabber.org/protocol/muc#owner'><destroy jid='tea@rooms.wonderland.lit'><reason>Moving</reason></destroy></query>`)
		requireResult(t, res)
		p := expect(t, bob, "destroyed", presenceFrom(occupant(room, "Bob"), stanza.PresenceUnavailable))
		x := mucUser(t, p)
		require.NotNil(t, x)
		require.NotNil(t, x.Destroy, "§10.9: <destroy/> in the unavailable presence")
		assert.Equal(t, "Moving", x.Destroy.Reason)
		require.NotNil(t, x.Destroy.JID)
		assert.Equal(t, "tea@rooms.wonderland.lit", x.Destroy.JID.String())
		expect(t, alice, "own exit", presenceFrom(occupant(room, "Alice"), stanza.PresenceUnavailable))

		res = iq(t, bob, stanza.IQGet, room, "x2", `<query xmlns='http://jabber.org/protocol/disco#info'/>`)
		assert.Equal(t, stanza.ItemNotFound, errCondition(res), "the room is gone")
	})
}
