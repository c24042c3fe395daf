package stanza

import (
	"encoding/xml"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodePayload decodes the first child of the stanza in with Find into v.
func decodePayload(t *testing.T, in, space, local string, v any) Stanza {
	t.Helper()
	s, err := Decode([]byte(in))
	require.NoError(t, err)
	ok, err := Find(s, space, local, v)
	require.NoError(t, err)
	require.True(t, ok, "no <%s xmlns=%q>", local, space)
	return s
}

// elementer is a payload type with an Element method that cannot fail.
type elementer interface{ Element() Element }

// golden checks that v encodes to want, and that want is canonical; for a
// payload type with an Element method, that it gives the same.
func golden(t *testing.T, v any, want string) Element {
	t.Helper()
	e, err := NewElement(v)
	require.NoError(t, err)
	assert.Equal(t, want, e.String())
	pv := reflect.New(reflect.TypeOf(v)) // *T has the methods of T too
	pv.Elem().Set(reflect.ValueOf(v))
	if b, ok := pv.Interface().(elementer); ok {
		assert.Equal(t, e, b.Element())
	}
	p, err := ParseElement([]byte(want))
	require.NoError(t, err)
	assert.Equal(t, e, p)
	return e
}

func TestMUCJoin(t *testing.T) {
	// XEP-0045 Example 37 style join with history limits and a password.
	in := `<presence from='hag66@shakespeare.lit/pda' id='n13mt3l9' to='coven@chat.shakespeare.lit/thirdwitch'>
  <x xmlns='http://jabber.org/protocol/muc'>
    <history maxchars='65000' maxstanzas='20' seconds='180' since='1970-01-01T00:00:00Z'/>
    <password>cauldronburn</password>
  </x>
</presence>`
	var m MUC
	decodePayload(t, in, NSMUC, "x", &m)
	require.NotNil(t, m.History)
	assert.Equal(t, 65000, *m.History.MaxChars)
	assert.Equal(t, 20, *m.History.MaxStanzas)
	assert.Equal(t, 180, *m.History.Seconds)
	assert.Equal(t, "cauldronburn", m.Password)
	since, ok, err := m.History.SinceTime()
	require.NoError(t, err)
	assert.True(t, ok)
	assert.True(t, since.Equal(time.Unix(0, 0)))
	assert.Equal(t, time.UTC, since.Location())

	golden(t, m, `<x xmlns='http://jabber.org/protocol/muc'><history maxchars='65000' maxstanzas='20' seconds='180' since='1970-01-01T00:00:00Z'/><password>cauldronburn</password></x>`)
	golden(t, MUC{}, `<x xmlns='http://jabber.org/protocol/muc'/>`)
	golden(t, MUC{History: &History{MaxStanzas: ptr(0)}}, `<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x>`)

	// An empty muc <x/>: no history element at all.
	var empty MUC
	decodePayload(t, `<presence><x xmlns='http://jabber.org/protocol/muc'/></presence>`, NSMUC, "x", &empty)
	assert.Nil(t, empty.History)
	_, ok, err = empty.History.SinceTime()
	assert.False(t, ok)
	assert.NoError(t, err)

	for _, tt := range []struct {
		since string
		want  time.Time
		ok    bool
		err   bool
	}{
		{since: "", ok: false},
		{since: "2002-09-10T23:08:25Z", want: time.Date(2002, 9, 10, 23, 8, 25, 0, time.UTC), ok: true},
		{since: "2002-09-10T23:08:25.123+02:00", want: time.Date(2002, 9, 10, 21, 8, 25, 123e6, time.UTC), ok: true},
		{since: "20020910T23:08:25", want: time.Date(2002, 9, 10, 23, 8, 25, 0, time.UTC), ok: true},
		{since: "yesterday", ok: true, err: true},
	} {
		h := &History{Since: tt.since}
		got, ok, err := h.SinceTime()
		assert.Equal(t, tt.ok, ok, tt.since)
		assert.Equal(t, tt.err, err != nil, tt.since)
		assert.True(t, tt.want.Equal(got), "%s: %v", tt.since, got)
	}

	// A muc x with bad numbers is an error from Find.
	s, err := Decode([]byte(`<presence><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='many'/></x></presence>`))
	require.NoError(t, err)
	found, err := Find(s, NSMUC, "x", &MUC{})
	assert.True(t, found)
	assert.Error(t, err)
	found, err = Find(s, NSMUCUser, "x", &MUCUser{})
	assert.False(t, found)
	assert.NoError(t, err)
}

func TestMUCUser(t *testing.T) {
	in := `<presence from='coven@chat.shakespeare.lit/thirdwitch' to='hag66@shakespeare.lit/pda' type='unavailable'>
  <x xmlns='http://jabber.org/protocol/muc#user'>
    <item affiliation='outcast' jid='hag66@shakespeare.lit/pda' nick='thirdwitch' role='none'>
      <actor jid='crone1@shakespeare.lit/desktop' nick='crone'/>
      <reason>Treason</reason>
    </item>
    <status code='110'/>
    <status code='301'/>
  </x>
</presence>`
	var u MUCUser
	decodePayload(t, in, NSMUCUser, "x", &u)
	require.Len(t, u.Items, 1)
	it := u.Items[0]
	assert.Equal(t, AffiliationOutcast, it.Affiliation)
	assert.Equal(t, RoleNone, it.Role)
	assert.Equal(t, "hag66@shakespeare.lit/pda", it.JID.String())
	assert.Equal(t, "thirdwitch", it.Nick)
	require.NotNil(t, it.Actor)
	assert.Equal(t, "crone", it.Actor.Nick)
	assert.Equal(t, "crone1@shakespeare.lit/desktop", it.Actor.JID.String())
	assert.Equal(t, "Treason", it.Reason)
	assert.True(t, u.HasStatus(110))
	assert.True(t, u.HasStatus(301))
	assert.False(t, u.HasStatus(100))
	golden(t, u, `<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='outcast' jid='hag66@shakespeare.lit/pda' nick='thirdwitch' role='none'>`+
		`<actor jid='crone1@shakespeare.lit/desktop' nick='crone'/><reason>Treason</reason></item><status code='110'/><status code='301'/></x>`)

	// Destroy (XEP-0045 §10.9).
	var d MUCUser
	decodePayload(t, `<presence type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'>
  <item affiliation='none' role='none'/>
  <destroy jid='coven@chat.shakespeare.lit'><reason>Macbeth doth come.</reason></destroy></x></presence>`, NSMUCUser, "x", &d)
	require.NotNil(t, d.Destroy)
	assert.Equal(t, "coven@chat.shakespeare.lit", d.Destroy.JID.String())
	assert.Equal(t, "Macbeth doth come.", d.Destroy.Reason)
	golden(t, d, `<x xmlns='http://jabber.org/protocol/muc#user'><destroy jid='coven@chat.shakespeare.lit'><reason>Macbeth doth come.</reason></destroy>`+
		`<item affiliation='none' role='none'/></x>`)

	// Mediated invitation and decline (XEP-0045 §7.8.2).
	var inv MUCUser
	decodePayload(t, `<message from='crone1@shakespeare.lit/desktop' id='nzd143v8' to='coven@chat.shakespeare.lit'>
  <x xmlns='http://jabber.org/protocol/muc#user'>
    <invite to='hecate@shakespeare.lit'><reason>Hey Hecate, this is the place for all good witches!</reason><continue thread='e0ffe42b28561960c6b12b944a092794b9683a38'/></invite>
    <password>cauldronburn</password>
  </x></message>`, NSMUCUser, "x", &inv)
	require.Len(t, inv.Invites, 1)
	assert.Equal(t, "hecate@shakespeare.lit", inv.Invites[0].To.String())
	assert.Nil(t, inv.Invites[0].From)
	assert.Equal(t, "e0ffe42b28561960c6b12b944a092794b9683a38", inv.Invites[0].Continue.Thread)
	assert.Equal(t, "cauldronburn", inv.Password)
	relayed := MUCUser{Invites: []Invite{{From: ptr(MustParse("crone1@shakespeare.lit/desktop")), Reason: "Hey"}}, Password: "cauldronburn"}
	golden(t, relayed, `<x xmlns='http://jabber.org/protocol/muc#user'><invite from='crone1@shakespeare.lit/desktop'><reason>Hey</reason></invite><password>cauldronburn</password></x>`)

	var dec MUCUser
	decodePayload(t, `<message><x xmlns='http://jabber.org/protocol/muc#user'><decline to='crone1@shakespeare.lit'><reason>Sorry, I'm too busy right now.</reason></decline></x></message>`, NSMUCUser, "x", &dec)
	require.NotNil(t, dec.Decline)
	assert.Equal(t, "crone1@shakespeare.lit", dec.Decline.To.String())
	assert.Equal(t, "Sorry, I'm too busy right now.", dec.Decline.Reason)
	golden(t, dec, `<x xmlns='http://jabber.org/protocol/muc#user'><decline to='crone1@shakespeare.lit'><reason>Sorry, I'm too busy right now.</reason></decline></x>`)

	// Self-presence on entering: statuses only.
	golden(t, MUCUser{Items: []Item{{Affiliation: AffiliationOwner, Role: RoleModerator}}, Statuses: []Status{{110}, {201}}},
		`<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/><status code='110'/><status code='201'/></x>`)

	// Bad JIDs and bad codes inside are errors, not panics.
	for _, bad := range []string{
		`<presence><x xmlns='http://jabber.org/protocol/muc#user'><item jid='a@b/'/></x></presence>`,
		`<presence><x xmlns='http://jabber.org/protocol/muc#user'><status code='x'/></x></presence>`,
		`<presence><x xmlns='http://jabber.org/protocol/muc#user'><item><actor jid='@'/></item></x></presence>`,
	} {
		s, err := Decode([]byte(bad))
		require.NoError(t, err)
		_, err = Find(s, NSMUCUser, "x", &MUCUser{})
		assert.Error(t, err, bad)
	}
}

func TestAffiliationRole(t *testing.T) {
	for _, a := range []Affiliation{AffiliationOwner, AffiliationAdmin, AffiliationMember, AffiliationNone, AffiliationOutcast} {
		assert.True(t, a.Valid(), a)
	}
	assert.False(t, Affiliation("").Valid())
	assert.False(t, Affiliation("Owner").Valid())
	for _, r := range []Role{RoleModerator, RoleParticipant, RoleVisitor, RoleNone} {
		assert.True(t, r.Valid(), r)
	}
	assert.False(t, Role("").Valid())
	assert.False(t, Role("admin").Valid())
}

func TestMUCAdmin(t *testing.T) {
	in := `<iq from='fluellen@shakespeare.lit/pda' id='kick1' to='harfleur@chat.shakespeare.lit' type='set'>
  <query xmlns='http://jabber.org/protocol/muc#admin'>
    <item nick='pistol' role='none'><reason>Avaunt, you cullion!</reason></item>
  </query>
</iq>`
	var q MUCAdmin
	s := decodePayload(t, in, NSMUCAdmin, "query", &q)
	qe, ok := s.(*IQ).Query()
	require.True(t, ok)
	assert.True(t, qe.Is(NSMUCAdmin, "query"))
	require.Len(t, q.Items, 1)
	assert.Equal(t, "pistol", q.Items[0].Nick)
	assert.Equal(t, RoleNone, q.Items[0].Role)
	assert.Equal(t, "Avaunt, you cullion!", q.Items[0].Reason)
	golden(t, q, `<query xmlns='http://jabber.org/protocol/muc#admin'><item nick='pistol' role='none'><reason>Avaunt, you cullion!</reason></item></query>`)

	// A member-list request and its result.
	golden(t, MUCAdmin{Items: []Item{{Affiliation: AffiliationMember}}}, `<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/></query>`)
	golden(t, MUCAdmin{Items: []Item{
		{Affiliation: AffiliationMember, JID: ptr(MustParse("hag66@shakespeare.lit")), Nick: "thirdwitch", Role: RoleParticipant},
		{Affiliation: AffiliationOutcast, JID: ptr(MustParse("earlofcambridge@shakespeare.lit")), Reason: "Treason"},
	}}, `<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='hag66@shakespeare.lit' nick='thirdwitch' role='participant'/>`+
		`<item affiliation='outcast' jid='earlofcambridge@shakespeare.lit'><reason>Treason</reason></item></query>`)
}

func TestMUCOwnerConfig(t *testing.T) {
	in := `<iq from='crone1@shakespeare.lit/desktop' id='create2' to='coven@chat.shakespeare.lit' type='set'>
  <query xmlns='http://jabber.org/protocol/muc#owner'>
    <x xmlns='jabber:x:data' type='submit'>
      <field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>
      <field var='muc#roomconfig_roomname'><value>A Dark Cave</value></field>
      <field var='muc#roomconfig_persistentroom'><value>1</value></field>
      <field var='muc#roomconfig_membersonly'><value>false</value></field>
      <field var='muc#roomconfig_roomadmins'><value>wiccarocks@shakespeare.lit</value><value>hecate@shakespeare.lit</value></field>
      <field var='muc#roomconfig_maxusers'/>
    </x>
  </query>
</iq>`
	var o MUCOwner
	decodePayload(t, in, NSMUCOwner, "query", &o)
	require.NotNil(t, o.Form)
	f := o.Form
	assert.Equal(t, FormSubmit, f.Type)
	assert.Equal(t, "http://jabber.org/protocol/muc#roomconfig", f.FormType())
	name, ok := f.Value("muc#roomconfig_roomname")
	assert.True(t, ok)
	assert.Equal(t, "A Dark Cave", name)
	v, _ := f.Value("muc#roomconfig_persistentroom")
	b, ok := ParseBool(v)
	assert.True(t, ok)
	assert.True(t, b)
	v, _ = f.Value("muc#roomconfig_membersonly")
	b, ok = ParseBool(v)
	assert.True(t, ok)
	assert.False(t, b)
	assert.Equal(t, []string{"wiccarocks@shakespeare.lit", "hecate@shakespeare.lit"}, f.Values("muc#roomconfig_roomadmins"))
	v, ok = f.Value("muc#roomconfig_maxusers")
	assert.True(t, ok, "a field without value is present")
	assert.Equal(t, "", v)
	_, ok = f.Value("muc#roomconfig_nosuch")
	assert.False(t, ok)
	assert.Nil(t, f.Values("muc#roomconfig_nosuch"))

	f.Set("muc#roomconfig_roomname", "Another Cave")
	f.Set("muc#roomconfig_new", "a", "b")
	name, _ = f.Value("muc#roomconfig_roomname")
	assert.Equal(t, "Another Cave", name)
	assert.Equal(t, []string{"a", "b"}, f.Values("muc#roomconfig_new"))
	fl, ok := f.Field("muc#roomconfig_new")
	require.True(t, ok)
	assert.Equal(t, "muc#roomconfig_new", fl.Var)

	golden(t, MUCOwner{Form: &Form{Type: FormSubmit}}, `<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query>`)
	golden(t, MUCOwner{}, `<query xmlns='http://jabber.org/protocol/muc#owner'/>`)
	golden(t, MUCOwner{Form: &Form{
		Type: FormToFill, Title: "Configuration for coven Room", Instructions: []string{"Complete this form."},
		Fields: []Field{
			{Var: "FORM_TYPE", Type: "hidden", Values: []string{"http://jabber.org/protocol/muc#roomconfig"}},
			{Var: "muc#roomconfig_whois", Type: "list-single", Label: "Who May Discover Real JIDs?", Desc: "d", Required: &struct{}{},
				Values: []string{"moderators"}, Options: []Option{{Label: "Moderators Only", Value: "moderators"}, {Label: "Anyone", Value: "anyone"}}},
		},
	}}, `<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='form'><title>Configuration for coven Room</title>`+
		`<instructions>Complete this form.</instructions><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roomconfig</value></field>`+
		`<field var='muc#roomconfig_whois' type='list-single' label='Who May Discover Real JIDs?'><desc>d</desc><required/><value>moderators</value>`+
		`<option label='Moderators Only'><value>moderators</value></option><option label='Anyone'><value>anyone</value></option></field></x></query>`)

	// Destroy request (XEP-0045 §10.9).
	var d MUCOwner
	decodePayload(t, `<iq type='set' id='begone'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy jid='coven@chat.shakespeare.lit'><reason>Macbeth doth come.</reason><password>pw</password></destroy></query></iq>`,
		NSMUCOwner, "query", &d)
	require.NotNil(t, d.Destroy)
	assert.Nil(t, d.Form)
	assert.Equal(t, "pw", d.Destroy.Password)
	golden(t, d, `<query xmlns='http://jabber.org/protocol/muc#owner'><destroy jid='coven@chat.shakespeare.lit'><password>pw</password><reason>Macbeth doth come.</reason></destroy></query>`)
	golden(t, MUCUser{Items: []Item{{Affiliation: AffiliationMember, Role: RoleParticipant, Actor: &Actor{Nick: "a"}, Reason: "r", Continue: &Continue{Thread: "t"}}}},
		`<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'><actor nick='a'/><continue thread='t'/><reason>r</reason></item></x>`)
}

func TestFormHelpers(t *testing.T) {
	var f Form
	assert.Equal(t, "", f.FormType())
	f.Set("FORM_TYPE", "urn:x")
	assert.Equal(t, "urn:x", f.FormType())
	f.Set("empty")
	v, ok := f.Value("empty")
	assert.True(t, ok)
	assert.Equal(t, "", v)
	for in, want := range map[string][2]bool{
		"1": {true, true}, "true": {true, true}, "0": {false, true}, "false": {false, true},
		"": {false, false}, "TRUE": {false, false}, "yes": {false, false}, " 1": {false, false},
	} {
		b, ok := ParseBool(in)
		assert.Equal(t, want, [2]bool{b, ok}, "%q", in)
	}
}

func TestDelay(t *testing.T) {
	want := Delay{From: MustParse("capulet.com"), Stamp: time.Date(2002, 9, 10, 23, 8, 25, 0, time.UTC), Reason: "Offline Storage"}
	tests := []struct {
		name string
		in   string
		want Delay
	}{
		{name: "XEP-0203", in: `<delay xmlns='urn:xmpp:delay' from='capulet.com' stamp='2002-09-10T23:08:25Z'>Offline Storage</delay>`, want: want},
		{name: "XEP-0203 with offset and fraction", in: `<delay xmlns='urn:xmpp:delay' stamp='2002-09-11T01:08:25.5+02:00'/>`,
			want: Delay{Stamp: time.Date(2002, 9, 10, 23, 8, 25, 5e8, time.UTC)}},
		{name: "XEP-0289 x in urn:xmpp:delay with legacy stamp", in: `<x xmlns="urn:xmpp:delay" from="rabbithole@rooms.wonderland.lit" stamp="20120419T16:00:44"/>`,
			want: Delay{From: MustParse("rabbithole@rooms.wonderland.lit"), Stamp: time.Date(2012, 4, 19, 16, 0, 44, 0, time.UTC)}},
		{name: "XEP-0091", in: `<x xmlns='jabber:x:delay' from='capulet.com' stamp='20020910T23:08:25'>Offline Storage</x>`, want: want},
		{name: "XEP-0091 with padding in the reason", in: "<x xmlns='jabber:x:delay' from='capulet.com' stamp='20020910T23:08:25'>\n  Offline Storage\n</x>", want: want},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseElement([]byte(tt.in))
			require.NoError(t, err)
			assert.True(t, IsDelay(e))
			d, err := ParseDelay(e)
			require.NoError(t, err)
			assert.Equal(t, tt.want, d)
			// Output is always XEP-0203 with an XEP-0082 stamp.
			out := d.Element()
			assert.True(t, out.Is(NSDelay, "delay"))
			back, err := ParseDelay(out)
			require.NoError(t, err)
			assert.Equal(t, d, back)
			p, err := ParseElement(out.XML)
			require.NoError(t, err)
			assert.Equal(t, out, p, "Delay.Element must be canonical")
		})
	}
	assert.Equal(t, `<delay xmlns='urn:xmpp:delay' from='capulet.com' stamp='2002-09-10T23:08:25Z'>Offline Storage</delay>`, want.Element().String())
	assert.Equal(t, `<delay xmlns='urn:xmpp:delay' stamp='2012-04-19T16:00:44.123Z'/>`,
		Delay{Stamp: time.Date(2012, 4, 19, 18, 0, 44, 123e6, time.FixedZone("x", 7200))}.Element().String())

	for _, bad := range []string{
		`<delay xmlns='urn:xmpp:delay'/>`,
		`<delay xmlns='urn:xmpp:delay' stamp='yesterday'/>`,
		`<delay xmlns='urn:xmpp:delay' stamp='2002-09-10T23:08:25Z' from='a@b/'/>`,
		`<x xmlns='jabber:x:delay' stamp='2002-13-10T23:08:25Z'/>`,
		`<delay xmlns='urn:other' stamp='2002-09-10T23:08:25Z'/>`,
		`<x xmlns='urn:other' stamp='2002-09-10T23:08:25Z'/>`,
	} {
		e, err := ParseElement([]byte(bad))
		require.NoError(t, err)
		_, err = ParseDelay(e)
		assert.Error(t, err, bad)
	}
	_, err := ParseDelay(Element{Name: xmlName(NSDelay, "delay"), XML: []byte("<delay")})
	assert.Error(t, err)
}

func TestFindDelay(t *testing.T) {
	legacy := `<x xmlns='jabber:x:delay' stamp='20020910T23:08:25'/>`
	fmuc := `<x xmlns='urn:xmpp:delay' stamp='20120419T16:00:44'/>`
	modern := `<delay xmlns='urn:xmpp:delay' stamp='2010-07-10T23:08:25Z'/>`
	tests := []struct {
		name  string
		kids  string
		want  time.Time
		found bool
	}{
		{name: "none", kids: `<body>x</body>`},
		{name: "legacy only", kids: legacy, want: time.Date(2002, 9, 10, 23, 8, 25, 0, time.UTC), found: true},
		{name: "fmuc form only", kids: fmuc, want: time.Date(2012, 4, 19, 16, 0, 44, 0, time.UTC), found: true},
		{name: "XEP-0203 preferred after legacy", kids: legacy + fmuc + modern, want: time.Date(2010, 7, 10, 23, 8, 25, 0, time.UTC), found: true},
		{name: "XEP-0203 preferred before legacy", kids: modern + legacy, want: time.Date(2010, 7, 10, 23, 8, 25, 0, time.UTC), found: true},
		{name: "first legacy form wins among legacy", kids: fmuc + legacy, want: time.Date(2012, 4, 19, 16, 0, 44, 0, time.UTC), found: true},
		{name: "unparsable", kids: `<delay xmlns='urn:xmpp:delay' stamp='bad'/>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Decode([]byte(`<message>` + tt.kids + `</message>`))
			require.NoError(t, err)
			d, ok := FindDelay(s)
			assert.Equal(t, tt.found, ok)
			assert.True(t, tt.want.Equal(d.Stamp), "%v", d.Stamp)
		})
	}
}

func TestParseFormatTime(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Time
		out  string
	}{
		{"1969-07-21T02:56:15Z", time.Date(1969, 7, 21, 2, 56, 15, 0, time.UTC), "1969-07-21T02:56:15Z"},
		{"1969-07-20T21:56:15-05:00", time.Date(1969, 7, 21, 2, 56, 15, 0, time.UTC), "1969-07-21T02:56:15Z"},
		{"1969-07-21T02:56:15.123Z", time.Date(1969, 7, 21, 2, 56, 15, 123e6, time.UTC), "1969-07-21T02:56:15.123Z"},
		{"1969-07-21T02:56:15.000Z", time.Date(1969, 7, 21, 2, 56, 15, 0, time.UTC), "1969-07-21T02:56:15Z"},
		{" 2002-09-10T23:08:25Z\n", time.Date(2002, 9, 10, 23, 8, 25, 0, time.UTC), "2002-09-10T23:08:25Z"},
		{"20020910T23:08:25", time.Date(2002, 9, 10, 23, 8, 25, 0, time.UTC), "2002-09-10T23:08:25Z"},
		{"20020910T23:08:25Z", time.Date(2002, 9, 10, 23, 8, 25, 0, time.UTC), "2002-09-10T23:08:25Z"},
		{"20020910T23:08:25.25", time.Date(2002, 9, 10, 23, 8, 25, 25e7, time.UTC), "2002-09-10T23:08:25.25Z"},
		{"20020911T01:08:25+02:00", time.Date(2002, 9, 10, 23, 8, 25, 0, time.UTC), "2002-09-10T23:08:25Z"},
	} {
		got, err := ParseTime(tt.in)
		require.NoError(t, err, tt.in)
		assert.True(t, tt.want.Equal(got), "%q: %v", tt.in, got)
		assert.Equal(t, time.UTC, got.Location())
		assert.Equal(t, tt.out, FormatTime(got))
	}
	for _, bad := range []string{"", "x", "2002-09-10", "23:08:25", "2002-09-10 23:08:25Z", "2002-09-10T25:08:25Z", "20020910", "2002-09-10T23:08:25"} {
		_, err := ParseTime(bad)
		assert.Error(t, err, "%q", bad)
	}
}

func TestStanzaIDs(t *testing.T) {
	room := MustParse("coven@chat.shakespeare.lit")
	sid := StanzaID{ID: "5f3dbc5e-e1d3-4077-a492-693f3769c7ad", By: room}
	assert.Equal(t, `<stanza-id xmlns='urn:xmpp:sid:0' id='5f3dbc5e-e1d3-4077-a492-693f3769c7ad' by='coven@chat.shakespeare.lit'/>`, sid.Element().String())
	assert.Equal(t, `<origin-id xmlns='urn:xmpp:sid:0' id='de305d54-75b4-431b-adb2-eb6b9e546013'/>`, OriginIDElement("de305d54-75b4-431b-adb2-eb6b9e546013").String())
	for _, e := range []Element{sid.Element(), OriginIDElement("x")} {
		p, err := ParseElement(e.XML)
		require.NoError(t, err)
		assert.Equal(t, e, p)
	}

	in := `<message from='hag66@shakespeare.lit/pda' to='coven@chat.shakespeare.lit' type='groupchat' id='m1'><body>b</body>` +
		`<stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='coven@chat.shakespeare.lit'/>` +
		`<stanza-id xmlns='urn:xmpp:sid:0' id='srv1' by='hag66@shakespeare.lit'/>` +
		`<stanza-id xmlns='urn:xmpp:sid:0' id='' by='x@y'/>` +
		`<stanza-id xmlns='urn:xmpp:sid:0' id='nobody' by='@'/>` +
		`<stanza-id xmlns='urn:xmpp:sid:0' id='forged2' by='COVEN@chat.shakespeare.lit.'/>` +
		`<origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>`
	s, err := Decode([]byte(in))
	require.NoError(t, err)
	assert.Equal(t, []StanzaID{
		{ID: "forged", By: room},
		{ID: "srv1", By: MustParse("hag66@shakespeare.lit")},
		{ID: "forged2", By: room},
	}, StanzaIDs(s))
	o, ok := OriginID(s)
	assert.True(t, ok)
	assert.Equal(t, "o1", o)

	before := string(Encode(s))
	kept := WithoutStanzaIDsBy(s.Payload(), room)
	assert.Equal(t, before, string(Encode(s)), "the payload given must not change")
	m := &Message{Children: append(kept, sid.Element())}
	ids := StanzaIDs(m)
	assert.Equal(t, []StanzaID{{ID: "srv1", By: MustParse("hag66@shakespeare.lit")}, sid}, ids)
	assert.Len(t, kept, 5, "body, foreign stanza-ids (valid or not), origin-id stay")
	kept[0] = TextElement("x", "")
	assert.Equal(t, before, string(Encode(s)))

	_, ok = OriginID(&Message{})
	assert.False(t, ok)
	_, ok = OriginID(&Message{Children: []Element{OriginIDElement("")}})
	assert.False(t, ok)
	assert.Empty(t, StanzaIDs(&Message{}))
}

func TestFMUC(t *testing.T) {
	join := `<presence from='elsinore@talk.denmark.lit/Hamlet' to='rabbithole@rooms.wonderland.lit/Hamlet'>
<fmuc xmlns='http://isode.com/protocol/fmuc' from='hamlet@denmark.lit/priam-ubuntu-vm'/>
<x xmlns="http://jabber.org/protocol/muc"/>
<x xmlns="http://jabber.org/protocol/muc#user">
<item affiliation="none" role="participant" jid="hamlet@denmark.lit/priam-ubuntu-vm"/>
</x>
</presence>`
	s, err := Decode([]byte(join))
	require.NoError(t, err)
	f, ok, err := FindFMUC(s)
	require.NoError(t, err)
	require.True(t, ok)
	require.NotNil(t, f.From)
	assert.Equal(t, "hamlet@denmark.lit/priam-ubuntu-vm", f.From.String())
	assert.Nil(t, f.Reject)
	assert.Nil(t, f.Left)
	assert.Equal(t, `<fmuc xmlns='http://isode.com/protocol/fmuc' from='hamlet@denmark.lit/priam-ubuntu-vm'/>`, f.Element().String())
	var u MUCUser
	_, err = Find(s, NSMUCUser, "x", &u)
	require.NoError(t, err)
	assert.Equal(t, "hamlet@denmark.lit/priam-ubuntu-vm", u.Items[0].JID.String())

	reject := `<presence from="rabbithole@rooms.wonderland.lit" to="elsinore@talk.denmark.lit">
<fmuc xmlns="http://isode.com/protocol/fmuc">
<reject>No cross-domain federation.</reject>
</fmuc>
</presence>`
	s, err = Decode([]byte(reject))
	require.NoError(t, err)
	f, ok, err = FindFMUC(s)
	require.NoError(t, err)
	require.True(t, ok)
	require.NotNil(t, f.Reject)
	assert.Equal(t, "No cross-domain federation.", f.Reject.Text)
	assert.Nil(t, f.From)
	assert.Equal(t, `<fmuc xmlns='http://isode.com/protocol/fmuc'><reject>No cross-domain federation.</reject></fmuc>`, f.Element().String())
	assert.Equal(t, `<fmuc xmlns='http://isode.com/protocol/fmuc'><reject/></fmuc>`, FMUC{Reject: &Reject{}}.Element().String())

	left := `<presence from="rabbithole@rooms.wonderland.lit" to="elsinore@talk.denmark.lit">
<fmuc xmlns="http://isode.com/protocol/fmuc">
<left/>
</fmuc>
</presence>`
	s, err = Decode([]byte(left))
	require.NoError(t, err)
	f, ok, err = FindFMUC(s)
	require.NoError(t, err)
	require.True(t, ok)
	assert.NotNil(t, f.Left)
	assert.Equal(t, `<fmuc xmlns='http://isode.com/protocol/fmuc'><left/></fmuc>`, f.Element().String())

	_, ok, err = FindFMUC(&Presence{})
	assert.False(t, ok)
	assert.NoError(t, err)
	s, err = Decode([]byte(`<presence><fmuc xmlns='http://isode.com/protocol/fmuc' from='a@b/'/></presence>`))
	require.NoError(t, err)
	_, ok, err = FindFMUC(s)
	assert.True(t, ok)
	assert.Error(t, err)
}

// TestPayloadElementLarge: the Element methods build payloads larger than
// the decoder accepts, where NewElement (which re-parses) fails.
func TestPayloadElementLarge(t *testing.T) {
	long := strings.Repeat("a", 1000)
	var items []Item
	for i := range 400 {
		j := MustParse(long[:500] + strconv.Itoa(i) + "@" + long[:400] + ".example")
		items = append(items, Item{Affiliation: AffiliationOwner, JID: &j})
	}
	a := MUCAdmin{Items: items}
	_, err := NewElement(a)
	require.Error(t, err)
	e := a.Element()
	assert.Greater(t, len(e.XML), int(DefaultLimits.MaxSize))
	assert.Equal(t, xml.Name{Space: NSMUCAdmin, Local: "query"}, e.Name)
	var back MUCAdmin
	require.NoError(t, e.Decode(&back))
	assert.Equal(t, a.Items, back.Items)

	f := Form{Type: FormResult, Fields: []Field{{Var: "v", Values: []string{strings.Repeat("x<", 200<<10)}}}}
	_, err = NewElement(f)
	require.Error(t, err)
	var fb Form
	require.NoError(t, f.Element().Decode(&fb))
	assert.Equal(t, f.Fields[0].Values, fb.Fields[0].Values)
}

func TestWithStanzaIDsBy(t *testing.T) {
	room := MustParse("r@rooms.a.lit")
	s, err := Decode([]byte(`<message from='r@rooms.a.lit/N' to='x@b.lit'><stanza-id xmlns='urn:xmpp:sid:0' id='s1'/><stanza-id xmlns='urn:xmpp:sid:0' id='s2' by='other@rooms.c.lit'/><stanza-id xmlns="urn:xmpp:sid:0" id="s3"/><stanza-id xmlns='urn:xmpp:sid:0'/></message>`))
	require.NoError(t, err)
	p, changed := WithStanzaIDsBy(s.Payload(), room)
	require.True(t, changed)
	require.Equal(t, []StanzaID{{ID: "s1", By: room}, {ID: "s2", By: MustParse("other@rooms.c.lit")}, {ID: "s3", By: room}}, StanzaIDs(&Message{Children: p}))
	require.Len(t, p, 4, "the one without an id stays as it is")
	require.Equal(t, "<stanza-id xmlns='urn:xmpp:sid:0'/>", string(p[3].XML))
	require.Len(t, StanzaIDs(s), 1, "the payload given is not changed")

	again, changed := WithStanzaIDsBy(p, room)
	require.False(t, changed)
	require.Equal(t, p, again)
}
