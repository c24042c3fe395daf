package muc

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

func regIQ(from, id, typ, inner string) string {
	return `<iq from='` + from + `' to='r@muc.example' id='` + id + `' type='` + typ + `'><query xmlns='jabber:iq:register'>` + inner + `</query></iq>`
}

func regForm(nick string) string {
	return `<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field><field var='muc#register_roomnick'><value>` + nick + `</value></field></x>`
}

func TestRegisterOpenRoom(t *testing.T) {
	h := setup2(t)
	r := h.room(roomJID)
	// §7.10: the registration form (muc#register FORM_TYPE, §16.5.1).
	h.expect(regIQ("b@x/1", "g1", "get", ""),
		`<iq from='r@muc.example' to='b@x/1' id='g1' type='result'><query xmlns='jabber:iq:register'><instructions>Use the form to register with this room.</instructions><x xmlns='jabber:x:data' type='form'><title>Registration with r</title><instructions>Choose the nickname to reserve in this room.</instructions><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#register</value></field><field var='muc#register_roomnick' type='text-single' label='Desired Nickname'><required/></field></x></query></iq>`)

	// Submitting it: result first, then B, now a member, is announced to
	// everyone (§7.10 MUST).
	h.expect(regIQ("b@x/1", "s1", "set", regForm("thirdwitch")),
		iqResult("b@x/1", "s1"),
		`<presence from='r@muc.example/B' to='a@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' jid='b@x/1' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/B' to='b@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/></x></presence>`)
	require.Equal(t, []NickRegistered{{RoomJID: r.JID(), JID: stanza.MustParse("b@x"), Nick: "thirdwitch"}}, eventsOf[NickRegistered](h.out))
	require.Len(t, eventsOf[AffiliationChanged](h.out), 1)
	nick, ok := r.RegisteredNick(stanza.MustParse("b@x/other"))
	require.True(t, ok)
	require.Equal(t, "thirdwitch", nick)
	require.Equal(t, "thirdwitch", r.State().Affiliations[1].Nick)

	// Registered: <registered/> and the nick (§7.10 MUST, XEP-0077).
	h.expect(regIQ("b@x/2", "g2", "get", ""),
		`<iq from='r@muc.example' to='b@x/2' id='g2' type='result'><query xmlns='jabber:iq:register'><registered/><username>thirdwitch</username></query></iq>`)
	// §7.12: the reserved nick through disco, to occupants and others.
	h.expect(`<iq from='b@x/1' to='r@muc.example' id='n1' type='get'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/></iq>`,
		`<iq from='r@muc.example' to='b@x/1' id='n1' type='result'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'><identity category='conference' name='thirdwitch' type='text'/></query></iq>`)
	h.expect(`<iq from='c@x/1' to='r@muc.example' id='n2' type='get'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/></iq>`,
		`<iq from='r@muc.example' to='c@x/1' id='n2' type='result'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'></query></iq>`)

	// §7.10: a reserved nick is a conflict for anyone else: registering,
	// entering (§7.12) or changing nick (§7.6).
	h.expect(regIQ("c@x/1", "s2", "set", regForm("thirdwitch")),
		iqErr("c@x/1", "s2", `<query xmlns='jabber:iq:register'>`+regForm("thirdwitch")+`</query>`, "cancel", "conflict"))
	h.expect(regIQ("c@x/1", "s3", "set", regForm("A")), // in use by A
		iqErr("c@x/1", "s3", `<query xmlns='jabber:iq:register'>`+regForm("A")+`</query>`, "cancel", "conflict"))
	lines := h.join("c@x/1", roomJID+"/thirdwitch")
	require.Len(t, lines, 1)
	require.Contains(t, lines[0], "<conflict ")
	h.join("c@x/1", roomJID+"/C")
	lines = h.do(`<presence from='c@x/1' to='r@muc.example/thirdwitch'/>`)
	require.Len(t, lines, 1)
	require.Contains(t, lines[0], "<conflict ")
	// The owner of the nick may use it.
	h.do(`<presence from='b@x/1' to='r@muc.example/thirdwitch'/>`)
	_, ok = r.Occupant("thirdwitch")
	require.True(t, ok)

	// Registering again changes the nick (XEP-0077 §3.2); nothing else.
	h.expect(regIQ("b@x/1", "s4", "set", regForm("hag")), iqResult("b@x/1", "s4"))
	require.Equal(t, []NickRegistered{{RoomJID: r.JID(), JID: stanza.MustParse("b@x"), Nick: "hag"}}, eventsOf[NickRegistered](h.out))

	// <remove/> (XEP-0077 §3.3): the nick is released, the member
	// becomes unaffiliated.
	h.expect(regIQ("b@x/1", "u1", "set", "<remove/>"),
		iqResult("b@x/1", "u1"),
		`<presence from='r@muc.example/thirdwitch' to='a@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='b@x/1' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/thirdwitch' to='c@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/thirdwitch' to='b@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x></presence>`)
	_, ok = r.RegisteredNick(stanza.MustParse("b@x"))
	require.False(t, ok)
	h.expect(regIQ("b@x/1", "u2", "set", "<remove/>"),
		iqErr("b@x/1", "u2", `<query xmlns='jabber:iq:register'><remove/></query>`, "cancel", "item-not-found|not registered"))
}

func TestRegisterBadRequests(t *testing.T) {
	h := setup2(t)
	q := func(inner string) string { return `<query xmlns='jabber:iq:register'>` + inner + `</query>` }
	for _, tc := range []struct{ inner, cond string }{
		{"", "bad-request|a muc#register form is required"},
		{`<x xmlns='jabber:x:data' type='form'/>`, "bad-request|a muc#register form is required"},
		{`<x xmlns='jabber:x:data' type='submit'/>`, "bad-request|a valid nickname is required"},
		{regForm(" "), "bad-request|a valid nickname is required"},
		{`<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:other</value></field></x>`, "bad-request|unexpected FORM_TYPE"},
	} {
		h.expect(regIQ("b@x/1", "x", "set", tc.inner), canon(t, iqErr("b@x/1", "x", q(tc.inner), "modify", tc.cond)))
	}
	// A cancelled form: nothing happens.
	h.expect(regIQ("b@x/1", "c", "set", `<x xmlns='jabber:x:data' type='cancel'/>`), iqResult("b@x/1", "c"))
	require.Empty(t, h.out.Events)
}

func TestRegisterPolicies(t *testing.T) {
	for _, tc := range []struct {
		policy Registration
		want   string
	}{
		{RegistrationClosed, "not-allowed"},
		{RegistrationNone, "service-unavailable"},
	} {
		cfg := DefaultConfig()
		cfg.Registration = tc.policy
		h := setup2(t, func(o *ServiceOptions) { o.RoomDefaults = &cfg })
		for _, typ := range []string{"get", "set"} {
			h.expect(regIQ("b@x/1", "p", typ, ""), iqErr("b@x/1", "p", `<query xmlns='jabber:iq:register'/>`, "cancel", tc.want))
		}
		require.Equal(t, tc.policy != RegistrationNone, contains(h.room(roomJID).Features(), nsRegister))
	}
	// Outcasts may not register (§7.10 not-allowed); nor may anyone ask
	// a room that is still locked (it does not exist yet, §7.10).
	h := setup2(t)
	h.do(adminIQ("a@x/1", "ban", "set", `<item affiliation='outcast' jid='z@x'/>`))
	h.expect(regIQ("z@x/1", "o", "get", ""), iqErr("z@x/1", "o", `<query xmlns='jabber:iq:register'/>`, "cancel", "not-allowed"))
	h.join("o@x/1", "new@muc.example/O")
	h.expect(`<iq from='z@x/1' to='new@muc.example' id='l' type='get'><query xmlns='jabber:iq:register'/></iq>`,
		`<iq from='new@muc.example' to='z@x/1' id='l' type='error'><query xmlns='jabber:iq:register'/><error type='cancel' by='new@muc.example'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`)
}

func TestRegisterModeratedNeedsApproval(t *testing.T) {
	h := setupVoice(t)
	// RegistrationAuto in a moderated room: membership would give the
	// visitor voice, so an admin decides.
	lines := h.do(regIQ("c@x/1", "s", "set", regForm("cee")))
	require.Len(t, lines, 2)
	require.Equal(t, iqResult("c@x/1", "s"), lines[0])
	require.Contains(t, lines[1], `<title>Registration request</title>`)
	o, _ := h.room(roomJID).Occupant("C")
	require.Equal(t, stanza.RoleVisitor, o.Role)
	// Owners register at once, whatever the policy.
	h.expect(regIQ("a@x/1", "s", "set", regForm("boss")), iqResult("a@x/1", "s"))
	nick, _ := h.room(roomJID).RegisteredNick(stanza.MustParse("a@x"))
	require.Equal(t, "boss", nick)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestRegisterApproval(t *testing.T) {
	h := setup2(t)
	r := h.room(roomJID)
	h.do(adminIQ("a@x/1", "adm", "set", `<item affiliation='admin' jid='ad@x'/>`))
	h.configure(roomJID, "a@x/1", fMembersOnly, "1") // B leaves (322)
	// §9.9: in a members-only room (RegistrationAuto) the request waits
	// for an admin; the user is told it was received, the owners and
	// admins get the approval form (one id for all).
	h.expect(regIQ("z@x/1", "s", "set", regForm("zed")),
		iqResult("z@x/1", "s"),
		`<message from='r@muc.example' to='a@x' id='id5'><x xmlns='jabber:x:data' type='form'><title>Registration request</title><instructions>To approve this registration request, select the "Allow this person to register with the room?" checkbox and click OK. To skip this request, click the cancel button.</instructions><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#register</value></field><field var='muc#register_roomnick' type='text-single' label='Desired Nickname'><value>zed</value></field><field var='muc#jid' type='jid-single' label='User ID'><value>z@x</value></field><field var='muc#register_allow' type='boolean' label='Allow this person to register with the room?'><value>0</value></field></x></message>`,
		`<message from='r@muc.example' to='ad@x' id='id5'><x xmlns='jabber:x:data' type='form'><title>Registration request</title><instructions>To approve this registration request, select the "Allow this person to register with the room?" checkbox and click OK. To skip this request, click the cancel button.</instructions><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#register</value></field><field var='muc#register_roomnick' type='text-single' label='Desired Nickname'><value>zed</value></field><field var='muc#jid' type='jid-single' label='User ID'><value>z@x</value></field><field var='muc#register_allow' type='boolean' label='Allow this person to register with the room?'><value>0</value></field></x></message>`)
	require.Empty(t, h.out.Events)
	require.Equal(t, stanza.AffiliationNone, r.Affiliation(stanza.MustParse("z@x")))
	// The pending nick is taken for others.
	lines := h.do(regIQ("y@x/1", "s", "set", regForm("zed")))
	require.Contains(t, lines[0], "<conflict ")

	decide := func(from, jid, allow string) string {
		return `<message from='` + from + `' to='r@muc.example' id='ok'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field><field var='muc#jid'><value>` + jid + `</value></field><field var='muc#register_allow'><value>` + allow + `</value></field></x></message>`
	}
	errOf := func(from, jid, allow, typ, cond string) string {
		x := `<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field><field var='muc#jid'><value>` + jid + `</value></field><field var='muc#register_allow'><value>` + allow + `</value></field></x>`
		return msgErr(from, "ok", x, typ, cond)
	}
	// Only admins and owners decide (the decision need not come from an
	// occupant: admins are not in the room here).
	h.expect(decide("z@x/1", "z@x", "1"), errOf("z@x/1", "z@x", "1", "auth", "forbidden|only admins decide on registrations"))
	h.expect(decide("ad@x/9", "q@x", "1"), errOf("ad@x/9", "q@x", "1", "cancel", "item-not-found|no such registration request"))
	h.expect(decide("ad@x/9", "z@x", "maybe"), errOf("ad@x/9", "z@x", "maybe", "modify", "bad-request|bad value for muc#register_allow"))
	h.expect(decide("ad@x/9", "", "1"), canon(t, errOf("ad@x/9", "", "1", "modify", "bad-request|bad value for muc#jid")))
	// Approved: registered and a member, by the admin; the occupant (A)
	// is told (§9.3).
	h.expect(decide("ad@x/9", "z@x/any", "true"),
		`<message from='r@muc.example' to='a@x/1' id='id6'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' jid='z@x' role='none'/></x></message>`)
	require.Equal(t, stanza.AffiliationMember, r.Affiliation(stanza.MustParse("z@x")))
	nick, _ := r.RegisteredNick(stanza.MustParse("z@x"))
	require.Equal(t, "zed", nick)
	aff := eventsOf[AffiliationChanged](h.out)
	require.Len(t, aff, 1)
	require.Equal(t, stanza.MustParse("ad@x/9"), aff[0].Actor)
	// Denied: dropped.
	h.do(regIQ("w@x/1", "s", "set", regForm("dub")))
	h.expect(decide("a@x/1", "w@x", "0"))
	h.expect(decide("a@x/1", "w@x", "1"), errOf("a@x/1", "w@x", "1", "cancel", "item-not-found|no such registration request"))
	// Taken meanwhile: conflict for the admin.
	h.do(regIQ("v@x/1", "s", "set", regForm("vee")))
	lines = h.do(regIQ("a@x/1", "s", "set", regForm("vee"))) // pending for v
	require.Contains(t, lines[0], "<conflict ")
	h.do(`<presence from='a@x/1' to='r@muc.example/vee'/>`) // A takes it as a nick
	h.expect(decide("a@x/1", "v@x", "1"), errOf("a@x/1", "v@x", "1", "cancel", "conflict|the nickname is taken"))
	require.Equal(t, stanza.AffiliationNone, r.Affiliation(stanza.MustParse("v@x")))
}
