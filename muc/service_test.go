package muc

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

func TestServiceDisco(t *testing.T) {
	h := setup2(t)
	h.instant("hidden@muc.example", "a@x/1", "A")
	h.configure("hidden@muc.example", "a@x/1", fPublic, "0")
	h.join("z@x/1", "locked@muc.example/Z")
	// §6.2: the service identity and features.
	h.expect(`<iq from='b@x/1' to='muc.example' id='i' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
		`<iq from='muc.example' to='b@x/1' id='i' type='result'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' name='Chatrooms' type='text'/><feature var='http://jabber.org/protocol/disco#info'/><feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/><feature var='http://jabber.org/protocol/muc#stable_id'/><feature var='http://jabber.org/protocol/rsm'/></query></iq>`)
	// §6.3: public, unlocked rooms only.
	h.expect(`<iq from='b@x/1' to='muc.example' id='j' type='get'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`,
		`<iq from='muc.example' to='b@x/1' id='j' type='result'><query xmlns='http://jabber.org/protocol/disco#items'><item jid='r@muc.example' name='r'/></query></iq>`)
	// Unknown namespaces, nodes and stray stanzas to the service.
	h.expect(`<iq from='b@x/1' to='muc.example' id='k' type='get'><query xmlns='jabber:iq:version'/></iq>`,
		`<iq from='muc.example' to='b@x/1' id='k' type='error'><query xmlns='jabber:iq:version'/><error type='cancel' by='muc.example'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`)
	h.expect(`<iq from='b@x/1' to='muc.example' id='n' type='get'><query xmlns='http://jabber.org/protocol/disco#info' node='x'/></iq>`,
		`<iq from='muc.example' to='b@x/1' id='n' type='error'><query xmlns='http://jabber.org/protocol/disco#info' node='x'/><error type='cancel' by='muc.example'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`)
	h.expect(`<iq from='b@x/1' to='muc.example' id='s' type='set'/>`,
		`<iq from='muc.example' to='b@x/1' id='s' type='error'><error type='modify' by='muc.example'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`)
	h.expect(`<message from='b@x/1' to='muc.example' id='m'><body>hi</body></message>`,
		`<message from='muc.example' to='b@x/1' id='m' type='error'><body>hi</body><error type='cancel' by='muc.example'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	h.expect(`<iq from='b@x/1' to='muc.example' id='r' type='result'/>`)
	h.expect(`<presence from='b@x/1' to='muc.example'/>`)
	h.expect(`<message from='b@x/1' to='muc.example' type='error'/>`)
}

func TestRoomDisco(t *testing.T) {
	h := setup2(t)
	h.configure(roomJID, "a@x/1", fRoomName, "Coven", fModerated, "1", fWhois, "anyone", fPersistent, "1", fPublic, "0", fPasswordProtected, "1", fSecret, "s", fMembersOnly, "1")
	// §6.4: identity with the room name; features per configuration.
	h.expect(`<iq from='z@x/1' to='r@muc.example' id='i' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
		`<iq from='r@muc.example' to='z@x/1' id='i' type='result'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' name='Coven' type='text'/><feature var='http://jabber.org/protocol/muc'/><feature var='http://jabber.org/protocol/muc#stable_id'/><feature var='muc_membersonly'/><feature var='muc_moderated'/><feature var='muc_nonanonymous'/><feature var='muc_passwordprotected'/><feature var='muc_persistent'/><feature var='muc_hidden'/><feature var='jabber:iq:register'/><feature var='http://jabber.org/protocol/muc#request'/><feature var='http://jabber.org/protocol/muc#self-ping-optimization'/><feature var='urn:xmpp:sid:0'/><x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roominfo</value></field><field var='muc#maxhistoryfetch' type='text-single' label='Maximum Number of History Messages Returned by Room'><value>20</value></field><field var='muc#roominfo_contactjid' type='jid-multi' label='Contact Addresses (normally, room owner or owners)'><value>a@x</value></field><field var='muc#roominfo_occupants' type='text-single' label='Current Number of Occupants in Room'><value>1</value></field><field var='muc#roominfo_subjectmod' type='boolean' label='The room subject can be modified by participants'><value>1</value></field><field var='muc#roomconfig_changesubject' type='boolean' label='Subject can be modified'><value>1</value></field><field var='muc#roomconfig_roomname' type='text-single' label='Natural-Language Room Name'><value>Coven</value></field></x></query></iq>`)
	h2 := setup2(t)
	require.Equal(t, []string{"http://jabber.org/protocol/muc", "http://jabber.org/protocol/muc#stable_id", "muc_open", "muc_unmoderated", "muc_semianonymous", "muc_unsecured", "muc_temporary", "muc_public", "jabber:iq:register", "http://jabber.org/protocol/muc#request", "http://jabber.org/protocol/muc#self-ping-optimization", "urn:xmpp:sid:0"}, h2.room(roomJID).Features())
	// §6.5: items (empty, for privacy).
	h.expect(`<iq from='z@x/1' to='r@muc.example' id='j' type='get'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`,
		`<iq from='r@muc.example' to='z@x/1' id='j' type='result'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`)
	// A room that does not exist: item-not-found, and nothing created.
	h.expect(`<iq from='z@x/1' to='nope@muc.example' id='n' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
		`<iq from='nope@muc.example' to='z@x/1' id='n' type='error'><query xmlns='http://jabber.org/protocol/disco#info'/><error type='cancel' by='nope@muc.example'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`)
	h.expect(`<message from='z@x/1' to='nope@muc.example' id='n' type='groupchat'><body>x</body></message>`,
		`<message from='nope@muc.example' to='z@x/1' id='n' type='error'><body>x</body><error type='cancel' by='nope@muc.example'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	require.Len(t, h.svc.Rooms(), 1)
	// Unknown namespaces to the room: service-unavailable (RFC 6120 §8.4).
	h.expect(`<iq from='a@x/1' to='r@muc.example' id='v' type='get'><vCard xmlns='vcard-temp'/></iq>`,
		`<iq from='r@muc.example' to='a@x/1' id='v' type='error'><vCard xmlns='vcard-temp'/><error type='cancel' by='r@muc.example'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`)
	h.expect(`<iq from='a@x/1' to='r@muc.example' id='v' type='set'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
		`<iq from='r@muc.example' to='a@x/1' id='v' type='error'><query xmlns='http://jabber.org/protocol/disco#info'/><error type='modify' by='r@muc.example'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`)
	h.expect(`<iq from='a@x/1' to='r@muc.example' id='v' type='result'/>`)
}

func TestMisuse(t *testing.T) {
	h := newHarness(t)
	_, err := h.svc.Handle(t0, nil)
	require.True(t, errors.Is(err, ErrNilStanza))
	_, err = h.svc.Handle(t0, decode(t, `<message from='a@x/1' to='r@other.example'/>`))
	require.True(t, errors.Is(err, ErrWrongAddress))
	_, err = h.svc.HandleRemote(t0, stanza.JID{}, decode(t, `<message from='a@x/1' to='r@muc.example'/>`))
	require.True(t, errors.Is(err, ErrConfig))
	// No 'from': nothing to answer.
	out, err := h.svc.Handle(t0, decode(t, `<message to='r@muc.example' type='groupchat'><body>x</body></message>`))
	require.NoError(t, err)
	require.True(t, out.Empty())

	for _, o := range []ServiceOptions{
		{NewID: func() string { return "" }},
		{Domain: stanza.MustParse("a@muc.example"), NewID: func() string { return "" }},
		{Domain: stanza.MustParse("muc.example")},
		{Domain: stanza.MustParse("muc.example"), NewID: func() string { return "" }, RoomDefaults: &Config{MaxUsers: -1}},
		{Domain: stanza.MustParse("muc.example"), NewID: func() string { return "" }, RoomDefaults: &Config{HistoryLength: 500}},
		{Domain: stanza.MustParse("muc.example"), NewID: func() string { return "" }, LockTimeout: -time.Second},
		{Domain: stanza.MustParse("muc.example"), NewID: func() string { return "" }, Locking: LockNever + 1},
		{Domain: stanza.MustParse("muc.example"), NewID: func() string { return "" }, MaxHistory: -1},
	} {
		_, err := NewService(o)
		require.True(t, errors.Is(err, ErrConfig), "%+v", o)
	}
	_, err = NewRoom(stanza.MustParse("muc.example"), Config{}, Options{NewID: func() string { return "" }})
	require.True(t, errors.Is(err, ErrConfig))
	r, err := NewRoom(stanza.MustParse("r@muc.example"), Config{}, Options{NewID: func() string { return "" }})
	require.NoError(t, err)
	_, err = r.Handle(t0, decode(t, `<message from='a@x/1' to='q@muc.example'/>`))
	require.True(t, errors.Is(err, ErrWrongAddress))
	_, err = r.HandleRemote(t0, stanza.JID{}, decode(t, `<message from='a@x/1' to='r@muc.example'/>`))
	require.True(t, errors.Is(err, ErrConfig))
	_, err = r.SetAffiliation(stanza.MustParse("a@x"), "king")
	require.True(t, errors.Is(err, ErrConfig))
	for _, c := range []Config{{PasswordProtected: true}, {HistoryLength: -1}, {Whois: 7}, {AllowPM: 9}, {HidePresence: 64}} {
		require.True(t, errors.Is(c.Validate(), ErrConfig), "%+v", c)
	}
}

func TestStandaloneRoom(t *testing.T) {
	n := 0
	r, err := NewRoom(stanza.MustParse("r@muc.example"), DefaultConfig(), Options{NewID: func() string { n++; return "x" }})
	require.NoError(t, err)
	ev, err := r.SetAffiliation(stanza.MustParse("a@x/1"), stanza.AffiliationOwner)
	require.NoError(t, err)
	require.Equal(t, stanza.MustParse("a@x"), ev.JID)
	out, err := r.Handle(t0, decode(t, `<presence from='a@x/1' to='r@muc.example/A'>`+joinX+`</presence>`))
	require.NoError(t, err)
	require.Len(t, out.Stanzas, 2)
	require.Equal(t, "A", r.Occupants()[0].Nick)
	require.Equal(t, "r@muc.example/A", r.Occupants()[0].Addr().String())
	require.False(t, r.Occupants()[0].Remote())
	require.Equal(t, "r", r.Name())
	// Destroy it; further input is misuse.
	out, err = r.Handle(t0, decode(t, ownerIQ("a@x/1", "d", "set", "<destroy/>")))
	require.NoError(t, err)
	require.True(t, r.Destroyed())
	_, err = r.Handle(t0, decode(t, `<presence from='a@x/1' to='r@muc.example/A'>`+joinX+`</presence>`))
	require.True(t, errors.Is(err, ErrDestroyed))
	require.True(t, r.Tick(t0).Empty())
}

func TestLockTimeout(t *testing.T) {
	h := newHarness(t, func(o *ServiceOptions) { o.LockTimeout = time.Minute })
	require.True(t, h.svc.NextDeadline().IsZero())
	h.join("a@x/1", roomJID+"/A")
	require.Equal(t, t0.Add(time.Minute), h.svc.NextDeadline())
	require.True(t, h.svc.Tick(t0.Add(59*time.Second)).Empty())
	out := h.svc.Tick(t0.Add(time.Minute))
	require.Len(t, eventsOf[RoomUnlocked](out), 1)
	require.False(t, h.room(roomJID).Locked())
	require.True(t, h.svc.NextDeadline().IsZero())
}

func TestLockNever(t *testing.T) {
	h := newHarness(t, func(o *ServiceOptions) { o.Locking = LockNever; o.LockTimeout = time.Minute })
	// §10.1.1 instant rooms: the creator still gets 201, but the room is
	// open at once; nobody has to configure it.
	h.expect(`<presence from='a@x/1' to='r@muc.example/A' id='j1'>`+joinX+`</presence>`,
		`<presence from='r@muc.example/A' to='a@x/1' id='j1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' jid='a@x/1' role='moderator'/><status code='110'/><status code='201'/></x></presence>`,
		`<message from='r@muc.example' to='a@x/1' id='id1' type='groupchat'><subject></subject></message>`)
	require.Equal(t, []RoomCreated{{RoomJID: stanza.MustParse(roomJID), Owner: stanza.MustParse("a@x")}}, eventsOf[RoomCreated](h.out))
	require.False(t, h.room(roomJID).Locked())
	require.True(t, h.svc.NextDeadline().IsZero(), "no lock to time out")
	// Others join in the same instant, before any configuration.
	h.expect(`<presence from='b@x/1' to='r@muc.example/B' id='j2'>`+joinX+`</presence>`,
		`<presence from='r@muc.example/A' to='b@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>`,
		`<presence from='r@muc.example/B' to='a@x/1' id='j2'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='b@x/1' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/B' to='b@x/1' id='j2'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x></presence>`,
		`<message from='r@muc.example' to='b@x/1' id='id2' type='groupchat'><subject></subject></message>`)
	h.join("c@x/1", roomJID+"/C")
	require.Equal(t, 3, h.room(roomJID).Len())
	// The owner leaving does not destroy it (§10.1.3 applies to locked
	// rooms only), and rejoining is no creation: no 201.
	h.do(`<presence from='a@x/1' to='r@muc.example/A' type='unavailable'/>`)
	require.Empty(t, eventsOf[RoomDestroyed](h.out))
	lines := h.join("a@x/1", roomJID+"/A")
	require.NotContains(t, strings.Join(lines, "\n"), "201")
	// A client that submits the instant-room form anyway changes nothing.
	h.expect(`<iq from='a@x/1' to='r@muc.example' id='inst' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>`,
		iqResult("a@x/1", "inst"))
	require.Empty(t, h.out.Events)
}

func TestStateRestore(t *testing.T) {
	h := setup2(t)
	h.configure(roomJID, "a@x/1", fPersistent, "1", fRoomName, "Coven")
	h.do(adminIQ("a@x/1", "m", "set", `<item affiliation='member' jid='m@x'/><item affiliation='outcast' jid='z@x'/>`))
	h.do(`<message from='b@x/1' to='r@muc.example' id='s' type='groupchat'><subject>topic</subject></message>`)
	h.do(`<message from='b@x/1' to='r@muc.example' id='m1' type='groupchat'><body>one</body></message>`)
	st := h.room(roomJID).State()
	require.Equal(t, []AffiliationEntry{
		{JID: stanza.MustParse("a@x"), Affiliation: stanza.AffiliationOwner},
		{JID: stanza.MustParse("m@x"), Affiliation: stanza.AffiliationMember},
		{JID: stanza.MustParse("z@x"), Affiliation: stanza.AffiliationOutcast},
	}, st.Affiliations)
	require.Len(t, st.History, 1)

	// A fresh service restores the room; newcomers get the same history
	// and subject as before.
	h2 := newHarness(t)
	h2.ids = h.ids
	_, err := h2.svc.Restore(st)
	require.NoError(t, err)
	require.Equal(t, st, h2.room(roomJID).State())
	got := h2.do(`<presence from='c@x/1' to='r@muc.example/C'>` + joinX + `</presence>`)
	want := h.do(`<presence from='c@x/1' to='r@muc.example/C'>` + joinX + `</presence>`)
	// The restored room is empty, so only the tail (self, history,
	// subject) is comparable.
	require.Equal(t, want[len(want)-3:], got)
	require.Len(t, h2.svc.State(), 1)

	// Bad states.
	for _, bad := range []State{
		{JID: stanza.MustParse("r@other.example")},
		{JID: stanza.MustParse("r@muc.example"), Affiliations: []AffiliationEntry{{JID: stanza.MustParse("a@x/1"), Affiliation: stanza.AffiliationOwner}}},
		{JID: stanza.MustParse("r@muc.example"), Affiliations: []AffiliationEntry{{JID: stanza.MustParse("a@x"), Affiliation: "king"}}},
		{JID: stanza.MustParse("r@muc.example"), Affiliations: []AffiliationEntry{{JID: stanza.MustParse("a@x"), Affiliation: "owner"}, {JID: stanza.MustParse("a@x"), Affiliation: "member"}}},
		{JID: stanza.MustParse("r@muc.example"), Affiliations: []AffiliationEntry{{JID: stanza.MustParse("a@x"), Nick: "n"}, {JID: stanza.MustParse("b@x"), Nick: "n"}}},
	} {
		_, err := h2.svc.Restore(bad)
		require.True(t, errors.Is(err, ErrState), "%+v", bad)
	}
}
