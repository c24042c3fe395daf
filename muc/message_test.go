package muc

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

func TestGroupchatReflection(t *testing.T) {
	h := setup2(t)
	// §7.4: reflected to everyone, the sender included, with the client's
	// id and every payload intact.
	h.expect(`<message from='b@x/1' to='r@muc.example' id='m1' type='groupchat' xml:lang='en'><body>hi &amp; bye</body><origin-id xmlns='urn:xmpp:sid:0' id='o1'/><html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'><p>hi</p></body></html></message>`,
		`<message from='r@muc.example/B' to='a@x/1' id='m1' type='groupchat' xml:lang='en'><body>hi &amp; bye</body><origin-id xmlns='urn:xmpp:sid:0' id='o1'/><html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'><p>hi</p></body></html><stanza-id xmlns='urn:xmpp:sid:0' id='id3' by='r@muc.example'/></message>`,
		`<message from='r@muc.example/B' to='b@x/1' id='m1' type='groupchat' xml:lang='en'><body>hi &amp; bye</body><origin-id xmlns='urn:xmpp:sid:0' id='o1'/><html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'><p>hi</p></body></html><stanza-id xmlns='urn:xmpp:sid:0' id='id3' by='r@muc.example'/></message>`)
	// No id: the room makes one, the same for every copy.
	h.expect(`<message from='b@x/1' to='r@muc.example' type='groupchat'><body>x</body></message>`,
		`<message from='r@muc.example/B' to='a@x/1' id='id4' type='groupchat'><body>x</body><stanza-id xmlns='urn:xmpp:sid:0' id='id5' by='r@muc.example'/></message>`,
		`<message from='r@muc.example/B' to='b@x/1' id='id4' type='groupchat'><body>x</body><stanza-id xmlns='urn:xmpp:sid:0' id='id5' by='r@muc.example'/></message>`)
	// Chat states are relayed.
	h.expect(`<message from='b@x/1' to='r@muc.example' id='cs' type='groupchat'><active xmlns='http://jabber.org/protocol/chatstates'/></message>`,
		`<message from='r@muc.example/B' to='a@x/1' id='cs' type='groupchat'><active xmlns='http://jabber.org/protocol/chatstates'/><stanza-id xmlns='urn:xmpp:sid:0' id='id6' by='r@muc.example'/></message>`,
		`<message from='r@muc.example/B' to='b@x/1' id='cs' type='groupchat'><active xmlns='http://jabber.org/protocol/chatstates'/><stanza-id xmlns='urn:xmpp:sid:0' id='id6' by='r@muc.example'/></message>`)
}

func TestGroupchatErrors(t *testing.T) {
	h := setup2(t)
	// §7.4: non-occupants get not-acceptable.
	h.expect(`<message from='c@x/1' to='r@muc.example' id='m' type='groupchat'><body>x</body></message>`,
		`<message from='r@muc.example' to='c@x/1' id='m' type='error'><body>x</body><error type='modify' by='r@muc.example'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	// Another resource of an occupant is not the occupant.
	h.expect(`<message from='b@x/2' to='r@muc.example' id='m' type='groupchat'><body>x</body></message>`,
		`<message from='r@muc.example' to='b@x/2' id='m' type='error'><body>x</body><error type='modify' by='r@muc.example'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	// §7.4: visitors in a moderated room get forbidden.
	h.configure(roomJID, "a@x/1", "muc#roomconfig_moderatedroom", "1")
	h.join("c@x/1", roomJID+"/C")
	o, _ := h.room(roomJID).Occupant("C")
	require.Equal(t, stanza.RoleVisitor, o.Role)
	h.expect(`<message from='c@x/1' to='r@muc.example' id='m' type='groupchat'><body>x</body></message>`,
		`<message from='r@muc.example' to='c@x/1' id='m' type='error'><body>x</body><error type='auth' by='r@muc.example'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	// A normal message to the bare room is refused; errors are never
	// answered.
	h.expect(`<message from='b@x/1' to='r@muc.example' id='n'><body>x</body></message>`,
		`<message from='r@muc.example' to='b@x/1' id='n' type='error'><body>x</body><error type='modify' by='r@muc.example'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>messages to the room must be of type groupchat</text></error></message>`)
	h.expect(`<message from='b@x/1' to='r@muc.example' id='n' type='error'><body>x</body></message>`)
	h.expect(`<message from='b@x/1' to='r@muc.example/A' id='n' type='error'><body>x</body></message>`)
	require.Empty(t, h.room(roomJID).History())
}

func TestSubject(t *testing.T) {
	h := setup2(t)
	// §8.1: a participant may change it when changesubject is on (the
	// default here).
	h.expect(`<message from='b@x/1' to='r@muc.example' id='s1' type='groupchat'><subject>Fire &amp; Cauldron</subject></message>`,
		`<message from='r@muc.example/B' to='a@x/1' id='s1' type='groupchat'><subject>Fire &amp; Cauldron</subject><stanza-id xmlns='urn:xmpp:sid:0' id='id3' by='r@muc.example'/></message>`,
		`<message from='r@muc.example/B' to='b@x/1' id='s1' type='groupchat'><subject>Fire &amp; Cauldron</subject><stanza-id xmlns='urn:xmpp:sid:0' id='id3' by='r@muc.example'/></message>`)
	ev := eventsOf[SubjectChanged](h.out)
	require.Len(t, ev, 1)
	require.Equal(t, Subject{Text: "Fire & Cauldron", Nick: "B", JID: stanza.MustParse("b@x/1"), Set: t0, StanzaID: "id3"}, ev[0].Subject)
	require.Empty(t, h.room(roomJID).History(), "subject changes are not history")
	// §7.2.15: newcomers get it with a delay from the room, and the
	// XEP-0359 id the change got.
	lines := h.join("c@x/1", roomJID+"/C")
	require.Equal(t, `<message from='r@muc.example/B' to='c@x/1' id='id4' type='groupchat'><subject>Fire &amp; Cauldron</subject><stanza-id xmlns='urn:xmpp:sid:0' id='id3' by='r@muc.example'/><delay xmlns='urn:xmpp:delay' from='r@muc.example' stamp='2026-03-04T05:06:07Z'/></message>`, lines[len(lines)-1])
	// A subject with a body is a plain message (§8.1).
	h.do(`<message from='b@x/1' to='r@muc.example' id='sb' type='groupchat'><subject>s</subject><body>b</body></message>`)
	require.Empty(t, eventsOf[SubjectChanged](h.out))
	require.Len(t, h.room(roomJID).History(), 1)
	// Turned off, participants get forbidden; moderators still may.
	h.configure(roomJID, "a@x/1", "muc#roomconfig_changesubject", "0")
	h.expect(`<message from='b@x/1' to='r@muc.example' id='s2' type='groupchat'><subject>no</subject></message>`,
		`<message from='r@muc.example' to='b@x/1' id='s2' type='error'><subject>no</subject><error type='auth' by='r@muc.example'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	h.do(`<message from='a@x/1' to='r@muc.example' id='s3' type='groupchat'><subject/></message>`)
	require.Len(t, h.out.Stanzas, 3)
	require.Equal(t, "", h.room(roomJID).Subject().Text)
}

func TestPrivateMessages(t *testing.T) {
	h := setup2(t)
	// §7.5: from the sender's occupant JID to the recipient's real JID,
	// with a muc#user <x/> added.
	h.expect(`<message from='b@x/1' to='r@muc.example/A' id='p1' type='chat'><body>psst</body></message>`,
		`<message from='r@muc.example/B' to='a@x/1' id='p1' type='chat'><body>psst</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>`)
	h.expect(`<message from='b@x/1' to='r@muc.example/A' id='p2' type='chat'><body>psst</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>`,
		`<message from='r@muc.example/B' to='a@x/1' id='p2' type='chat'><body>psst</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>`)
	// Errors: unknown nick, non-occupant, groupchat type.
	h.expect(`<message from='b@x/1' to='r@muc.example/Z' id='p3' type='chat'><body>x</body></message>`,
		`<message from='r@muc.example/Z' to='b@x/1' id='p3' type='error'><body>x</body><error type='cancel' by='r@muc.example'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	h.expect(`<message from='c@x/1' to='r@muc.example/A' id='p4' type='chat'><body>x</body></message>`,
		`<message from='r@muc.example/A' to='c@x/1' id='p4' type='error'><body>x</body><error type='modify' by='r@muc.example'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	h.expect(`<message from='b@x/1' to='r@muc.example/A' id='p5' type='groupchat'><body>x</body></message>`,
		`<message from='r@muc.example/A' to='b@x/1' id='p5' type='error'><body>x</body><error type='modify' by='r@muc.example'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	// muc#roomconfig_allowpm.
	for _, tc := range []struct {
		value    string
		bOK, aOK bool
	}{{"anyone", true, true}, {"participants", true, true}, {"moderators", false, true}, {"none", false, false}} {
		h.configure(roomJID, "a@x/1", "muc#roomconfig_allowpm", tc.value)
		h.do(`<message from='b@x/1' to='r@muc.example/A' id='q' type='chat'><body>x</body></message>`)
		require.Equal(t, tc.bOK, h.out.Stanzas[0].Head().Type == "chat", tc.value)
		h.do(`<message from='a@x/1' to='r@muc.example/B' id='q' type='chat'><body>x</body></message>`)
		require.Equal(t, tc.aOK, h.out.Stanzas[0].Head().Type == "chat", tc.value)
	}
}

func TestIQToOccupantForwarded(t *testing.T) {
	h := setup2(t)
	// §17.4: forwarded without revealing real JIDs; the answer comes back
	// the same way.
	// The room gives it its own id (occupantIQ); a vCard request goes
	// to the account (bare JID).
	h.expect(`<iq from='b@x/1' to='r@muc.example/A' id='v1' type='get'><vCard xmlns='vcard-temp'/></iq>`,
		`<iq from='r@muc.example/B' to='a@x' id='id3' type='get'><vCard xmlns='vcard-temp'/></iq>`)
	h.expect(`<iq from='a@x' to='r@muc.example/B' id='id3' type='result'><vCard xmlns='vcard-temp'/></iq>`,
		`<iq from='r@muc.example/A' to='b@x/1' id='v1' type='result'><vCard xmlns='vcard-temp'/></iq>`)
	h.expect(`<iq from='c@x/1' to='r@muc.example/A' id='v2' type='get'><vCard xmlns='vcard-temp'/></iq>`,
		`<iq from='r@muc.example/A' to='c@x/1' id='v2' type='error'><vCard xmlns='vcard-temp'/><error type='modify' by='r@muc.example'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`)
	h.expect(`<iq from='b@x/1' to='r@muc.example/Z' id='v3' type='get'><vCard xmlns='vcard-temp'/></iq>`,
		`<iq from='r@muc.example/Z' to='b@x/1' id='v3' type='error'><vCard xmlns='vcard-temp'/><error type='cancel' by='r@muc.example'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`)
	h.expect(`<iq from='c@x/1' to='r@muc.example/A' id='v4' type='result'/>`)
}

// TestSubjectStampsIncrease: a subject change made at the same instant as
// the previous one is stamped after it, so that federated rooms, which
// keep the latest stamp, keep the change made last.
func TestSubjectStampsIncrease(t *testing.T) {
	h := setup2(t)
	h.do(`<message from='b@x/1' to='r@muc.example' id='s1' type='groupchat'><subject>one</subject></message>`)
	first := h.room(roomJID).Subject()
	h.do(`<message from='a@x/1' to='r@muc.example' id='s2' type='groupchat'><subject>two</subject></message>`)
	second := h.room(roomJID).Subject()
	require.Equal(t, "two", second.Text)
	require.Equal(t, t0, first.Set)
	require.True(t, second.Set.After(first.Set), "%v then %v", first.Set, second.Set)
}
