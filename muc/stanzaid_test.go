package muc

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

func TestStanzaID(t *testing.T) {
	h := setup2(t)
	// XEP-0359 §5: a stanza-id claiming to be by the room is removed
	// (also an unreadable one); others' and the origin-id stay; the
	// room's own goes last, the same in every copy and in the history.
	in := `<message from='b@x/1' to='r@muc.example' id='m' type='groupchat'><body>x</body>` +
		`<stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='r@muc.example'/>` +
		`<stanza-id xmlns='urn:xmpp:sid:0' id='forged2' by='R@MUC.EXAMPLE'/>` +
		`<stanza-id xmlns='urn:xmpp:sid:0' id='theirs' by='b@x'/>` +
		`<stanza-id xmlns='urn:xmpp:sid:0' id='broken' by='@@'/>` +
		`<origin-id xmlns='urn:xmpp:sid:0' id='o'/></message>`
	kept := `<body>x</body><stanza-id xmlns='urn:xmpp:sid:0' id='theirs' by='b@x'/><stanza-id xmlns='urn:xmpp:sid:0' id='broken' by='@@'/><origin-id xmlns='urn:xmpp:sid:0' id='o'/><stanza-id xmlns='urn:xmpp:sid:0' id='id3' by='r@muc.example'/>`
	h.expect(in,
		`<message from='r@muc.example/B' to='a@x/1' id='m' type='groupchat'>`+kept+`</message>`,
		`<message from='r@muc.example/B' to='b@x/1' id='m' type='groupchat'>`+kept+`</message>`)
	hist := h.room(roomJID).History()
	require.Len(t, hist, 1)
	require.Equal(t, []stanza.StanzaID{{ID: "theirs", By: stanza.MustParse("b@x")}, {ID: "id3", By: stanza.MustParse("r@muc.example")}},
		stanza.StanzaIDs(&stanza.Message{Children: hist[0].Payload}))
	// Subject changes are reflected groupchat messages too; private
	// messages get no stanza-id of the room's, and lose forged ones.
	lines := h.do(`<message from='b@x/1' to='r@muc.example' id='s' type='groupchat'><subject>S</subject><stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='r@muc.example'/></message>`)
	require.Equal(t, `<message from='r@muc.example/B' to='a@x/1' id='s' type='groupchat'><subject>S</subject><stanza-id xmlns='urn:xmpp:sid:0' id='id4' by='r@muc.example'/></message>`, lines[0])
	h.expect(`<message from='b@x/1' to='r@muc.example/A' id='pm' type='chat'><body>p</body><stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='r@muc.example'/><stanza-id xmlns='urn:xmpp:sid:0' id='acct' by='b@x'/></message>`,
		`<message from='r@muc.example/B' to='a@x/1' id='pm' type='chat'><body>p</body><stanza-id xmlns='urn:xmpp:sid:0' id='acct' by='b@x'/><x xmlns='http://jabber.org/protocol/muc#user'/></message>`)
	// Disco advertises it.
	require.Contains(t, h.room(roomJID).Features(), stanza.NSSID)
}
