package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/examples/node/mucnode"
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

// TestRoomLocking: a client that creates a room and never submits the
// configuration form (poezio) does not lock the room for good. With the
// node's lock timeout (-lock-timeout, 5 minutes by default; shortened
// here) the room unlocks with its default configuration (XEP-0045
// §10.1.1); until then others get item-not-found (§7.2.10). With
// -instant-rooms the room is open at once, and several clients joining
// together all get in.
func TestRoomLocking(t *testing.T) {
	t.Run("lock timeout", func(t *testing.T) {
		lock := mucnode.Duration(2 * time.Second)
		h := newHarness(t, func(c *mucnode.Config) { c.LockTimeout = &lock })
		alice, bob := h.client("alice"), h.client("bob")
		room := h.room("unconfigured")
		r := join(t, alice, room, "Alice", "")
		assert.ElementsMatch(t, []int{110, 201}, statuses(t, r.self))
		b := join(t, bob, room, "Bob", "")
		assert.Equal(t, stanza.ItemNotFound, errCondition(b.self), "locked: %s", stanza.Encode(b.self))
		// Alice never configures; after the timeout Bob gets in.
		time.Sleep(time.Duration(lock) + 500*time.Millisecond)
		mustJoin(t, bob, room, "Bob", "")
		expect(t, alice, "Bob's presence", presenceFrom(occupant(room, "Bob"), ""))
	})

	t.Run("instant rooms", func(t *testing.T) {
		h := newHarness(t, func(c *mucnode.Config) { c.InstantRooms = true })
		alice, bob, carol, dave := h.client("alice"), h.client("bob"), h.client("carol"), h.client("dave")
		room := h.room("together")
		// All four at once: the creator's join and the others' race to
		// the node; whoever comes first creates the room and gets 201,
		// nobody is refused and nobody configures anything.
		clients := []*client{alice, bob, carol, dave}
		for i, c := range clients {
			send(t, c, fmt.Sprintf(`<presence to='%s'><x xmlns='http://jabber.org/protocol/muc'/></presence>`, occupant(room, users[i])))
		}
		created := 0
		for i, c := range clients {
			self := expect(t, c, "self-presence of "+users[i], func(s stanza.Stanza) bool {
				return s.Kind() == stanza.KindPresence && s.Head().From == occupant(room, users[i])
			})
			require.NotEqual(t, stanza.PresenceError, self.Head().Type, "%s: %s", users[i], stanza.Encode(self))
			codes := statuses(t, self)
			assert.Contains(t, codes, 110)
			if slices.Contains(codes, 201) {
				created++
			}
		}
		assert.Equal(t, 1, created, "one creator")
		// The room works without configuration.
		send(t, carol, fmt.Sprintf(`<message to='%s' type='groupchat' id='g1'><body>no form needed</body></message>`, room))
		for _, c := range clients {
			expect(t, c, "groupchat", groupchat(room, "no form needed"))
		}
	})
}
