package muc

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

// msgErr renders a message error from the room; cond may be "cond|text".
func msgErr(to, id, payload, typ, cond string) string {
	e := iqErr(to, id, payload, typ, cond)
	return "<message" + e[len("<iq"):len(e)-len("</iq>")] + "</message>"
}

const userXOpen = `<x xmlns='http://jabber.org/protocol/muc#user'>`

func TestInviteOpenRoom(t *testing.T) {
	h := setup2(t)
	// §7.8.2: the room sends the invitation from its bare JID with the
	// inviter's real JID and the reason; the message id is kept.
	in := `<message from='b@x/1' to='r@muc.example' id='inv1'>` + userXOpen + `<invite to='hecate@x'><reason>Come &amp; see</reason></invite></x></message>`
	h.expect(in,
		`<message from='r@muc.example' to='hecate@x' id='inv1'>`+userXOpen+`<invite from='b@x/1'><reason>Come &amp; see</reason></invite></x></message>`)
	require.Empty(t, h.out.Events, "an open room changes no affiliation")

	// Several invitees at once; <continue/> is passed on; the password
	// of a password-protected room is added (SHOULD).
	h.configure(roomJID, "a@x/1", fPasswordProtected, "1", fSecret, "cauldron")
	h.expect(`<message from='b@x/1' to='r@muc.example' id='inv2'>`+userXOpen+`<invite to='hecate@x/broom'><continue thread='t1'/></invite><invite to='c@y'/></x></message>`,
		`<message from='r@muc.example' to='hecate@x/broom' id='inv2'>`+userXOpen+`<invite from='b@x/1'><continue thread='t1'/></invite><password>cauldron</password></x></message>`,
		`<message from='r@muc.example' to='c@y' id='inv2'>`+userXOpen+`<invite from='b@x/1'/><password>cauldron</password></x></message>`)
}

func TestInviteBounced(t *testing.T) {
	h := setup2(t)
	h.do(`<message from='b@x/1' to='r@muc.example' id='inv'>` + userXOpen + `<invite to='nobody@x'/><invite to='c@y'/></x></message>`)
	// §7.8.2: the invitee does not exist; its server bounces the
	// invitation; the inviter learns it as item-not-found.
	h.expect(`<message from='nobody@x' to='r@muc.example' id='inv' type='error'>`+userXOpen+`<invite from='b@x/1'/></x><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`,
		msgErr("b@x/1", "inv", userXOpen+`<invite to='nobody@x'/></x>`, "cancel", "item-not-found"))
	// Once only; unrelated errors from non-occupants are dropped.
	h.expect(`<message from='nobody@x' to='r@muc.example' id='inv' type='error'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	h.expect(`<message from='c@y' to='r@muc.example' id='other' type='error'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	// A remote inviter hears through its node; only the latest
	// invitations are remembered.
	h.remote("node2.example", `<presence from='r1@far/1' to='r@muc.example/R1'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
	h.remote("node2.example", `<message from='r1@far/1' to='r@muc.example' id='rinv'>`+userXOpen+`<invite to='gone@x'/></x></message>`)
	h.expect(`<message from='gone@x' to='r@muc.example' id='rinv' type='error'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`,
		`=> node2.example () for r1@far/1 <message from='r@muc.example' to='node2.example' id='rinv' type='error'>`+userXOpen+`<invite to='gone@x'/></x><error type='cancel' by='r@muc.example'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	for i := 0; i <= maxRememberedInvites; i++ {
		h.now = h.now.Add(time.Second) // within Limits.MessageInterval
		h.do(`<message from='b@x/1' to='r@muc.example' id='n` + strconv.Itoa(i) + `'>` + userXOpen + `<invite to='i` + strconv.Itoa(i) + `@x'/></x></message>`)
	}
	require.Len(t, h.room(roomJID).invited, maxRememberedInvites)
	h.expect(`<message from='i0@x' to='r@muc.example' id='n0' type='error'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	lines := h.do(`<message from='i1@x' to='r@muc.example' id='n1' type='error'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	require.Len(t, lines, 1)
	// Invitations without an id cannot be matched and are not kept.
	h.do(`<message from='b@x/1' to='r@muc.example'>` + userXOpen + `<invite to='noid@x'/></x></message>`)
	require.Len(t, h.room(roomJID).invited, maxRememberedInvites-1)
}

func TestInviteErrors(t *testing.T) {
	h := setup2(t)
	tests := []struct {
		name, in, want string
	}{
		{"non-occupant", `<message from='c@x/1' to='r@muc.example' id='e1'>` + userXOpen + `<invite to='d@x'/></x></message>`,
			msgErr("c@x/1", "e1", userXOpen+`<invite to='d@x'/></x>`, "auth", "forbidden|only occupants may invite")},
		{"other resource of an occupant", `<message from='b@x/2' to='r@muc.example' id='e2'>` + userXOpen + `<invite to='d@x'/></x></message>`,
			msgErr("b@x/2", "e2", userXOpen+`<invite to='d@x'/></x>`, "auth", "forbidden|only occupants may invite")},
		{"bad JID", `<message from='b@x/1' to='r@muc.example' id='e3'>` + userXOpen + `<invite to='d@x/ok'/><invite to='@x'/></x></message>`,
			msgErr("b@x/1", "e3", userXOpen+`<invite to='d@x/ok'/><invite to='@x'/></x>`, "modify", "jid-malformed|bad invitee address")},
		{"the room itself", `<message from='b@x/1' to='r@muc.example' id='e5'>` + userXOpen + `<invite to='r@muc.example/A'/></x></message>`,
			msgErr("b@x/1", "e5", userXOpen+`<invite to='r@muc.example/A'/></x>`, "modify", "bad-request|the room cannot be invited")},
		{"no address", `<message from='b@x/1' to='r@muc.example' id='e4'>` + userXOpen + `<invite><reason>r</reason></invite></x></message>`,
			msgErr("b@x/1", "e4", userXOpen+`<invite><reason>r</reason></invite></x>`, "modify", "bad-request|bad invitee address")},
		{"neither invite nor decline", `<message from='b@x/1' to='r@muc.example' id='e6'>` + userXOpen + `</x></message>`,
			msgErr("b@x/1", "e6", userXOpen+`</x>`, "modify", "bad-request|messages to the room must be of type groupchat")},
	}
	for _, tc := range tests {
		h.expect(tc.in, canon(t, tc.want))
	}
	many := strings.Repeat(`<invite to='d@x'/>`, maxInvitesPerMessage+1)
	h.expect(`<message from='b@x/1' to='r@muc.example' id='e7'>`+userXOpen+many+`</x></message>`,
		msgErr("b@x/1", "e7", userXOpen+many+`</x>`, "modify", "policy-violation|too many invitations in one message"))
}

func TestInviteMembersOnly(t *testing.T) {
	h := setup2(t)
	h.do(adminIQ("a@x/1", "m", "set", `<item affiliation='member' jid='b@x'/>`))
	h.configure(roomJID, "a@x/1", fMembersOnly, "1")
	r := h.room(roomJID)

	// §7.8.2: in a members-only room, a member may not invite unless
	// muc#roomconfig_allowinvites is on.
	h.expect(`<message from='b@x/1' to='r@muc.example' id='i1'>`+userXOpen+`<invite to='d@x'/></x></message>`,
		msgErr("b@x/1", "i1", userXOpen+`<invite to='d@x'/></x>`, "auth", "forbidden|only admins may invite to this room"))
	require.Equal(t, stanza.AffiliationNone, r.Affiliation(stanza.MustParse("d@x")))

	// An owner may; the invitee is added to the member list first so
	// that the invitation can be used (the occupants are told, §9.3).
	h.expect(`<message from='a@x/1' to='r@muc.example' id='i2'>`+userXOpen+`<invite to='d@x/home'/></x></message>`,
		`<message from='r@muc.example' to='a@x/1' id='id4'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' jid='d@x' role='none'/></x></message>`,
		`<message from='r@muc.example' to='b@x/1' id='id4'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='none'/></x></message>`,
		`<message from='r@muc.example' to='d@x/home' id='i2'>`+userXOpen+`<invite from='a@x/1'/></x></message>`)
	require.Equal(t, stanza.AffiliationMember, r.Affiliation(stanza.MustParse("d@x")))
	ev := eventsOf[AffiliationChanged](h.out)
	require.Len(t, ev, 1)
	require.Equal(t, AffiliationChanged{RoomJID: r.JID(), JID: stanza.MustParse("d@x"), From: stanza.AffiliationNone, To: stanza.AffiliationMember, Actor: stanza.MustParse("a@x/1")}, ev[0])
	h.join("d@x/home", roomJID+"/D")
	_, in := r.Occupant("D")
	require.True(t, in)

	// With allowinvites, members invite too; an outcast stays an outcast.
	h.configure(roomJID, "a@x/1", fAllowInvites, "1")
	h.do(adminIQ("a@x/1", "ban", "set", `<item affiliation='outcast' jid='e@x'/>`))
	h.expect(`<message from='b@x/1' to='r@muc.example' id='i3'>`+userXOpen+`<invite to='e@x'/><invite to='f@x'/></x></message>`,
		`<message from='r@muc.example' to='a@x/1' id='id7'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' jid='f@x' role='none'/></x></message>`,
		`<message from='r@muc.example' to='b@x/1' id='id7'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='none'/></x></message>`,
		`<message from='r@muc.example' to='d@x/home' id='id7'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='none'/></x></message>`,
		`<message from='r@muc.example' to='e@x' id='i3'>`+userXOpen+`<invite from='b@x/1'/></x></message>`,
		`<message from='r@muc.example' to='f@x' id='i3'>`+userXOpen+`<invite from='b@x/1'/></x></message>`)
	require.Equal(t, stanza.AffiliationOutcast, r.Affiliation(stanza.MustParse("e@x")))
	require.Equal(t, stanza.AffiliationMember, r.Affiliation(stanza.MustParse("f@x")))
}

func TestDecline(t *testing.T) {
	h := setup2(t)
	h.remote("node2.example", `<presence from='r1@far/1' to='r@muc.example/R1'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`)
	decline := func(from, id, to string) string {
		return `<message from='` + from + `' to='r@muc.example' id='` + id + `'>` + userXOpen + `<decline to='` + to + `'><reason>Too busy</reason></decline></x></message>`
	}
	relayed := `<x xmlns='http://jabber.org/protocol/muc#user'><decline from='hecate@x'><reason>Too busy</reason></decline></x>`
	// §7.8.2: to the inviter's bare JID: the inviter's occupants get it,
	// from the room, with the decliner's bare JID.
	h.expect(decline("hecate@x/broom", "d1", "b@x"),
		`<message from='r@muc.example' to='b@x/1' id='d1'>`+relayed+`</message>`)
	// To an occupant JID, from an occupant.
	relayedB := `<x xmlns='http://jabber.org/protocol/muc#user'><decline from='b@x'><reason>Too busy</reason></decline></x>`
	h.expect(decline("b@x/1", "d2", "r@muc.example/A"),
		`<message from='r@muc.example' to='a@x/1' id='d2'>`+relayedB+`</message>`)
	// To a remote occupant: through its node.
	h.expect(decline("b@x/1", "d3", "r@muc.example/R1"),
		`=> node2.example () for r1@far/1/R1 <message from='r@muc.example' to='node2.example' id='d3'>`+relayedB+`</message>`)
	// Outsiders may not reach nicks that way, nor the room itself.
	h.expect(decline("hecate@x/broom", "d7", "r@muc.example/A"),
		msgErr("hecate@x/broom", "d7", userXOpen+`<decline to='r@muc.example/A'><reason>Too busy</reason></decline></x>`, "modify", "not-acceptable"))
	h.expect(decline("b@x/1", "d8", "r@muc.example"),
		msgErr("b@x/1", "d8", userXOpen+`<decline to='r@muc.example'><reason>Too busy</reason></decline></x>`, "modify", "not-acceptable"))
	// To someone not in the room: as addressed.
	h.expect(decline("hecate@x/broom", "d4", "crone@y/desk"),
		`<message from='r@muc.example' to='crone@y/desk' id='d4'>`+relayed+`</message>`)
	// Errors.
	h.expect(decline("b@x/1", "d5", "r@muc.example/Nobody"),
		msgErr("b@x/1", "d5", userXOpen+`<decline to='r@muc.example/Nobody'><reason>Too busy</reason></decline></x>`, "cancel", "item-not-found"))
	h.expect(`<message from='hecate@x/broom' to='r@muc.example' id='d6'>`+userXOpen+`<decline/></x></message>`,
		msgErr("hecate@x/broom", "d6", userXOpen+`<decline/></x>`, "modify", "bad-request|bad inviter address"))
}
