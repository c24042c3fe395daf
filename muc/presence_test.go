package muc

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

func TestPresenceUpdate(t *testing.T) {
	h := setup2(t)
	// §7.7: to everyone, the sender with 110; muc#user from the client is
	// never reflected (§17.3).
	h.expect(`<presence from='b@x/1' to='r@muc.example/B' id='u1'><show>dnd</show><status>busy</status><x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator'/></x></presence>`,
		`<presence from='r@muc.example/B' to='a@x/1' id='u1'><show>dnd</show><status>busy</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='b@x/1' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/B' to='b@x/1' id='u1'><show>dnd</show><status>busy</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x></presence>`)
	o, _ := h.room(roomJID).Occupant("B")
	require.Len(t, o.Presence, 2)
	// Probes and subscriptions are not joins (§17.3).
	h.do(`<presence from='c@x/1' to='r@muc.example/C' type='probe'/>`)
	require.Nil(t, h.room(roomJID).byJID[stanza.MustParse("c@x/1")])
	h.expect(`<presence from='c@x/1' to='r@muc.example/C' type='subscribe'/>`)
	// Unavailable from a non-occupant is ignored (§17.3).
	h.expect(`<presence from='c@x/1' to='r@muc.example/C' type='unavailable'/>`)
}

func TestNickChange(t *testing.T) {
	h := setup2(t)
	// §7.6: unavailable with 303 and the new nick, then available.
	h.expect(`<presence from='b@x/1' to='r@muc.example/Bee' id='n1'/>`,
		`<presence from='r@muc.example/B' to='a@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='b@x/1' nick='Bee' role='participant'/><status code='303'/></x></presence>`,
		`<presence from='r@muc.example/B' to='b@x/1' id='n1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' nick='Bee' role='participant'/><status code='110'/><status code='303'/></x></presence>`,
		`<presence from='r@muc.example/Bee' to='a@x/1' id='n1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='b@x/1' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/Bee' to='b@x/1' id='n1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x></presence>`)
	require.Equal(t, []NickChanged{{RoomJID: stanza.MustParse(roomJID), Old: "B", New: "Bee", JID: stanza.MustParse("b@x/1")}}, eventsOf[NickChanged](h.out))
	_, ok := h.room(roomJID).Occupant("B")
	require.False(t, ok)
	// The new nick works for messages.
	h.do(`<message from='b@x/1' to='r@muc.example' id='m' type='groupchat'><body>x</body></message>`)
	require.Equal(t, "r@muc.example/Bee", h.out.Stanzas[0].Head().From.String())
	// Conflict: the nick is taken.
	h.expect(`<presence from='b@x/1' to='r@muc.example/A' id='n2'/>`,
		`<presence from='r@muc.example/A' to='b@x/1' id='n2' type='error'><error type='cancel' by='r@muc.example'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`)
}

func TestExit(t *testing.T) {
	h := setup2(t)
	// §7.14: self first with 110, then the others; status text kept.
	h.expect(`<presence from='b@x/1' to='r@muc.example/B' type='unavailable' id='x1'><status>bye</status></presence>`,
		`<presence from='r@muc.example/B' to='b@x/1' id='x1' type='unavailable'><status>bye</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><status code='110'/></x></presence>`,
		`<presence from='r@muc.example/B' to='a@x/1' type='unavailable'><status>bye</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='b@x/1' role='none'/></x></presence>`)
	require.Len(t, eventsOf[OccupantLeft](h.out), 1)
	require.Equal(t, 1, h.room(roomJID).Len())
	// The last occupant leaving a temporary room destroys it.
	h.do(`<presence from='a@x/1' to='r@muc.example/A' type='unavailable'/>`)
	require.Len(t, eventsOf[RoomDestroyed](h.out), 1)
	require.Empty(t, h.svc.Rooms())
}

func TestExitPersistentRoomStays(t *testing.T) {
	h := setup2(t)
	h.configure(roomJID, "a@x/1", "muc#roomconfig_persistentroom", "1")
	h.do(`<presence from='b@x/1' to='r@muc.example/B' type='unavailable'/>`)
	h.do(`<presence from='a@x/1' to='r@muc.example/A' type='unavailable'/>`)
	require.Empty(t, eventsOf[RoomDestroyed](h.out))
	require.Equal(t, 0, h.room(roomJID).Len())
	// The owner comes back and is still owner.
	h.join("a@x/2", roomJID+"/A")
	o, _ := h.room(roomJID).Occupant("A")
	require.Equal(t, stanza.AffiliationOwner, o.Affiliation)
}

func TestLockedRoomCreatorLeaves(t *testing.T) {
	h := newHarness(t)
	h.join("a@x/1", roomJID+"/A")
	// §10.1.3: leaving before configuring destroys the room, with
	// <destroy/>.
	h.expect(`<presence from='a@x/1' to='r@muc.example/A' type='unavailable'/>`,
		`<presence from='r@muc.example/A' to='a@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><destroy/><item affiliation='owner' jid='a@x/1' role='none'/><status code='110'/></x></presence>`)
	require.Len(t, eventsOf[RoomDestroyed](h.out), 1)
	require.Empty(t, h.svc.Rooms())
}

func TestPresenceBroadcastRoles(t *testing.T) {
	h := setup2(t)
	h.configure(roomJID, "a@x/1", "muc#roomconfig_presencebroadcast", "moderator")
	// Participants' presence is no longer broadcast; the newcomer sees
	// only A and gets its own self-presence.
	lines := h.join("c@x/1", roomJID+"/C")
	require.Equal(t, []string{
		`<presence from='r@muc.example/A' to='c@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>`,
		`<presence from='r@muc.example/C' to='c@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x></presence>`,
		`<message from='r@muc.example' to='c@x/1' id='id4' type='groupchat'><subject></subject></message>`, // id3: the §10.2.1 notice
	}, lines)
}

func TestExitToBareRoomJID(t *testing.T) {
	h := setup2(t)
	// An occupant's unavailable presence to room@service leaves like one
	// to its occupant JID (§7.14), the <status/> relayed.
	h.expect(`<presence from='b@x/1' to='r@muc.example' type='unavailable' id='x1'><status>bye</status></presence>`,
		`<presence from='r@muc.example/B' to='b@x/1' id='x1' type='unavailable'><status>bye</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><status code='110'/></x></presence>`,
		`<presence from='r@muc.example/B' to='a@x/1' type='unavailable'><status>bye</status><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='b@x/1' role='none'/></x></presence>`)
	require.Len(t, eventsOf[OccupantLeft](h.out), 1)
	require.Equal(t, 1, h.room(roomJID).Len())
	// From a non-occupant it is still ignored (§17.3).
	h.expect(`<presence from='b@x/1' to='r@muc.example' type='unavailable'/>`)
}

func TestPresenceProbe(t *testing.T) {
	h := setup3(t)
	h.do(`<presence from='b@x/1' to='r@muc.example/B'><show>away</show></presence>`)
	// §17.3 MAY: an occupant probing another gets that occupant's current
	// presence as a broadcast would show it: no real JID for C, a
	// participant in a semi-anonymous room (§7.2.4)...
	h.expect(`<presence from='c@x/1' to='r@muc.example/B' type='probe' id='p1'/>`,
		`<presence from='r@muc.example/B' to='c@x/1' id='p1'><show>away</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>`)
	// ...the real JID for a moderator, here probing from its bare JID as
	// servers do (RFC 6121 §4.3).
	h.expect(`<presence from='a@x' to='r@muc.example/B' type='probe'/>`,
		`<presence from='r@muc.example/B' to='a@x'><show>away</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='b@x/1' role='participant'/></x></presence>`)
	// Its own presence comes with 110.
	h.expect(`<presence from='b@x/1' to='r@muc.example/B' type='probe'/>`,
		`<presence from='r@muc.example/B' to='b@x/1'><show>away</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x></presence>`)
	// Nobody under that nick: unavailable, as for an offline contact.
	h.expect(`<presence from='c@x/1' to='r@muc.example/Nobody' type='probe'/>`,
		`<presence from='r@muc.example/Nobody' to='c@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/></x></presence>`)
	// A non-occupant learns nothing (RFC 6121 §4.3.2).
	h.expect(`<presence from='d@x/1' to='r@muc.example/B' type='probe'/>`,
		`<presence from='r@muc.example/B' to='d@x/1' type='error'><error type='modify' by='r@muc.example'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>only occupants may probe presence in this room</text></error></presence>`)
	// A probe to the room itself is not answered.
	h.expect(`<presence from='c@x/1' to='r@muc.example' type='probe'/>`)
	require.Empty(t, h.out.Events)

	// Presence broadcast for moderators only: a participant's presence is
	// not revealed to C by a probe either.
	h.configure(roomJID, "a@x/1", fPresenceBroadcast, "moderator")
	h.expect(`<presence from='c@x/1' to='r@muc.example/B' type='probe'/>`,
		`<presence from='r@muc.example/B' to='c@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/></x></presence>`)
	h.expect(`<presence from='c@x/1' to='r@muc.example/A' type='probe'/>`,
		`<presence from='r@muc.example/A' to='c@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>`)
	// Through a node: the answer goes back to that node, with the real JID.
	h.remote(node2, `<presence from='r1@far/1' to='r@muc.example/R1'>`+joinX+`</presence>`)
	h.expectRemote(node2, `<presence from='r1@far/1' to='r@muc.example/A' type='probe'/>`,
		`=> node2.example (r1@far/1) for r1@far/1/R1 <presence from='r@muc.example/A' to='node2.example'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' jid='a@x/1' role='moderator'/></x></presence>`)
}
