package muc

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

func ownerIQ(from, id, typ, inner string) string {
	return `<iq from='` + from + `' to='r@muc.example' id='` + id + `' type='` + typ + `'><query xmlns='http://jabber.org/protocol/muc#owner'>` + inner + `</query></iq>`
}

func TestReservedRoom(t *testing.T) {
	h := newHarness(t)
	h.join("a@x/1", roomJID+"/A")
	// §10.1.3: the owner asks for the form...
	lines := h.do(ownerIQ("a@x/1", "f", "get", ""))
	require.Len(t, lines, 1)
	iq := decode(t, lines[0]).(*stanza.IQ)
	var q stanza.MUCOwner
	ok, err := stanza.Find(iq, stanza.NSMUCOwner, "query", &q)
	require.True(t, ok)
	require.NoError(t, err)
	require.NotNil(t, q.Form)
	require.Equal(t, "form", q.Form.Type)
	require.Equal(t, "http://jabber.org/protocol/muc#roomconfig", q.Form.FormType())
	for _, f := range []string{fRoomName, fRoomDesc, fPersistent, fPublic, fMembersOnly, fModerated, fPasswordProtected, fSecret, fMaxUsers, fWhois, fMaxHistory, fChangeSubject, fAllowPM, fAllowInvites, fEnableLogging, fGetMemberList, fPresenceBroadcast, fRoomAdmins, fRoomOwners} {
		_, ok := q.Form.Field(f)
		require.True(t, ok, f)
	}
	v, _ := q.Form.Value(fRoomOwners)
	require.Equal(t, "a@x", v)
	v, _ = q.Form.Value(fMaxHistory)
	require.Equal(t, "20", v)
	// ...and submits it; the room unlocks, and the owner is told of the
	// change (§10.2.1).
	h.expect(ownerIQ("a@x/1", "s", "set", `<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field><field var='muc#roomconfig_roomname'><value>The Room</value></field><field var='muc#roomconfig_persistentroom'><value>true</value></field><field var='muc#roomconfig_maxusers'><value>none</value></field></x>`),
		iqResult("a@x/1", "s"),
		`<message from='r@muc.example' to='a@x/1' id='id2' type='groupchat'><x xmlns='http://jabber.org/protocol/muc#user'><status code='104'/></x></message>`)
	c := h.room(roomJID).Config()
	require.Equal(t, "The Room", c.Name)
	require.True(t, c.Persistent)
	require.Len(t, eventsOf[ConfigChanged](h.out), 1)
	require.Len(t, eventsOf[RoomUnlocked](h.out), 1)
	require.False(t, h.room(roomJID).Locked())
	// A submit without changes reports no ConfigChanged.
	h.do(ownerIQ("a@x/1", "s2", "set", `<x xmlns='jabber:x:data' type='submit'/>`))
	require.Empty(t, eventsOf[ConfigChanged](h.out))
}

func TestCancelInitialConfiguration(t *testing.T) {
	h := newHarness(t)
	h.join("a@x/1", roomJID+"/A")
	// §10.1.3: cancel destroys the locked room.
	h.expect(ownerIQ("a@x/1", "c", "set", `<x xmlns='jabber:x:data' type='cancel'/>`),
		iqResult("a@x/1", "c"),
		`<presence from='r@muc.example/A' to='a@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><destroy/><item affiliation='owner' jid='a@x/1' role='none'/></x></presence>`)
	require.Len(t, eventsOf[RoomDestroyed](h.out), 1)
	require.Empty(t, h.svc.Rooms())
	// §10.2: cancelling a later configuration changes nothing.
	h.instant(roomJID, "a@x/1", "A")
	h.expect(ownerIQ("a@x/1", "c", "set", `<x xmlns='jabber:x:data' type='cancel'/>`), iqResult("a@x/1", "c"))
	require.Len(t, h.svc.Rooms(), 1)
}

func TestConfigSubmitErrors(t *testing.T) {
	form := func(fields string) string {
		return `<x xmlns='jabber:x:data' type='submit'>` + fields + `</x>`
	}
	field := func(v, val string) string { return `<field var='` + v + `'><value>` + val + `</value></field>` }
	tests := []struct {
		name, from, inner, typ, cond string
	}{
		{"not an owner §10.2", "b@x/1", form(""), "auth", "forbidden"},
		{"bad boolean", "a@x/1", form(field(fModerated, "maybe")), "modify", "not-acceptable|bad value for muc#roomconfig_moderatedroom"},
		{"bad maxusers", "a@x/1", form(field(fMaxUsers, "-3")), "modify", "not-acceptable|bad value for muc#roomconfig_maxusers"},
		{"history above the service maximum", "a@x/1", form(field(fMaxHistory, "1000")), "modify", "not-acceptable|bad value for muc#maxhistoryfetch"},
		{"bad whois", "a@x/1", form(field(fWhois, "everybody")), "modify", "not-acceptable|bad value for muc#roomconfig_whois"},
		{"bad allowpm", "a@x/1", form(field(fAllowPM, "cats")), "modify", "not-acceptable|bad value for muc#roomconfig_allowpm"},
		{"bad role list", "a@x/1", form(field(fPresenceBroadcast, "king")), "modify", "not-acceptable|bad value for muc#roomconfig_presencebroadcast"},
		{"password without secret §10.1.3", "a@x/1", form(field(fPasswordProtected, "1")), "modify", "not-acceptable|a password-protected room needs a password"},
		{"empty owner list", "a@x/1", form(`<field var='muc#roomconfig_roomowners'/>`), "modify", "not-acceptable|a room needs an owner"},
		{"bad owner jid", "a@x/1", form(field(fRoomOwners, "@@")), "modify", "jid-malformed|bad JID in muc#roomconfig_roomowners"},
		{"the only owner made an admin §10.5", "a@x/1", form(field(fRoomAdmins, "a@x")), "cancel", "conflict|a room needs an owner"},
		{"every owner made an admin", "a@x/1", form(field(fRoomOwners, "b@x") + field(fRoomAdmins, "b@x")), "cancel", "conflict|a room needs an owner"},
		{"wrong FORM_TYPE", "a@x/1", form(field("FORM_TYPE", "urn:other")), "modify", "bad-request|unexpected FORM_TYPE"},
		{"form of type result", "a@x/1", `<x xmlns='jabber:x:data' type='result'/>`, "modify", "bad-request"},
		{"get with a form", "a@x/1", form(""), "modify", "bad-request"},
		{"empty set", "a@x/1", "", "modify", "bad-request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := setup2(t)
			before := h.room(roomJID).State()
			typ := "set"
			if strings.HasPrefix(tc.name, "get") {
				typ = "get"
			}
			h.expect(ownerIQ(tc.from, "e", typ, tc.inner),
				iqErr(tc.from, "e", canon(t, `<query xmlns='http://jabber.org/protocol/muc#owner'>`+tc.inner+`</query>`), tc.typ, tc.cond))
			require.Equal(t, before, h.room(roomJID).State())
			require.Empty(t, h.out.Events)
		})
	}
}

func TestConfigFormLists(t *testing.T) {
	h := setup2(t)
	// The owner and admin lists of the form replace the current lists
	// (§10.2) and the affected occupants' presence is updated.
	lines := h.configure(roomJID, "a@x/1", fRoomAdmins, "b@x/1")
	require.Equal(t, iqResult("a@x/1", "cfg"), lines[0])
	o, _ := h.room(roomJID).Occupant("B")
	require.Equal(t, stanza.AffiliationAdmin, o.Affiliation)
	require.Equal(t, stanza.RoleModerator, o.Role)
	require.Len(t, eventsOf[AffiliationChanged](h.out), 1)
	// Hand ownership to b: a becomes none (and stays in the room).
	h.configure(roomJID, "a@x/1", fRoomOwners, "b@x")
	require.Equal(t, stanza.AffiliationNone, h.room(roomJID).Affiliation(stanza.MustParse("a@x")))
	require.Equal(t, stanza.AffiliationOwner, h.room(roomJID).Affiliation(stanza.MustParse("b@x")))
	o, _ = h.room(roomJID).Occupant("A")
	require.Equal(t, stanza.RoleParticipant, o.Role)
}

func TestDestroy(t *testing.T) {
	h := setup2(t)
	// §10.9: one unavailable presence with <destroy/> to each occupant,
	// then the result.
	h.expect(ownerIQ("a@x/1", "d", "set", `<destroy jid='new@muc.example'><reason>Moving</reason><password>pw</password></destroy>`),
		`<presence from='r@muc.example/A' to='a@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><destroy jid='new@muc.example'><password>pw</password><reason>Moving</reason></destroy><item affiliation='owner' jid='a@x/1' role='none'/></x></presence>`,
		`<presence from='r@muc.example/B' to='b@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><destroy jid='new@muc.example'><password>pw</password><reason>Moving</reason></destroy><item affiliation='none' role='none'/></x></presence>`,
		iqResult("a@x/1", "d"))
	d := eventsOf[RoomDestroyed](h.out)
	require.Equal(t, []RoomDestroyed{{RoomJID: stanza.MustParse(roomJID), Reason: "Moving", Alternate: stanza.MustParse("new@muc.example")}}, d)
	require.Empty(t, h.svc.Rooms())
	// Only owners may destroy.
	h2 := setup2(t)
	h2.expect(ownerIQ("b@x/1", "d", "set", `<destroy/>`),
		iqErr("b@x/1", "d", `<query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query>`, "auth", "forbidden"))
}

func TestRoomSecretProtects(t *testing.T) {
	enter := func(h *harness, pw string) []string {
		x := joinX
		if pw != "" {
			x = `<x xmlns='http://jabber.org/protocol/muc'><password>` + pw + `</password></x>`
		}
		return h.do(`<presence from='c@x/1' to='r@muc.example/C' id='j'>` + x + `</presence>`)
	}
	notAuthorized := `<presence from='r@muc.example/C' to='c@x/1' id='j' type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='auth' by='r@muc.example'><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`
	for _, tc := range []struct {
		name      string
		fields    []string
		protected bool
	}{
		// A secret alone protects the room.
		{"secret only", []string{fSecret, "pw"}, true},
		{"secret and protection", []string{fSecret, "pw", fPasswordProtected, "1"}, true},
		// The same submit explicitly turning protection off wins.
		{"secret, protection off", []string{fPasswordProtected, "0", fSecret, "pw"}, false},
		{"empty secret", []string{fSecret, ""}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := setup2(t)
			h.configure(roomJID, "a@x/1", tc.fields...)
			require.Equal(t, tc.protected, h.room(roomJID).Config().PasswordProtected)
			if tc.protected {
				// §7.2.5: a stranger without the password stays out.
				require.Equal(t, []string{canon(t, notAuthorized)}, enter(h, ""))
				require.Equal(t, 2, h.room(roomJID).Len())
				enter(h, "pw")
				require.Equal(t, 3, h.room(roomJID).Len())
				return
			}
			enter(h, "")
			require.Equal(t, 3, h.room(roomJID).Len())
		})
	}
	// A protected room whose secret is cleared is refused (§10.1.3).
	h := setup2(t)
	h.configure(roomJID, "a@x/1", fSecret, "pw")
	h.expect(cfgIQ(fSecret, ""),
		iqErr("a@x/1", "cfg", canon(t, `<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_roomsecret'><value></value></field></x></query>`), "modify", "not-acceptable|a password-protected room needs a password"))
	require.True(t, h.room(roomJID).Config().PasswordProtected)
}
