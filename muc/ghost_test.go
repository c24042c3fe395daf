package muc

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

func bounce(kind, from, cond string) string {
	return `<` + kind + ` from='` + from + `' to='r@muc.example/C' type='error'><error type='cancel'><` + cond + ` xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></` + kind + `>`
}

func TestGhostRemoved(t *testing.T) {
	for _, cond := range []string{"gone", "item-not-found", "recipient-unavailable", "redirect", "remote-server-not-found", "remote-server-timeout"} {
		for _, kind := range []string{"presence", "message"} {
			h := setup3(t)
			// §18.1.2: a delivery error from C's real JID: C is a ghost,
			// removed with 333 (§11.1), its own copy first with 110.
			// The condition is in the <status/>.
			h.expect(bounce(kind, "c@x/1", cond),
				`<presence from='r@muc.example/C' to='c@x/1' type='unavailable'><status>`+cond+`</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><status code='110'/><status code='333'/></x></presence>`,
				`<presence from='r@muc.example/C' to='a@x/1' type='unavailable'><status>`+cond+`</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='c@x/1' role='none'/><status code='333'/></x></presence>`,
				`<presence from='r@muc.example/C' to='b@x/1' type='unavailable'><status>`+cond+`</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><status code='333'/></x></presence>`)
			left := eventsOf[OccupantLeft](h.out)
			require.Len(t, left, 1, cond)
			require.Equal(t, stanza.StatusErrorRemoved, left[0].Status)
			require.Equal(t, 2, h.room(roomJID).Len())
		}
	}
}

func TestGhostIgnored(t *testing.T) {
	h := setup3(t)
	// Other message errors are not about delivery; errors from
	// non-occupants (or another resource) are dropped; errors are never
	// answered.
	h.expect(bounce("message", "c@x/1", "forbidden"))
	h.expect(bounce("message", "c@x/1", "service-unavailable")) // e.g. blocking
	h.expect(bounce("message", "c@x/2", "gone"))
	h.expect(bounce("presence", "c@x/2", "gone"))
	h.expect(bounce("presence", "z@x/1", "recipient-unavailable"))
	h.expect(`<presence from='z@x/1' to='r@muc.example' type='error'/>`)
	require.Equal(t, 3, h.room(roomJID).Len())
}

func TestGhostLastOccupant(t *testing.T) {
	// A temporary room whose last occupant is a ghost is destroyed.
	h := newHarness(t)
	h.instant(roomJID, "a@x/1", "A")
	h.do(`<message from='a@x/1' to='r@muc.example/A' type='error'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	require.Len(t, eventsOf[RoomDestroyed](h.out), 1)
	require.Empty(t, h.svc.Rooms())
	// So is a locked room whose creator is a ghost (§10.1.2).
	h.join("a@x/1", roomJID+"/A")
	h.do(`<presence from='a@x/1' to='r@muc.example/A' type='error'><error type='cancel'><remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`)
	require.Len(t, eventsOf[RoomDestroyed](h.out), 1)
	require.Empty(t, h.svc.Rooms())
	// A remote ghost: reported by its node.
	h = setup2(t)
	h.remote("node2.example", `<presence from='r1@far/1' to='r@muc.example/R1'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
	h.expectRemote("node2.example", `<message from='r1@far/1' to='r@muc.example/R1' type='error'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`,
		`<presence from='r@muc.example/R1' to='a@x/1' type='unavailable'><status>gone</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r1@far/1' role='none'/><status code='333'/></x></presence>`,
		`<presence from='r@muc.example/R1' to='b@x/1' type='unavailable'><status>gone</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><status code='333'/></x></presence>`,
		`=> node2.example (r1@far/1) <presence from='r@muc.example/R1' to='node2.example' type='unavailable'><status>gone</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r1@far/1' role='none'/><status code='333'/></x></presence>`)
	_, in := h.room(roomJID).Occupant("R1")
	require.False(t, in)
}

func TestGhostPresenceError(t *testing.T) {
	// XEP-0045 "Service removes user because of error response": a
	// presence error from an occupant's real JID, whatever the condition
	// and wherever in the room it is addressed, removes it with 333 and
	// the condition in the <status/>.
	h := setup3(t)
	h.expect(`<presence from='c@x/1' to='r@muc.example' type='error'><error type='modify'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>c@x/1 is gone</text></error></presence>`,
		`<presence from='r@muc.example/C' to='c@x/1' type='unavailable'><status>not-acceptable</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><status code='110'/><status code='333'/></x></presence>`,
		`<presence from='r@muc.example/C' to='a@x/1' type='unavailable'><status>not-acceptable</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='c@x/1' role='none'/><status code='333'/></x></presence>`,
		`<presence from='r@muc.example/C' to='b@x/1' type='unavailable'><status>not-acceptable</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><status code='333'/></x></presence>`)
	left := eventsOf[OccupantLeft](h.out)
	require.Len(t, left, 1)
	require.Equal(t, stanza.StatusErrorRemoved, left[0].Status)
	// Without an <error/>: undefined-condition.
	h.expect(`<presence from='b@x/1' to='r@muc.example/B' type='error'/>`,
		`<presence from='r@muc.example/B' to='b@x/1' type='unavailable'><status>undefined-condition</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><status code='110'/><status code='333'/></x></presence>`,
		`<presence from='r@muc.example/B' to='a@x/1' type='unavailable'><status>undefined-condition</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='b@x/1' role='none'/><status code='333'/></x></presence>`)
	// In a non-anonymous room the error's text follows the condition.
	h = setup3(t)
	h.configure(roomJID, "a@x/1", fWhois, "anyone")
	h.expect(`<presence from='c@x/1' to='r@muc.example/C' type='error'><error type='cancel'><remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no route to x</text></error></presence>`,
		`<presence from='r@muc.example/C' to='c@x/1' type='unavailable'><status>remote-server-not-found: no route to x</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='c@x/1' role='none'/><status code='110'/><status code='333'/></x></presence>`,
		`<presence from='r@muc.example/C' to='a@x/1' type='unavailable'><status>remote-server-not-found: no route to x</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='c@x/1' role='none'/><status code='333'/></x></presence>`,
		`<presence from='r@muc.example/C' to='b@x/1' type='unavailable'><status>remote-server-not-found: no route to x</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='c@x/1' role='none'/><status code='333'/></x></presence>`)
	require.Equal(t, 2, h.room(roomJID).Len())
}
