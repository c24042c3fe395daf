package muc

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

const fmucFrom = `<fmuc xmlns='http://isode.com/protocol/fmuc' from='evil@x/1'/>`

// TestClientFMUCNeverRelayed: a local client's forged <fmuc/> reaches
// neither the other clients nor any node (XEP-0289 §4.1: fmuc payloads
// never reach local clients; a client speaks for nobody).
func TestClientFMUCNeverRelayed(t *testing.T) {
	h := setup2(t)
	h.remote(node2, `<presence from='r1@far/1' to='r@muc.example/R1'>`+joinX+`</presence>`)
	for _, in := range []string{
		`<message from='b@x/1' to='r@muc.example' id='g' type='groupchat'><body>hi</body>` + fmucFrom + `</message>`,
		`<presence from='b@x/1' to='r@muc.example/B'><show>away</show>` + fmucFrom + `</presence>`,
		`<message from='b@x/1' to='r@muc.example/A' id='p' type='chat'><body>psst</body>` + fmucFrom + `</message>`,
		`<message from='b@x/1' to='r@muc.example/R1' id='p2' type='chat'><body>psst</body>` + fmucFrom + `</message>`,
	} {
		lines := h.do(in)
		require.NotEmpty(t, lines, in)
		for _, l := range lines {
			require.NotContains(t, l, "fmuc", "relayed from %s", in)
		}
	}
}

// TestRemoteDeliveriesOwnTheirSlices: appending to the payload of one
// delivery never changes another copy of the same message.
func TestRemoteDeliveriesOwnTheirSlices(t *testing.T) {
	h := setup2(t)
	h.remote(node2, `<presence from='r1@far/1' to='r@muc.example/R1'>`+joinX+`</presence>`)
	h.remote(node3, `<presence from='r3@other/1' to='r@muc.example/R3'>`+joinX+`</presence>`)
	for _, in := range []string{
		`<message from='a@x/1' to='r@muc.example' id='m' type='groupchat'><body>hi</body></message>`,
		`<presence from='a@x/1' to='r@muc.example/A'><show>dnd</show></presence>`,
	} {
		h.do(in)
		require.Len(t, h.out.Remote, 2, in)
		before := string(stanza.Encode(h.out.Remote[1].Stanza))
		first := h.out.Remote[0].Stanza
		first.SetPayload(append(first.Payload(), stanza.EmptyElement(stanza.NSFMUC, "fmuc")))
		require.Equal(t, before, string(stanza.Encode(h.out.Remote[1].Stanza)), in)
		for _, s := range h.out.Stanzas {
			require.NotContains(t, string(stanza.Encode(s)), "fmuc", in)
		}
	}
}

// TestRemoteAnnounce: a node's later users, and users it announces without
// the muc <x/>, are fanned out to everyone else with the role and
// affiliation their node states, and nothing goes back to the node.
func TestRemoteAnnounce(t *testing.T) {
	h := setup2(t)
	// The first user of node2 federates: full entry sequence.
	lines := h.remote(node2, `<presence from='r1@far/1' to='r@muc.example/R1'>`+joinX+`</presence>`)
	require.Len(t, lines, 6)
	// A second user through node2, even with the muc <x/>: announced only.
	h.expectRemote(node2, `<presence from='r2@far/1' to='r@muc.example/R2'>`+joinX+`</presence>`,
		`<presence from='r@muc.example/R2' to='a@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r2@far/1' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/R2' to='b@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>`)
	// A moderator of node3's room, announced without the muc <x/>: shown
	// as a moderator owner (cosmetically), with its presence payload.
	h.expectRemote(node3, `<presence from='r3@other/1' to='r@muc.example/Boss'><show>chat</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator' jid='r3@other/1'/></x></presence>`,
		`<presence from='r@muc.example/Boss' to='a@x/1'><show>chat</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' jid='r3@other/1' role='moderator'/></x></presence>`,
		`<presence from='r@muc.example/Boss' to='b@x/1'><show>chat</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>`,
		`=> node2.example (r3@other/1) <presence from='r@muc.example/Boss' to='node2.example'><show>chat</show><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' jid='r3@other/1' role='moderator'/></x></presence>`)
	require.Equal(t, stanza.AffiliationNone, h.room(roomJID).Affiliation(stanza.MustParse("r3@other")), "the room's lists are unchanged")
	// Its node changes its role: shown, and fanned out.
	lines = h.remote(node3, `<presence from='r3@other/1' to='r@muc.example/Boss'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='participant'/></x></presence>`)
	require.Len(t, lines, 3)
	require.Contains(t, lines[0], "role='participant'")
}

// TestRemoteClaimRefused: a real JID is spoken for by one place. A node
// cannot enter a JID of a local user (the takeover of an owner's bare JID),
// nor one another node holds.
func TestRemoteClaimRefused(t *testing.T) {
	h := setup2(t)
	h.remote(node2, `<presence from='r1@far/1' to='r@muc.example/R1'>`+joinX+`</presence>`)
	for _, tc := range []struct{ via, from, holder string }{
		{node3, "a@x/evil", ""},        // the local owner's bare JID
		{node3, "r1@far/other", node2}, // node2's user
	} {
		lines := h.remote(tc.via, `<presence from='`+tc.from+`' to='r@muc.example/Evil'>`+joinX+`</presence>`)
		require.Len(t, lines, 1)
		require.Contains(t, lines[0], "conflict")
		ev := eventsOf[RemoteClaimRefused](h.out)
		require.Len(t, ev, 1)
		require.Equal(t, tc.from, ev[0].JID.String())
		require.Equal(t, tc.holder, ev[0].Holder.String())
		_, in := h.room(roomJID).Occupant("Evil")
		require.False(t, in)
	}
	require.Equal(t, stanza.AffiliationOwner, h.room(roomJID).Affiliation(stanza.MustParse("a@x")))
}

// TestKickOfANodesOnlyUser: the node learns of the kick of its only user
// from one broadcast (no separate self-presence).
func TestKickOfANodesOnlyUser(t *testing.T) {
	h := setup2(t)
	h.remote(node2, `<presence from='r1@far/1' to='r@muc.example/R1'>`+joinX+`</presence>`)
	lines := h.do(adminIQ("a@x/1", "k", "set", `<item nick='R1' role='none'><reason>out</reason></item>`))
	var remote []string
	for _, l := range lines {
		if strings.HasPrefix(l, "=>") {
			remote = append(remote, l)
		}
	}
	require.Equal(t, []string{
		`=> node2.example (r1@far/1) <presence from='r@muc.example/R1' to='node2.example' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='r1@far/1' role='none'><actor nick='A'/><reason>out</reason></item><status code='307'/></x></presence>`,
	}, remote)
}

// TestMergeHistory: history a joined node replays keeps its stamps, author
// and origin, is merged in stamp order without duplicates, and is shown at
// once to those present, never back to its node.
func TestMergeHistory(t *testing.T) {
	h := setup2(t)
	h.do(`<message from='a@x/1' to='r@muc.example' id='own' type='groupchat'><body>local</body></message>`)
	h.remote(node3, `<presence from='r3@other/1' to='r@muc.example/R3'>`+joinX+`</presence>`)
	via := stanza.MustParse("up@rooms.far")
	old := t0.Add(-time.Hour)
	entries := []HistoryEntry{
		{ID: "h1", Nick: "Hatter", JID: stanza.MustParse("hatter@far/1"), Stamp: old, Payload: []stanza.Element{
			stanza.TextElement("body", "tea?"), stanza.StanzaID{ID: "s1", By: via}.Element(), stanza.EmptyElement(stanza.NSFMUC, "fmuc")}},
	}
	out, err := h.room(roomJID).MergeHistory(h.now, via, entries)
	require.NoError(t, err)
	lines := render(out)
	require.Equal(t, []string{
		`<message from='r@muc.example/Hatter' to='a@x/1' id='h1' type='groupchat'><body>tea?</body><stanza-id xmlns='urn:xmpp:sid:0' id='s1' by='up@rooms.far'/><stanza-id xmlns='urn:xmpp:sid:0' id='id5' by='r@muc.example'/><delay xmlns='urn:xmpp:delay' from='up@rooms.far' stamp='2026-03-04T04:06:07Z'/></message>`,
		`<message from='r@muc.example/Hatter' to='b@x/1' id='h1' type='groupchat'><body>tea?</body><stanza-id xmlns='urn:xmpp:sid:0' id='s1' by='up@rooms.far'/><stanza-id xmlns='urn:xmpp:sid:0' id='id5' by='r@muc.example'/><delay xmlns='urn:xmpp:delay' from='up@rooms.far' stamp='2026-03-04T04:06:07Z'/></message>`,
		`=> node3.example (hatter@far/1) <message from='r@muc.example/Hatter' to='node3.example' id='h1' type='groupchat'><body>tea?</body><stanza-id xmlns='urn:xmpp:sid:0' id='s1' by='up@rooms.far'/><stanza-id xmlns='urn:xmpp:sid:0' id='id5' by='r@muc.example'/><delay xmlns='urn:xmpp:delay' from='up@rooms.far' stamp='2026-03-04T04:06:07Z'/></message>`,
	}, lines)
	hist := h.room(roomJID).History()
	require.Len(t, hist, 2)
	require.Equal(t, "h1", hist[0].ID, "ordered by stamp")
	require.Equal(t, "own", hist[1].ID)
	// The same entry again (a second replay): nothing.
	out, err = h.room(roomJID).MergeHistory(h.now, via, entries)
	require.NoError(t, err)
	require.True(t, out.Empty())
	// A newcomer gets the merged history with the origin's delay.
	lines = h.do(`<presence from='c@x/1' to='r@muc.example/C'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
	require.Contains(t, strings.Join(lines, "\n"), `from='r@muc.example/Hatter' to='c@x/1' id='h1' type='groupchat'><body>tea?</body>`)
}

// TestAdoptSubject: the joined node's subject replaces this room's,
// without permission checks, and is shown to everyone but its node.
func TestAdoptSubject(t *testing.T) {
	h := setup2(t)
	via := stanza.MustParse("up@rooms.far")
	out, err := h.room(roomJID).AdoptSubject(h.now, via, Subject{Text: "Tea", Nick: "Hatter", JID: stanza.MustParse("hatter@far/1"), Set: t0.Add(-time.Minute)})
	require.NoError(t, err)
	require.Equal(t, []string{
		`<message from='r@muc.example/Hatter' to='a@x/1' id='id3' type='groupchat'><subject>Tea</subject><stanza-id xmlns='urn:xmpp:sid:0' id='id3' by='r@muc.example'/><delay xmlns='urn:xmpp:delay' from='up@rooms.far' stamp='2026-03-04T05:05:07Z'/></message>`,
		`<message from='r@muc.example/Hatter' to='b@x/1' id='id3' type='groupchat'><subject>Tea</subject><stanza-id xmlns='urn:xmpp:sid:0' id='id3' by='r@muc.example'/><delay xmlns='urn:xmpp:delay' from='up@rooms.far' stamp='2026-03-04T05:05:07Z'/></message>`,
	}, render(out))
	require.Len(t, eventsOf[SubjectChanged](out), 1)
	require.Equal(t, "Tea", h.room(roomJID).Subject().Text)
}

// TestDropViaAndRemove: a node's users vanish together when its link goes
// (333 for a failed link), and a removal decided on another node is
// enacted for a local occupant with its own self-presence.
func TestDropViaAndRemove(t *testing.T) {
	h := setup2(t)
	h.remote(node2, `<presence from='r1@far/1' to='r@muc.example/R1'>`+joinX+`</presence>`)
	h.remote(node2, `<presence from='r2@far/1' to='r@muc.example/R2'>`+joinX+`</presence>`)
	h.remote(node3, `<presence from='r3@other/1' to='r@muc.example/R3'>`+joinX+`</presence>`)
	out, err := h.room(roomJID).DropVia(h.now, stanza.MustParse(node2), 333)
	require.NoError(t, err)
	lines := render(out)
	require.Len(t, lines, 6) // two leaves, to a, b and node3 each
	for _, l := range lines {
		require.Contains(t, l, "<status code='333'/>")
		require.NotContains(t, l, "=> node2")
	}
	require.Len(t, eventsOf[OccupantLeft](out), 2)
	require.Equal(t, 3, h.room(roomJID).Len())

	out, err = h.room(roomJID).Remove(h.now, stanza.MustParse(node3), stanza.MustParse("b@x/1"), Removal{Statuses: []stanza.StatusCode{stanza.StatusKicked}, Actor: "R3", Reason: "spam"})
	require.NoError(t, err)
	require.Equal(t, []string{
		`<presence from='r@muc.example/B' to='b@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'><actor nick='R3'/><reason>spam</reason></item><status code='110'/><status code='307'/></x></presence>`,
		`<presence from='r@muc.example/B' to='a@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='b@x/1' role='none'><actor nick='R3'/><reason>spam</reason></item><status code='307'/></x></presence>`,
	}, render(out))
	require.Equal(t, stanza.AffiliationNone, h.room(roomJID).Affiliation(stanza.MustParse("b@x")))
	// Unknown occupants are no error.
	out, err = h.room(roomJID).Remove(h.now, stanza.MustParse(node3), stanza.MustParse("nobody@x/1"), Removal{Statuses: []stanza.StatusCode{stanza.StatusKicked}})
	require.NoError(t, err)
	require.True(t, out.Empty())
}
