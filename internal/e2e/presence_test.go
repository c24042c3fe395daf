package e2e

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

// TestPresenceProbe: XEP-0045 §17.3 (a service MAY answer probes): an
// occupant probing an occupant JID gets that occupant's current presence
// as it would see it in a broadcast; a non-occupant gets an error.
func TestPresenceProbe(t *testing.T) {
	h := newHarness(t)
	alice, bob, carol := h.client("alice"), h.client("bob"), h.client("carol")
	room := h.room("probes")
	createInstant(t, alice, room, "Alice")
	mustJoin(t, bob, room, "Bob", "")
	aliceOcc := occupant(room, "Alice")
	send(t, alice, fmt.Sprintf(`<presence to='%s'><show>away</show><status>tea</status></presence>`, aliceOcc))
	expect(t, bob, "Alice away", presenceFrom(aliceOcc, ""))

	send(t, bob, fmt.Sprintf(`<presence to='%s' type='probe' id='pr1'/>`, aliceOcc))
	p := expect(t, bob, "probe answer", func(s stanza.Stanza) bool {
		return s.Kind() == stanza.KindPresence && s.Head().From == aliceOcc && s.Head().ID == "pr1"
	}).(*stanza.Presence)
	assert.Equal(t, "", p.Type)
	assert.Equal(t, "away", p.Show())
	it := item(t, p)
	assert.Equal(t, stanza.AffiliationOwner, it.Affiliation)
	assert.Equal(t, stanza.RoleModerator, it.Role)
	assert.Nil(t, it.JID, "semi-anonymous room: no real JID for a participant")

	// Nobody under that nick: unavailable.
	send(t, bob, fmt.Sprintf(`<presence to='%s' type='probe' id='pr2'/>`, occupant(room, "Nobody")))
	p = expect(t, bob, "probe answer", xmppclientByID("pr2")).(*stanza.Presence)
	assert.Equal(t, stanza.PresenceUnavailable, p.Type)

	// Carol is not in the room.
	send(t, carol, fmt.Sprintf(`<presence to='%s' type='probe' id='pr3'/>`, aliceOcc))
	e := expect(t, carol, "probe refused", xmppclientByID("pr3"))
	assert.Equal(t, stanza.PresenceError, e.Head().Type)
	assert.Equal(t, stanza.NotAcceptable, errCondition(e))
}

// TestLeaveAndFail: an occupant's unavailable presence to the bare room JID
// is an exit (XEP-0045 §7.14) with its status text; a presence error from
// an occupant's real JID removes it with 333 and the error in the status
// ("Service removes user because of error response").
func TestLeaveAndFail(t *testing.T) {
	h := newHarness(t)
	alice, bob, carol := h.client("alice"), h.client("bob"), h.client("carol")
	room := h.room("leaving")
	createInstant(t, alice, room, "Alice")
	mustJoin(t, bob, room, "Bob", "")
	mustJoin(t, carol, room, "Carol", "")
	bobOcc, carolOcc := occupant(room, "Bob"), occupant(room, "Carol")

	send(t, bob, fmt.Sprintf(`<presence to='%s' type='unavailable'><status>off to bed</status></presence>`, room))
	self := expect(t, bob, "own exit", presenceFrom(bobOcc, stanza.PresenceUnavailable)).(*stanza.Presence)
	assert.Contains(t, statuses(t, self), 110)
	p := expect(t, alice, "Bob leaves", presenceFrom(bobOcc, stanza.PresenceUnavailable)).(*stanza.Presence)
	assert.Equal(t, "off to bed", p.Status())
	assert.Empty(t, statuses(t, p))

	send(t, carol, fmt.Sprintf(`<presence to='%s' type='error'><error type='cancel'><recipient-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`, carolOcc))
	p = expect(t, alice, "Carol removed", presenceFrom(carolOcc, stanza.PresenceUnavailable)).(*stanza.Presence)
	assert.Equal(t, []int{333}, statuses(t, p))
	assert.Equal(t, "recipient-unavailable", p.Status())
	require.Equal(t, stanza.RoleNone, item(t, p).Role)
	// Both are out: Alice is alone.
	mustJoin(t, bob, room, "Bob", "")
}
