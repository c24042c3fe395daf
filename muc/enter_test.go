package muc

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

const (
	roomJID = "r@muc.example"
	joinX   = `<x xmlns='http://jabber.org/protocol/muc'/>`
)

// setup3 creates an instant room owned by a@x/1 (nick A) and lets b@x/1
// (B) in.
func setup2(t *testing.T, mod ...func(*ServiceOptions)) *harness {
	h := newHarness(t, mod...)
	h.instant(roomJID, "a@x/1", "A")
	h.join("b@x/1", roomJID+"/B")
	return h
}

func TestEnterCreatesLockedRoom(t *testing.T) {
	h := newHarness(t)
	h.expect(`<presence from='a@x/1' to='r@muc.example/A' id='j1'><x xmlns='http://jabber.org/protocol/muc'/><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/></presence>`,
		`<presence from='r@muc.example/A' to='a@x/1' id='j1'><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' jid='a@x/1' role='moderator'/><status code='110'/><status code='201'/></x></presence>`,
		`<message from='r@muc.example' to='a@x/1' id='id1' type='groupchat'><subject></subject></message>`)
	require.Len(t, eventsOf[RoomCreated](h.out), 1)
	require.Equal(t, RoomCreated{RoomJID: stanza.MustParse(roomJID), Owner: stanza.MustParse("a@x"), Locked: true}, eventsOf[RoomCreated](h.out)[0])
	require.Len(t, eventsOf[OccupantJoined](h.out), 1)
	require.True(t, h.room(roomJID).Locked())

	// §7.2.10: a locked room refuses everyone else with item-not-found.
	h.expect(`<presence from='b@x/1' to='r@muc.example/B' id='j2'>`+joinX+`</presence>`,
		`<presence from='r@muc.example/B' to='b@x/1' id='j2' type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='cancel' by='r@muc.example'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`)
	// ...and disco#info says it does not exist.
	h.expect(`<iq from='b@x/1' to='r@muc.example' id='d1' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
		`<iq from='r@muc.example' to='b@x/1' id='d1' type='error'><query xmlns='http://jabber.org/protocol/disco#info'/><error type='cancel' by='r@muc.example'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`)

	// §10.1.2: an empty submit form makes an instant room.
	h.expect(`<iq from='a@x/1' to='r@muc.example' id='c1' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>`,
		`<iq from='r@muc.example' to='a@x/1' id='c1' type='result'/>`)
	require.False(t, h.room(roomJID).Locked())
	require.Len(t, eventsOf[RoomUnlocked](h.out), 1)
}

func TestEnterOrderSemiAnonymous(t *testing.T) {
	h := setup2(t)
	// §7.1: existing occupants first, the newcomer to all, self-presence
	// last, then the (empty) subject. In a semi-anonymous room only the
	// moderator A sees C's real JID (§7.2.4).
	h.expect(`<presence from='c@x/1' to='r@muc.example/C' id='j3'>`+joinX+`<show>away</show></presence>`,
		`<presence from='r@muc.example/A' to='c@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>`,
		`<presence from='r@muc.example/B' to='c@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/C' to='a@x/1' id='j3'><show>away</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='c@x/1' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/C' to='b@x/1' id='j3'><show>away</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/C' to='c@x/1' id='j3'><show>away</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x></presence>`,
		`<message from='r@muc.example' to='c@x/1' id='id3' type='groupchat'><subject></subject></message>`)
	j := eventsOf[OccupantJoined](h.out)
	require.Len(t, j, 1)
	require.Equal(t, "C", j[0].Nick)
	require.Equal(t, stanza.RoleParticipant, j[0].Role)
}

func TestEnterNonAnonymous(t *testing.T) {
	h := newHarness(t)
	h.instant(roomJID, "a@x/1", "A")
	h.configure(roomJID, "a@x/1", "muc#roomconfig_whois", "anyone")
	// §7.2.3: everyone sees real JIDs; the newcomer gets status 100.
	h.expect(`<presence from='b@x/1' to='r@muc.example/B'>`+joinX+`</presence>`,
		`<presence from='r@muc.example/A' to='b@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' jid='a@x/1' role='moderator'/></x></presence>`,
		`<presence from='r@muc.example/B' to='a@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='b@x/1' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/B' to='b@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='b@x/1' role='participant'/><status code='100'/><status code='110'/></x></presence>`,
		`<message from='r@muc.example' to='b@x/1' id='id3' type='groupchat'><subject></subject></message>`)
}

func TestEnterErrors(t *testing.T) {
	errPresence := func(to, from, typ, cond string) string {
		return `<presence from='` + to + `' to='` + from + `' id='e' type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='` + typ + `' by='r@muc.example'><` + cond + ` xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`
	}
	tests := []struct {
		name  string
		setup func(h *harness)
		from  string
		to    string
		want  string
	}{
		{"nick conflict §7.2.8", nil, "c@x/1", "r@muc.example/B", errPresence("r@muc.example/B", "c@x/1", "cancel", "conflict")},
		{"password missing §7.2.5", func(h *harness) {
			h.configure(roomJID, "a@x/1", "muc#roomconfig_passwordprotectedroom", "1", "muc#roomconfig_roomsecret", "pw")
		}, "c@x/1", "r@muc.example/C", errPresence("r@muc.example/C", "c@x/1", "auth", "not-authorized")},
		{"members-only §7.2.6", func(h *harness) {
			h.configure(roomJID, "a@x/1", "muc#roomconfig_membersonly", "1")
		}, "c@x/1", "r@muc.example/C", errPresence("r@muc.example/C", "c@x/1", "auth", "registration-required")},
		{"banned §7.2.7", func(h *harness) {
			h.do(`<iq from='a@x/1' to='r@muc.example' id='ban' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast' jid='c@x'/></query></iq>`)
		}, "c@x/1", "r@muc.example/C", errPresence("r@muc.example/C", "c@x/1", "auth", "forbidden")},
		{"max users §7.2.9", func(h *harness) {
			h.configure(roomJID, "a@x/1", "muc#roomconfig_maxusers", "2")
		}, "c@x/1", "r@muc.example/C", errPresence("r@muc.example/C", "c@x/1", "wait", "service-unavailable")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := setup2(t)
			if tc.setup != nil {
				tc.setup(h)
			}
			before := h.room(roomJID).State()
			n := h.room(roomJID).Len()
			h.expect(`<presence from='`+tc.from+`' to='`+tc.to+`' id='e'>`+joinX+`</presence>`, tc.want)
			require.Equal(t, n, h.room(roomJID).Len())
			require.Equal(t, before, h.room(roomJID).State())
			require.Empty(t, h.out.Events)
		})
	}
}

func TestEnterMissingNick(t *testing.T) {
	h := setup2(t)
	// §7.2.1: no nickname, jid-malformed; also for a room that does not
	// exist yet.
	h.expect(`<presence from='c@x/1' to='r@muc.example' id='e'>`+joinX+`</presence>`,
		`<presence from='r@muc.example' to='c@x/1' id='e' type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='modify' by='r@muc.example'><jid-malformed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`)
	h.expect(`<presence from='c@x/1' to='new@muc.example' id='e'>`+joinX+`</presence>`,
		`<presence from='new@muc.example' to='c@x/1' id='e' type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='modify' by='new@muc.example'><jid-malformed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`)
	_, exists := h.svc.Room(stanza.MustParse("new@muc.example"))
	require.False(t, exists)
}

func TestEnterPasswordAndMaxUsersPrivileged(t *testing.T) {
	h := setup2(t)
	h.configure(roomJID, "a@x/1", "muc#roomconfig_passwordprotectedroom", "1", "muc#roomconfig_roomsecret", "pw", "muc#roomconfig_maxusers", "2")
	h.do(`<iq from='a@x/1' to='r@muc.example' id='adm' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='admin' jid='d@x'/></query></iq>`)
	// §7.2.9: an admin may enter a full room; the password still applies.
	h.do(`<presence from='d@x/1' to='r@muc.example/D'><x xmlns='http://jabber.org/protocol/muc'><password>wrong</password></x></presence>`)
	require.Contains(t, h.out.Stanzas[0].(*stanza.Presence).String(), "not-authorized")
	h.do(`<presence from='d@x/1' to='r@muc.example/D'><x xmlns='http://jabber.org/protocol/muc'><password>pw</password><history maxchars='0'/></x></presence>`)
	require.Equal(t, 3, h.room(roomJID).Len())
	o, ok := h.room(roomJID).Occupant("D")
	require.True(t, ok)
	require.Equal(t, stanza.RoleModerator, o.Role)
	require.Equal(t, stanza.AffiliationAdmin, o.Affiliation)
}

func TestPresenceWithoutMUCFromNonOccupant(t *testing.T) {
	h := setup2(t)
	// §7.2.18: not a join; an explicit kick with 110, 307 and 333.
	want := `<presence from='r@muc.example/C' to='c@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'><reason>You are not in the room.</reason></item><status code='110'/><status code='307'/><status code='333'/></x></presence>`
	h.expect(`<presence from='c@x/1' to='r@muc.example/C'/>`, want)
	require.Equal(t, 2, h.room(roomJID).Len())
	// The same for a room that does not exist: nothing is created.
	h.expect(`<presence from='c@x/1' to='other@muc.example/C'/>`,
		`<presence from='other@muc.example/C' to='c@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'><reason>You are not in the room.</reason></item><status code='110'/><status code='307'/><status code='333'/></x></presence>`)
	require.Len(t, h.svc.Rooms(), 1)
}

func TestRejoinResynchronises(t *testing.T) {
	h := setup2(t)
	h.do(`<message from='a@x/1' to='r@muc.example' id='m1' type='groupchat'><body>one</body></message>`)
	// §7.2.1: a muc-tagged join from an occupant's own full JID is a
	// resync: the same stanzas as a join, nothing to others when the
	// presence did not change.
	h.expect(`<presence from='b@x/1' to='r@muc.example/B' id='re'>`+joinX+`</presence>`,
		`<presence from='r@muc.example/A' to='b@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>`,
		`<presence from='r@muc.example/B' to='b@x/1' id='re'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x></presence>`,
		`<message from='r@muc.example/A' to='b@x/1' id='m1' type='groupchat'><body>one</body><stanza-id xmlns='urn:xmpp:sid:0' id='id3' by='r@muc.example'/><delay xmlns='urn:xmpp:delay' from='r@muc.example' stamp='2026-03-04T05:06:07Z'/></message>`,
		`<message from='r@muc.example' to='b@x/1' id='id4' type='groupchat'><subject></subject></message>`)
	require.Empty(t, eventsOf[OccupantJoined](h.out))
}

func TestCreationRefused(t *testing.T) {
	h := newHarness(t, func(o *ServiceOptions) {
		o.CanCreate = func(room, creator, via stanza.JID) bool {
			return creator.Bare() == stanza.MustParse("boss@x") && via.IsZero()
		}
	})
	// §10.1.1: restricted creation is not-allowed.
	h.expect(`<presence from='a@x/1' to='r@muc.example/A' id='e'>`+joinX+`</presence>`,
		`<presence from='r@muc.example/A' to='a@x/1' id='e' type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='cancel' by='r@muc.example'><not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`)
	require.Empty(t, h.svc.Rooms())
	h.join("boss@x/1", "r@muc.example/Boss")
	require.Len(t, h.svc.Rooms(), 1)
}
