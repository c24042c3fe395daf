package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

// TestRoomCreation: XEP-0045 §10.1. A new room is locked (201) until its
// owner submits the configuration form; others get item-not-found until
// then. An instant room is unlocked by an empty submit form.
func TestRoomCreation(t *testing.T) {
	h := newHarness(t)
	alice, bob := h.client("alice"), h.client("bob")

	t.Run("reserved room", func(t *testing.T) {
		room := h.room("reserved")
		r := join(t, alice, room, "Alice", "")
		assert.ElementsMatch(t, []int{110, 201}, statuses(t, r.self))
		it := item(t, r.self)
		assert.Equal(t, stanza.AffiliationOwner, it.Affiliation)
		assert.Equal(t, stanza.RoleModerator, it.Role)

		// §10.1.1: locked, so others cannot enter yet.
		b := join(t, bob, room, "Bob", "")
		assert.Equal(t, stanza.PresenceError, b.self.Head().Type)
		assert.Equal(t, stanza.ItemNotFound, errCondition(b.self))

		// §10.1.3: the owner asks for the form...
		form := iq(t, alice, stanza.IQGet, room, "cfg1", `<query xmlns='http://jabber.org/protocol/muc#owner'/>`)
		requireResult(t, form)
		var q stanza.MUCOwner
		found, err := stanza.Find(form, "http://jabber.org/protocol/muc#owner", "query", &q)
		require.NoError(t, err)
		require.True(t, found)
		require.NotNil(t, q.Form)
		assert.Equal(t, "form", q.Form.Type)
		assert.Equal(t, "http://jabber.org/protocol/muc#roomconfig", q.Form.FormType())
		for _, f := range []string{"muc#roomconfig_roomname", "muc#roomconfig_persistentroom", "muc#roomconfig_publicroom",
			"muc#roomconfig_membersonly", "muc#roomconfig_moderatedroom", "muc#roomconfig_passwordprotectedroom",
			"muc#roomconfig_roomsecret", "muc#roomconfig_maxusers", "muc#roomconfig_whois"} {
			_, ok := q.Form.Field(f)
			assert.True(t, ok, "field %s in the form", f)
		}
		// ...and submits it: the room is unlocked.
		requireResult(t, configure(t, alice, room, "cfg2", map[string]string{"muc#roomconfig_roomname": "Reserved"}))
		mustJoin(t, bob, room, "Bob", "")

		info := getDiscoInfo(t, bob, room, "info1")
		require.NotEmpty(t, info.Identities)
		assert.Equal(t, "conference", info.Identities[0].Category)
		assert.Equal(t, "Reserved", info.Identities[0].Name, "the submitted room name")
	})

	t.Run("instant room", func(t *testing.T) {
		room := h.room("instant")
		createInstant(t, alice, room, "Alice")
		mustJoin(t, bob, room, "Bob", "")
	})
}
