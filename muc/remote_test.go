package muc

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

const (
	node2 = "node2.example"
	node3 = "node3.example"
)

func TestRemoteJoinAndFanOut(t *testing.T) {
	h := setup2(t)
	// A remote user enters through node2: the roster, self-presence and
	// subject go to node2 as deliveries about r1; locals get its presence;
	// nothing is broadcast back to node2.
	h.expectRemote(node2, `<presence from='r1@far/1' to='r@muc.example/R1' id='j'>`+joinX+`</presence>`,
		`<presence from='r@muc.example/R1' to='a@x/1' id='j'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r1@far/1' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/R1' to='b@x/1' id='j'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>`,
		`=> node2.example (a@x/1) for r1@far/1/R1 <presence from='r@muc.example/A' to='node2.example'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' jid='a@x/1' role='moderator'/></x></presence>`,
		`=> node2.example (b@x/1) for r1@far/1/R1 <presence from='r@muc.example/B' to='node2.example'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='b@x/1' role='participant'/></x></presence>`,
		`=> node2.example (r1@far/1) for r1@far/1/R1 <presence from='r@muc.example/R1' to='node2.example' id='j'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r1@far/1' role='participant'/><status code='110'/></x></presence>`,
		`=> node2.example () for r1@far/1/R1 <message from='r@muc.example' to='node2.example' id='id3' type='groupchat'><subject></subject></message>`)
	o, ok := h.room(roomJID).Occupant("R1")
	require.True(t, ok)
	require.Equal(t, stanza.MustParse(node2), o.Via)
	require.True(t, o.Remote())
	require.Equal(t, stanza.MustParse(node2), eventsOf[OccupantJoined](h.out)[0].Via)

	h.remote(node2, `<presence from='r2@far/1' to='r@muc.example/R2'>`+joinX+`</presence>`)
	// node3's user: one delivery to node2 about it, none to node3.
	lines := h.remote(node3, `<presence from='r3@other/1' to='r@muc.example/R3'>`+joinX+`</presence>`)
	require.Contains(t, lines, `=> node2.example (r3@other/1) <presence from='r@muc.example/R3' to='node2.example'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r3@other/1' role='participant'/></x></presence>`)

	// A local message: each local occupant, and ONE copy per node.
	h.expect(`<message from='a@x/1' to='r@muc.example' id='m' type='groupchat'><body>hi</body></message>`,
		`<message from='r@muc.example/A' to='a@x/1' id='m' type='groupchat'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='id5' by='r@muc.example'/></message>`,
		`<message from='r@muc.example/A' to='b@x/1' id='m' type='groupchat'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='id5' by='r@muc.example'/></message>`,
		`=> node2.example (a@x/1) <message from='r@muc.example/A' to='node2.example' id='m' type='groupchat'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='id5' by='r@muc.example'/></message>`,
		`=> node3.example (a@x/1) <message from='r@muc.example/A' to='node3.example' id='m' type='groupchat'><body>hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='id5' by='r@muc.example'/></message>`)
	// A remote message: never back to its node.
	h.expectRemote(node2, `<message from='r1@far/1' to='r@muc.example' id='rm' type='groupchat'><body>yo</body></message>`,
		`<message from='r@muc.example/R1' to='a@x/1' id='rm' type='groupchat'><body>yo</body><stanza-id xmlns='urn:xmpp:sid:0' id='id6' by='r@muc.example'/></message>`,
		`<message from='r@muc.example/R1' to='b@x/1' id='rm' type='groupchat'><body>yo</body><stanza-id xmlns='urn:xmpp:sid:0' id='id6' by='r@muc.example'/></message>`,
		`=> node3.example (r1@far/1) <message from='r@muc.example/R1' to='node3.example' id='rm' type='groupchat'><body>yo</body><stanza-id xmlns='urn:xmpp:sid:0' id='id6' by='r@muc.example'/></message>`)
	require.Len(t, eventsOf[HistoryAppended](h.out), 1)
	// A private message to a remote occupant goes through its node.
	h.expect(`<message from='a@x/1' to='r@muc.example/R1' id='p' type='chat'><body>psst</body></message>`,
		`=> node2.example (a@x/1) for r1@far/1/R1 <message from='r@muc.example/A' to='node2.example' id='p' type='chat'><body>psst</body><x xmlns='http://jabber.org/protocol/muc#user'/></message>`)
	// node3 cannot speak for node2's users.
	h.expectRemote(node3, `<message from='r1@far/1' to='r@muc.example' id='sp' type='groupchat'><body>spoof</body></message>`,
		`=> node3.example (r1@far/1) for r1@far/1 <message from='r@muc.example' to='node3.example' id='sp' type='error'><body>spoof</body><error type='modify' by='r@muc.example'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	// Nor can a local stanza.
	lines = h.do(`<message from='r1@far/1' to='r@muc.example' id='sp' type='groupchat'><body>spoof</body></message>`)
	require.Len(t, lines, 1)
	require.Contains(t, lines[0], "not-acceptable")

	// Kicking a remote occupant: the result, then everyone; its node gets
	// one copy, from which it tells its user (no separate self-presence).
	lines = h.do(adminIQ("a@x/1", "k", "set", `<item nick='R1' role='none'/>`))
	require.Equal(t, []string{
		iqResult("a@x/1", "k"),
		`<presence from='r@muc.example/R1' to='a@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r1@far/1' role='none'><actor nick='A'/></item><status code='307'/></x></presence>`,
		`<presence from='r@muc.example/R1' to='b@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'><actor nick='A'/></item><status code='307'/></x></presence>`,
		`=> node2.example (r1@far/1) <presence from='r@muc.example/R1' to='node2.example' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r1@far/1' role='none'><actor nick='A'/></item><status code='307'/></x></presence>`,
		`=> node3.example (r1@far/1) <presence from='r@muc.example/R1' to='node3.example' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r1@far/1' role='none'><actor nick='A'/></item><status code='307'/></x></presence>`,
	}, lines)
}

func TestRemotePolicy(t *testing.T) {
	errFor := func(via, subject, to, typ, cond string) string {
		nick := to[strings.IndexByte(to, '/')+1:]
		return `=> ` + via + ` (` + subject + `) for ` + subject + `/` + nick + ` <presence from='` + to + `' to='` + via + `' type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='` + typ + `' by='r@muc.example'><` + cond + ` xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`
	}
	tests := []struct {
		name  string
		setup func(h *harness)
		want  string
	}{
		{"banned", func(h *harness) {
			h.do(adminIQ("a@x/1", "b", "set", `<item affiliation='outcast' jid='r1@far'/>`))
		}, errFor(node2, "r1@far/1", "r@muc.example/R1", "auth", "forbidden")},
		{"members-only", func(h *harness) { h.configure(roomJID, "a@x/1", fMembersOnly, "1") },
			errFor(node2, "r1@far/1", "r@muc.example/R1", "auth", "registration-required")},
		{"password", func(h *harness) { h.configure(roomJID, "a@x/1", fPasswordProtected, "1", fSecret, "s") },
			errFor(node2, "r1@far/1", "r@muc.example/R1", "auth", "not-authorized")},
		{"max occupants", func(h *harness) { h.configure(roomJID, "a@x/1", fMaxUsers, "2") },
			errFor(node2, "r1@far/1", "r@muc.example/R1", "wait", "service-unavailable")},
		{"nick conflict", nil, errFor(node2, "r1@far/1", "r@muc.example/B", "cancel", "conflict")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := setup2(t)
			if tc.setup != nil {
				tc.setup(h)
			}
			nick := "R1"
			if tc.name == "nick conflict" {
				nick = "B"
			}
			h.expectRemote(node2, `<presence from='r1@far/1' to='r@muc.example/`+nick+`'>`+joinX+`</presence>`, tc.want)
			require.Empty(t, h.out.Events)
		})
	}
}

func TestRemoteCreatesRoom(t *testing.T) {
	h := newHarness(t)
	lines := h.remote(node2, `<presence from='r1@far/1' to='r@muc.example/R1'>`+joinX+`</presence>`)
	require.Len(t, lines, 2)
	require.Contains(t, lines[0], "status code='201'")
	require.Equal(t, stanza.AffiliationOwner, h.room(roomJID).Affiliation(stanza.MustParse("r1@far")))
	// Its exit goes back through the node.
	lines = h.remote(node2, `<presence from='r1@far/1' to='r@muc.example/R1' type='unavailable'/>`)
	require.Len(t, lines, 1)
	require.Contains(t, lines[0], "=> node2.example (r1@far/1)")
}

func TestRemoteNickChangeExitAndHistory(t *testing.T) {
	h := setup2(t)
	h.do(`<message from='a@x/1' to='r@muc.example' id='m1' type='groupchat'><body>before</body></message>`)
	// The remote joiner's history goes through its node, with the delay.
	lines := h.remote(node2, `<presence from='r1@far/1' to='r@muc.example/R1'>`+joinX+`</presence>`)
	require.Contains(t, lines, `=> node2.example (a@x/1) for r1@far/1/R1 <message from='r@muc.example/A' to='node2.example' id='m1' type='groupchat'><body>before</body><stanza-id xmlns='urn:xmpp:sid:0' id='id3' by='r@muc.example'/><delay xmlns='urn:xmpp:delay' from='r@muc.example' stamp='2026-03-04T05:06:07Z'/></message>`)
	h.remote(node3, `<presence from='r3@other/1' to='r@muc.example/R3'>`+joinX+`</presence>`)
	// Nick change through node2: locals and node3 are told; node2 made the
	// change itself and gets nothing.
	h.expectRemote(node2, `<presence from='r1@far/1' to='r@muc.example/Romeo'/>`,
		`<presence from='r@muc.example/R1' to='a@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r1@far/1' nick='Romeo' role='participant'/><status code='303'/></x></presence>`,
		`<presence from='r@muc.example/R1' to='b@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' nick='Romeo' role='participant'/><status code='303'/></x></presence>`,
		`<presence from='r@muc.example/Romeo' to='a@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r1@far/1' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/Romeo' to='b@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>`,
		`=> node3.example (r1@far/1) <presence from='r@muc.example/R1' to='node3.example' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r1@far/1' nick='Romeo' role='participant'/><status code='303'/></x></presence>`,
		`=> node3.example (r1@far/1) <presence from='r@muc.example/Romeo' to='node3.example'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r1@far/1' role='participant'/></x></presence>`)
	// Exit through node2.
	h.expectRemote(node2, `<presence from='r1@far/1' to='r@muc.example/Romeo' type='unavailable'/>`,
		`<presence from='r@muc.example/Romeo' to='a@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r1@far/1' role='none'/></x></presence>`,
		`<presence from='r@muc.example/Romeo' to='b@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/></x></presence>`,
		`=> node3.example (r1@far/1) <presence from='r@muc.example/Romeo' to='node3.example' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r1@far/1' role='none'/></x></presence>`)
	require.Equal(t, 3, h.room(roomJID).Len())
	// Destroy: one presence per local occupant, one per node from the room.
	lines = h.do(ownerIQ("a@x/1", "d", "set", `<destroy/>`))
	require.Contains(t, lines, `=> node3.example () <presence from='r@muc.example' to='node3.example' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><destroy/></x></presence>`)
	require.NotContains(t, strings.Join(lines, "\n"), "=> node2.example", "node2 has nobody left in the room")
}

func TestRemoteModeratorEffectsReachItsNode(t *testing.T) {
	h := setup2(t)
	h.remote(node2, `<presence from='r1@far/1' to='r@muc.example/R1'>`+joinX+`</presence>`)
	h.remote(node2, `<presence from='r2@far/1' to='r@muc.example/R2'>`+joinX+`</presence>`)
	h.do(adminIQ("a@x/1", "ad", "set", `<item affiliation='admin' jid='r1@far'/>`))
	// r1 (admin, through node2) kicks r2 (also through node2): node2 only
	// relayed the request, so it gets the kick broadcast as well.
	h.expectRemote(node2, adminIQ("r1@far/1", "k", "set", `<item nick='R2' role='none'/>`),
		`<presence from='r@muc.example/R2' to='a@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r2@far/1' role='none'><actor nick='R1'/></item><status code='307'/></x></presence>`,
		`<presence from='r@muc.example/R2' to='b@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'><actor nick='R1'/></item><status code='307'/></x></presence>`,
		`=> node2.example (r1@far/1) for r1@far/1/R1 <iq from='r@muc.example' to='node2.example' id='k' type='result'/>`,
		`=> node2.example (r2@far/1) <presence from='r@muc.example/R2' to='node2.example' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r2@far/1' role='none'><actor nick='R1'/></item><status code='307'/></x></presence>`)
}

func TestJoinNeedsFullJID(t *testing.T) {
	h := setup2(t)
	// XEP-0045 §4.1: occupants are full JIDs. A peer node speaking for a
	// bare JID is refused, and so is a local bare JID; neither enters.
	h.expectRemote(node3, `<presence from='r3@other' to='r@muc.example/Dee' id='j'>`+joinX+`</presence>`,
		`=> node3.example (r3@other) for r3@other/Dee <presence from='r@muc.example/Dee' to='node3.example' id='j' type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='modify' by='r@muc.example'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>entering a room needs a full JID</text></error></presence>`)
	h.expect(`<presence from='c@x' to='r@muc.example/C' id='j'>`+joinX+`</presence>`,
		`<presence from='r@muc.example/C' to='c@x' id='j' type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='modify' by='r@muc.example'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>entering a room needs a full JID</text></error></presence>`)
	require.Equal(t, 2, h.room(roomJID).Len())
	// Nor does a bare JID create a room.
	h.expect(`<presence from='c@x' to='new@muc.example/C'>`+joinX+`</presence>`,
		`<presence from='new@muc.example/C' to='c@x' type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='modify' by='new@muc.example'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>entering a room needs a full JID</text></error></presence>`)
	require.Len(t, h.svc.Rooms(), 1)
}
