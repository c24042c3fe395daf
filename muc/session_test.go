package muc

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/internal/muctest"
	"github.com/xmppfmuc/fmuc/stanza"
)

// step is one input of a transcript: local when via is empty.
type step struct {
	via, xml string
}

func local(xml string) step { return step{xml: xml} }

// transcript feeds steps to h and compares input, output and events, in
// canonical XML, with testdata/golden/<name>.txt (-update rewrites it).
func transcript(t *testing.T, h *harness, name string, steps ...step) {
	t.Helper()
	var b strings.Builder
	for _, s := range steps {
		var lines []string
		if s.via == "" {
			b.WriteString("IN  " + muctest.Canon(t, s.xml) + "\n")
			lines = h.do(s.xml)
		} else {
			b.WriteString("IN  (via " + s.via + ") " + muctest.Canon(t, s.xml) + "\n")
			lines = h.remote(s.via, s.xml)
		}
		for _, l := range lines {
			b.WriteString("OUT " + l + "\n")
		}
		for _, e := range h.out.Events {
			b.WriteString("EV  " + muctest.Describe(e) + "\n")
		}
		checkRoomTables(t, h)
	}
	muctest.Golden(t, filepath.Join("testdata", "golden", name+".txt"), b.String(), *update)
}

// checkRoomTables checks the session invariants of every room: one
// occupant per nick, every session of an occupant indexed, sessions of
// one bare JID, local only when several, the session count in step.
func checkRoomTables(t *testing.T, h *harness) {
	t.Helper()
	for _, r := range h.svc.Rooms() {
		n := 0
		for _, o := range r.occupants {
			require.Same(t, o, r.byNick[nickKey(o.Nick)])
			ss := o.Sessions()
			require.Equal(t, o.JID, ss[0])
			if len(ss) > 1 {
				require.True(t, o.Via.IsZero(), "remote occupant with sessions")
			}
			seen := map[stanza.JID]bool{}
			for _, j := range ss {
				require.False(t, seen[j], "session listed twice")
				seen[j] = true
				require.Equal(t, o.JID.Bare(), j.Bare())
				require.Same(t, o, r.byJID[j])
			}
			n += len(ss)
		}
		require.Len(t, r.byJID, n)
		require.Len(t, r.byNick, len(r.occupants))
		require.Equal(t, n-len(r.occupants), r.sessions)
	}
}

const (
	bUpdate = `<presence from='b@x/2' to='r@muc.example/B' id='u'><show>away</show></presence>`
)

func TestSessionsJoinTraffic(t *testing.T) {
	h := setup2(t)
	transcript(t, h, "sessions-join",
		// History and subject for the entry sequence.
		local(`<message from='a@x/1' to='r@muc.example' id='s' type='groupchat'><subject>Spells</subject></message>`),
		local(`<message from='a@x/1' to='r@muc.example' id='m1' type='groupchat'><body>hi</body></message>`),
		// §7.2.8: a second resource of b@x enters as B: it alone gets the
		// roster, its self-presence, history and subject.
		local(`<presence from='b@x/2' to='r@muc.example/B' id='j2'><x xmlns='http://jabber.org/protocol/muc'/></presence>`),
		// In-room messages reach every session (MUST), private ones too
		// (RECOMMENDED); either session may send.
		local(`<message from='b@x/2' to='r@muc.example' id='m2' type='groupchat'><body>from pda</body></message>`),
		local(`<message from='a@x/1' to='r@muc.example/B' id='p1' type='chat'><body>psst</body></message>`),
		local(`<message from='b@x/1' to='r@muc.example/A' id='p2' type='chat'><body>back</body></message>`),
		// A presence update from b@x/2 makes it the current session.
		local(bUpdate),
		// The other session leaves: only it hears of it.
		local(`<presence from='b@x/1' to='r@muc.example/B' id='l1' type='unavailable'/>`),
		// It comes back, and now the current session leaves: the others
		// see B's presence as that of b@x/1 (the moderator sees the JID).
		local(`<presence from='b@x/1' to='r@muc.example/B' id='j3'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`),
		local(`<presence from='b@x/2' to='r@muc.example/B' id='l2' type='unavailable'><status>bye</status></presence>`),
		// The last session leaving is B's exit.
		local(`<presence from='b@x/1' to='r@muc.example/B' id='l3' type='unavailable'/>`),
	)
	require.Equal(t, 1, h.room(roomJID).Len())
}

func TestSessionsNickChangeAndModeration(t *testing.T) {
	h := setup2(t)
	h.join("b@x/2", roomJID+"/B")
	transcript(t, h, "sessions-moderation",
		// A nick change from one session renames the occupant: every
		// session gets 303 and the new self-presence (110).
		local(`<presence from='b@x/2' to='r@muc.example/Bee' id='n1'/>`),
		// Role changes and kicks apply to all sessions.
		local(`<iq from='a@x/1' to='r@muc.example' id='v1' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='Bee' role='visitor'/></query></iq>`),
		local(`<iq from='a@x/1' to='r@muc.example' id='k1' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='Bee' role='none'><reason>out</reason></item></query></iq>`),
		// Both sessions are gone.
		local(`<message from='b@x/1' to='r@muc.example' id='m' type='groupchat'><body>still?</body></message>`),
	)
	require.Empty(t, h.room(roomJID).byJID[stanza.MustParse("b@x/2")])
}

func TestSessionsBan(t *testing.T) {
	h := setup2(t)
	h.join("b@x/2", roomJID+"/B")
	transcript(t, h, "sessions-ban",
		local(`<iq from='a@x/1' to='r@muc.example' id='b1' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast' jid='b@x'/></query></iq>`),
	)
	require.Equal(t, 1, h.room(roomJID).Len())
}

func TestSessionsGhostAndIQ(t *testing.T) {
	h := setup2(t)
	h.join("b@x/2", roomJID+"/B")
	transcript(t, h, "sessions-ghost",
		// IQs to the occupant go to its current session only (§17.4).
		local(`<iq from='a@x/1' to='r@muc.example/B' id='q1' type='get'><query xmlns='jabber:iq:version'/></iq>`),
		// A delivery error from one session removes that session (333).
		local(`<message from='b@x/1' to='r@muc.example' id='e1' type='error'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`),
		// The remaining one still receives the room's traffic.
		local(`<message from='a@x/1' to='r@muc.example' id='m' type='groupchat'><body>ping</body></message>`),
	)
}

func TestSessionsNonAnonymousResync(t *testing.T) {
	h := setup2(t)
	h.configure(roomJID, "a@x/1", "muc#roomconfig_whois", "anyone")
	transcript(t, h, "sessions-nonanonymous",
		// §7.2.3: each self-presence names the session it goes to.
		local(`<presence from='b@x/2' to='r@muc.example/B' id='j2'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x><show>dnd</show></presence>`),
		// A resync from the non-current session makes it current: the
		// others see the change, only it gets the entry sequence.
		local(`<presence from='b@x/2' to='r@muc.example/B' id='r2'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x><show>dnd</show></presence>`),
		// A presence update from the other session switches back.
		local(`<presence from='b@x/1' to='r@muc.example/B' id='u1'/>`),
	)
}

func TestSessionsNotAcrossNodesOrUsers(t *testing.T) {
	h := setup2(t)
	transcript(t, h, "sessions-conflicts",
		// Another user: conflict (§7.2.8).
		local(`<presence from='c@x/1' to='r@muc.example/B' id='c1'><x xmlns='http://jabber.org/protocol/muc'/></presence>`),
		// The same bare JID through another node: a remote occupant has
		// one session; conflict.
		step{via: "node.example", xml: `<presence from='b@x/9' to='r@muc.example/B' id='c2'><x xmlns='http://jabber.org/protocol/muc'/></presence>`},
		// A remote occupant, then a second resource of it through the
		// same node: conflict too.
		step{via: "node.example", xml: `<presence from='d@y/1' to='r@muc.example/D' id='d1'><x xmlns='http://jabber.org/protocol/muc'/></presence>`},
		step{via: "node.example", xml: `<presence from='d@y/2' to='r@muc.example/D' id='d2'><x xmlns='http://jabber.org/protocol/muc'/></presence>`},
		// And a local resource of a remote occupant's user.
		local(`<presence from='d@y/3' to='r@muc.example/D' id='d3'><x xmlns='http://jabber.org/protocol/muc'/></presence>`),
	)
}

func TestSessionsAccessors(t *testing.T) {
	h := setup2(t)
	h.join("b@x/2", roomJID+"/B")
	r := h.room(roomJID)
	o, ok := r.Occupant("B")
	require.True(t, ok)
	require.Equal(t, []stanza.JID{stanza.MustParse("b@x/1"), stanza.MustParse("b@x/2")}, o.Sessions())
	require.Len(t, eventsOf[SessionJoined](h.out), 1)
	require.Empty(t, eventsOf[OccupantJoined](h.out))
	all := r.Occupants()
	require.Len(t, all, 2)
	require.Len(t, all[1].Sessions(), 2)
	// The copies do not share the room's session list.
	h.do(`<presence from='b@x/2' to='r@muc.example/B' type='unavailable'/>`)
	require.Len(t, eventsOf[SessionLeft](h.out), 1)
	require.Len(t, all[1].Sessions(), 2)
	o, _ = r.Occupant("B")
	require.Equal(t, []stanza.JID{stanza.MustParse("b@x/1")}, o.Sessions())
}

func TestSessionsDestroy(t *testing.T) {
	h := setup2(t)
	h.join("b@x/2", roomJID+"/B")
	transcript(t, h, "sessions-destroy",
		// §10.9: every session gets the unavailable presence with <destroy/>.
		local(`<iq from='a@x/1' to='r@muc.example' id='d1' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy><reason>done</reason></destroy></query></iq>`),
	)
}

func TestRetarget(t *testing.T) {
	to := stanza.MustParse("b@x/2")
	for _, s := range []stanza.Stanza{
		&stanza.Message{Header: stanza.Header{ID: "m", To: stanza.MustParse("b@x/1")}},
		&stanza.Presence{Header: stanza.Header{ID: "p", To: stanza.MustParse("b@x/1")}},
		&stanza.IQ{Header: stanza.Header{ID: "q", To: stanza.MustParse("b@x/1")}},
	} {
		c := retarget(s, to)
		require.Equal(t, to, c.Head().To)
		require.Equal(t, s.Head().ID, c.Head().ID)
		require.Equal(t, "b@x/1", s.Head().To.String(), "the original is untouched")
	}
	require.Nil(t, retarget(nil, to))
}
