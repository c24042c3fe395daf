package muc

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

func TestRoomInfoForm(t *testing.T) {
	cfg := DefaultConfig()
	cfg.LogsURL = "https://logs.example/r/"
	h := setup2(t, func(o *ServiceOptions) { o.RoomDefaults = &cfg })
	h.configure(roomJID, "a@x/1", fRoomDesc, "All good witches", fLang, "en", fChangeSubject, "0")
	h.do(`<message from='a@x/1' to='r@muc.example' type='groupchat'><subject>Spells</subject></message>`)
	// §6.4 / §16.5.4: the muc#roominfo form after the features; a
	// semi-anonymous room names no contacts.
	h.expect(`<iq from='z@x/1' to='r@muc.example' id='i' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
		`<iq from='r@muc.example' to='z@x/1' id='i' type='result'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' name='r' type='text'/>`+
			`<feature var='http://jabber.org/protocol/muc'/><feature var='http://jabber.org/protocol/muc#stable_id'/><feature var='muc_open'/><feature var='muc_unmoderated'/><feature var='muc_semianonymous'/><feature var='muc_unsecured'/><feature var='muc_temporary'/><feature var='muc_public'/>`+
			`<feature var='jabber:iq:register'/><feature var='http://jabber.org/protocol/muc#request'/><feature var='http://jabber.org/protocol/muc#self-ping-optimization'/><feature var='urn:xmpp:sid:0'/>`+
			`<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#roominfo</value></field>`+
			`<field var='muc#maxhistoryfetch' type='text-single' label='Maximum Number of History Messages Returned by Room'><value>20</value></field>`+
			`<field var='muc#roominfo_description' type='text-single' label='Short Description of Room'><value>All good witches</value></field>`+
			`<field var='muc#roominfo_lang' type='text-single' label='Natural Language for Room Discussions'><value>en</value></field>`+
			`<field var='muc#roominfo_logs' type='text-single' label='URL for Archived Discussion Logs'><value>https://logs.example/r/</value></field>`+
			`<field var='muc#roominfo_occupants' type='text-single' label='Current Number of Occupants in Room'><value>2</value></field>`+
			`<field var='muc#roominfo_subject' type='text-single' label='Current Discussion Topic'><value>Spells</value></field>`+
			`<field var='muc#roominfo_subjectmod' type='boolean' label='The room subject can be modified by participants'><value>0</value></field>`+
			`<field var='muc#roomconfig_changesubject' type='boolean' label='Subject can be modified'><value>0</value></field>`+
			`<field var='muc#roomconfig_roomname' type='text-single' label='Natural-Language Room Name'><value>r</value></field></x></query></iq>`)
	// The owners are the contacts of a non-anonymous room.
	h.configure(roomJID, "a@x/1", fWhois, "anyone")
	lines := h.do(`<iq from='z@x/1' to='r@muc.example' id='i' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`)
	require.Contains(t, lines[0], `<field var='muc#roominfo_contactjid' type='jid-multi' label='Contact Addresses (normally, room owner or owners)'><value>a@x</value></field>`)
}

func TestRoomDiscoNodes(t *testing.T) {
	h := setup2(t)
	q := func(node string) string {
		return `<iq from='z@x/1' to='r@muc.example' id='n' type='get'><query xmlns='http://jabber.org/protocol/disco#info' node='` + node + `'/></iq>`
	}
	// §18.1.1: the room discards no payload namespaces.
	h.expect(q(nodeTraffic), iqErr("z@x/1", "n", `<query xmlns='http://jabber.org/protocol/disco#info' node='http://jabber.org/protocol/muc#traffic'/>`, "cancel", "service-unavailable"))
	h.expect(q("other"), iqErr("z@x/1", "n", `<query xmlns='http://jabber.org/protocol/disco#info' node='other'/>`, "cancel", "item-not-found"))
	// §7.12 on a locked room: it does not exist for others.
	h.join("o@x/1", "new@muc.example/O")
	lines := h.do(`<iq from='z@x/1' to='new@muc.example' id='n' type='get'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/></iq>`)
	require.Contains(t, lines[0], "<item-not-found ")
}

func TestRoomItems(t *testing.T) {
	h := setup2(t)
	items := `<iq from='z@x/1' to='r@muc.example' id='it' type='get'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`
	// §6.5: private by default: an empty list.
	h.expect(items, `<iq from='r@muc.example' to='z@x/1' id='it' type='result'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`)
	// Config.ListOccupants: the occupant JIDs whose presence is public.
	cfg := DefaultConfig()
	cfg.ListOccupants = true
	h = setup2(t, func(o *ServiceOptions) { o.RoomDefaults = &cfg })
	h.expect(items, `<iq from='r@muc.example' to='z@x/1' id='it' type='result'><query xmlns='http://jabber.org/protocol/disco#items'><item jid='r@muc.example/A'/><item jid='r@muc.example/B'/></query></iq>`)
	h.configure(roomJID, "a@x/1", fPresenceBroadcast, "moderator")
	h.expect(items, `<iq from='r@muc.example' to='z@x/1' id='it' type='result'><query xmlns='http://jabber.org/protocol/disco#items'><item jid='r@muc.example/A'/></query></iq>`)
}

func TestServiceFeatures(t *testing.T) {
	q := `<iq from='z@x/1' to='muc.example' id='s' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`
	h := newHarness(t)
	require.NotContains(t, h.do(q)[0], nsOccupantID)
	// XEP-0421 §4: with a service-wide key, the service advertises it.
	h = newHarness(t, func(o *ServiceOptions) { o.OccupantIDKey = []byte("0123456789abcdef") })
	require.Equal(t, `<iq from='muc.example' to='z@x/1' id='s' type='result'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='conference' name='Chatrooms' type='text'/><feature var='http://jabber.org/protocol/disco#info'/><feature var='http://jabber.org/protocol/disco#items'/><feature var='http://jabber.org/protocol/muc'/><feature var='http://jabber.org/protocol/muc#stable_id'/><feature var='http://jabber.org/protocol/rsm'/><feature var='urn:xmpp:occupant-id:0'/></query></iq>`, h.do(q)[0])
	_, err := NewService(ServiceOptions{Domain: stanza.MustParse("muc.example"), NewID: func() string { return "" }, OccupantIDKey: []byte("short")})
	require.ErrorIs(t, err, ErrConfig)
	_, err = NewService(ServiceOptions{Domain: stanza.MustParse("muc.example"), NewID: func() string { return "" }, IQTimeout: -1})
	require.ErrorIs(t, err, ErrConfig)
}

// TestRoomInfoMaxUsers: the occupant limit is in disco#info (§6.4: any
// muc#roomconfig field), next to the occupant count.
func TestRoomInfoMaxUsers(t *testing.T) {
	h := newHarness(t, func(o *ServiceOptions) { o.Locking = LockNever })
	h.join("a@x/1", "r@muc.example/a")
	h.configure("r@muc.example", "a@x/1", "muc#roomconfig_maxusers", "10")
	lines := h.do(`<iq from='b@y/1' to='r@muc.example' id='i' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`)
	require.Len(t, lines, 1)
	require.Contains(t, lines[0], `<field var='muc#roomconfig_maxusers' type='text-single' label='Maximum Number of Occupants'><value>10</value></field>`)
	require.Contains(t, lines[0], `<field var='muc#roominfo_occupants'`)
}
