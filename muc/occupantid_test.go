package muc

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func withKey(o *ServiceOptions) { o.OccupantIDKey = testKey }

func oidOf(room, user string) string {
	return `<occupant-id xmlns='urn:xmpp:occupant-id:0' id='` + occupantID(testKey, stanza.MustParse(room), stanza.MustParse(user)) + `'/>`
}

func TestOccupantIDs(t *testing.T) {
	h := setup2(t, withKey)
	oa, ob := oidOf(roomJID, "a@x"), oidOf(roomJID, "b@x")
	// XEP-0421 §3.1: every presence from an occupant carries its id (a
	// forged one from the client is replaced, §5).
	h.expect(`<presence from='c@x/1' to='r@muc.example/C'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x><occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/><show>away</show></presence>`,
		`<presence from='r@muc.example/A' to='c@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x>`+oa+`</presence>`,
		`<presence from='r@muc.example/B' to='c@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x>`+ob+`</presence>`,
		`<presence from='r@muc.example/C' to='a@x/1'><show>away</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='c@x/1' role='participant'/></x>`+oidOf(roomJID, "c@x")+`</presence>`,
		`<presence from='r@muc.example/C' to='b@x/1'><show>away</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x>`+oidOf(roomJID, "c@x")+`</presence>`,
		`<presence from='r@muc.example/C' to='c@x/1'><show>away</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x>`+oidOf(roomJID, "c@x")+`</presence>`,
		`<message from='r@muc.example' to='c@x/1' id='id3' type='groupchat'><subject></subject></message>`)
	// §3.2: and every groupchat message, history included.
	h.expect(`<message from='b@x/1' to='r@muc.example' id='m' type='groupchat'><body>hi</body><occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/></message>`,
		`<message from='r@muc.example/B' to='a@x/1' id='m' type='groupchat'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='id4' by='r@muc.example'/>`+ob+`</message>`,
		`<message from='r@muc.example/B' to='b@x/1' id='m' type='groupchat'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='id4' by='r@muc.example'/>`+ob+`</message>`,
		`<message from='r@muc.example/B' to='c@x/1' id='m' type='groupchat'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='id4' by='r@muc.example'/>`+ob+`</message>`)
	require.Contains(t, string(h.room(roomJID).History()[0].Payload[2].XML), "occupant-id")
	// Private messages and subject changes too.
	h.expect(`<message from='b@x/1' to='r@muc.example/A' id='pm' type='chat'><body>psst</body><occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/></message>`,
		`<message from='r@muc.example/B' to='a@x/1' id='pm' type='chat'><body>psst</body><x xmlns='http://jabber.org/protocol/muc#user'/>`+ob+`</message>`)
	lines := h.do(`<message from='b@x/1' to='r@muc.example' id='s' type='groupchat'><subject>T</subject></message>`)
	require.Len(t, lines, 3)
	for _, l := range lines {
		require.True(t, strings.HasSuffix(l, `<subject>T</subject><stanza-id xmlns='urn:xmpp:sid:0' id='id5' by='r@muc.example'/>`+ob+`</message>`), l)
	}
	// The subject replayed on entry keeps the id of who set it.
	lines = h.join("d@x/1", roomJID+"/D")
	require.True(t, strings.HasSuffix(lines[len(lines)-1], `<subject>T</subject><stanza-id xmlns='urn:xmpp:sid:0' id='id5' by='r@muc.example'/><delay xmlns='urn:xmpp:delay' from='r@muc.example' stamp='2026-03-04T05:06:07Z'/>`+ob+`</message>`), lines[len(lines)-1])
	h.do(`<presence from='d@x/1' to='r@muc.example/D' type='unavailable'/>`)
	// Unavailable presence as well.
	lines = h.do(`<presence from='c@x/1' to='r@muc.example/C' type='unavailable'/>`)
	require.Len(t, lines, 3)
	for _, l := range lines {
		require.Contains(t, l, oidOf(roomJID, "c@x"))
	}
	// §5.1: stable for the bare JID (another resource, another nick),
	// different in another room.
	h.join("c@x/other", roomJID+"/Cee")
	require.Contains(t, h.out.Stanzas[len(h.out.Stanzas)-2].(*stanza.Presence).String(), oidOf(roomJID, "c@x"))
	require.NotEqual(t, oidOf(roomJID, "c@x"), oidOf("s@muc.example", "c@x"))
	require.NotEqual(t, oidOf(roomJID, "c@x"), oidOf(roomJID, "d@x"))
	require.Contains(t, h.room(roomJID).Features(), nsOccupantID)
	// Kicks carry it.
	lines = h.do(adminIQ("a@x/1", "k", "set", `<item nick='Cee' role='none'/>`))
	require.Contains(t, lines[0], oidOf(roomJID, "c@x"))
	// Destruction too.
	lines = h.do(ownerIQ("a@x/1", "d", "set", `<destroy/>`))
	require.Contains(t, lines[0], oa)
	require.Contains(t, lines[1], ob)
}

func TestOccupantIDsOff(t *testing.T) {
	h := setup2(t)
	// Without a key: no ids, and clients' forged ones are still dropped.
	h.expect(`<message from='b@x/1' to='r@muc.example' id='m' type='groupchat'><body>hi</body><occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/></message>`,
		`<message from='r@muc.example/B' to='a@x/1' id='m' type='groupchat'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='id3' by='r@muc.example'/></message>`,
		`<message from='r@muc.example/B' to='b@x/1' id='m' type='groupchat'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='id3' by='r@muc.example'/></message>`)
	require.NotContains(t, h.room(roomJID).Features(), nsOccupantID)
}
