package fmuc_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// noFMUC fails when a client received a federation payload (XEP-0289
// §4.1: fmuc payloads never reach local clients).
func noFMUC(t *testing.T, who string, lines []string) {
	t.Helper()
	for _, l := range lines {
		require.NotContains(t, l, stanza.NSFMUC, "%s received a federation payload", who)
		require.NotContains(t, l, fmuc.NSExt, "%s received a federation payload", who)
	}
}

// TestInitialFederation is XEP-0289 §4.1: hamlet's join makes elsinore
// present him to rabbithole, which answers with its occupants, history and
// subject; hamlet then sees all of it in XEP-0045 order, without fmuc
// payloads, and nothing of it goes back.
func TestInitialFederation(t *testing.T) {
	w := newWorld(t)
	pair(w, fmuc.MasterMaster)
	w.create(alice, rabbithole, "Alice")
	w.send(`<message from='` + alice + `' to='` + rabbithole + `' id='s1' type='groupchat'><subject>This is the subject</subject></message>`)
	w.say(alice, rabbithole, "h1", "This is an old message from the history")
	w.forget()

	w.join(hamlet, elsinore, "Hamlet")
	w.golden("initial-federation", w.net.Log())
	got := w.got(hamlet)
	noFMUC(t, "hamlet", got)
	require.Len(t, got, 4)
	assert.Contains(t, got[0], "from='elsinore@talk.denmark.lit/Alice'")
	assert.Contains(t, got[1], "<status code='110'/>")
	assert.Contains(t, got[2], "This is an old message from the history")
	assert.Contains(t, got[2], "<delay xmlns='urn:xmpp:delay' from='rabbithole@rooms.wonderland.lit'")
	assert.Contains(t, got[3], "<subject>This is the subject</subject>")
	// alice sees hamlet arrive.
	a := w.got(alice)
	require.Len(t, a, 1)
	assert.Contains(t, a[0], "from='rabbithole@rooms.wonderland.lit/Hamlet'")
	// One stanza from elsinore to rabbithole: the federation join.
	assert.Equal(t, 1, w.net.Traffic(denmark, wonderland).Stanzas)
	assert.Equal(t, 5, w.net.Traffic(wonderland, denmark).Stanzas) // alice, hamlet, history, subject, the session

	links := w.svcs[denmark].Links(stanza.MustParse(elsinore))
	require.Len(t, links, 1)
	assert.Equal(t, fmuc.LinkFederated, links[0].State)
	assert.True(t, links[0].Upstream)
	room, _ := w.svcs[denmark].MUC().Room(stanza.MustParse(elsinore))
	assert.Equal(t, "This is the subject", room.Subject().Text)
	require.Len(t, room.History(), 1)
}

// TestReject: a node the inbound policy does not admit gets <reject/> with
// a reason (bare JID to bare JID), and the user who triggered the join a
// presence error saying why.
func TestReject(t *testing.T) {
	w := newWorld(t)
	w.service(wonderland, nil) // admits nobody
	e := w.service(denmark, nil)
	require.NoError(t, e.SetFederation(stanza.MustParse(elsinore), fmuc.Federation{Upstream: stanza.MustParse(rabbithole)}))
	w.create(alice, rabbithole, "Alice")
	w.forget()
	w.join(hamlet, elsinore, "Hamlet")
	w.golden("reject", w.net.Log())
	got := w.got(hamlet)
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "type='error'")
	assert.Contains(t, got[0], "<not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>")
	assert.Contains(t, got[0], "is not allowed")
	var refused []fmuc.FederationRefused
	for _, ev := range w.events(wonderland) {
		if r, ok := ev.(fmuc.FederationRefused); ok {
			refused = append(refused, r)
		}
	}
	require.Len(t, refused, 1)
	assert.Equal(t, elsinore, refused[0].Peer.String())
	links := e.Links(stanza.MustParse(elsinore))
	require.Len(t, links, 1)
	assert.Equal(t, fmuc.LinkRejected, links[0].State)
	// Nobody is in elsinore: the refused join never entered.
	room, ok := e.MUC().Room(stanza.MustParse(elsinore))
	assert.True(t, !ok || room.Len() == 0)
}

// TestGroupchatBothWays: one copy per link, never back to where it came
// from, every payload relayed byte for byte (XEP-0289 §4.2).
func TestGroupchatBothWays(t *testing.T) {
	w := newWorld(t)
	federated(w, fmuc.MasterMaster)
	w.join(hatter, rabbithole, "Hatter")
	w.join(ophelia, elsinore, "Ophelia")
	w.forget()
	up, down := w.net.Traffic(denmark, wonderland), w.net.Traffic(wonderland, denmark)

	payload := `<body>Hi Alice</body>` +
		`<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'><p>Hi <em>Alice</em></p></body></html>` +
		`<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='27183'><key rid='31415'>BASE64==</key><iv>BASE64IV==</iv></header><payload>BASE64PAYLOAD</payload></encrypted>` +
		`<reply xmlns='urn:xmpp:reply:0' to='rabbithole@rooms.wonderland.lit/Alice' id='h1'/>` +
		`<origin-id xmlns='urn:xmpp:sid:0' id='hamlet-1'/>`
	w.send(`<message from='` + hamlet + `' to='` + elsinore + `' id='m1' type='groupchat'>` + payload + `</message>`)
	w.send(`<message from='` + alice + `' to='` + rabbithole + `' id='m2' type='groupchat'><reactions xmlns='urn:xmpp:reactions:0' id='m1'><reaction>👍</reaction></reactions><store xmlns='urn:xmpp:hints'/></message>`)
	w.golden("groupchat", w.net.Log())
	for _, u := range []string{alice, hatter, hamlet, ophelia} {
		got := w.got(u)
		noFMUC(t, u, got)
		require.Len(t, got, 2, u)
		assert.Contains(t, got[0], payload[:len(payload)-len(`<origin-id xmlns='urn:xmpp:sid:0' id='hamlet-1'/>`)], u)
		assert.Contains(t, got[0], `<origin-id xmlns='urn:xmpp:sid:0' id='hamlet-1'/>`, u)
		assert.Contains(t, got[1], `<reaction>👍</reaction>`, u)
	}
	// Exactly one copy each way.
	assert.Equal(t, 1, w.net.Traffic(denmark, wonderland).Stanzas-up.Stanzas)
	assert.Equal(t, 1, w.net.Traffic(wonderland, denmark).Stanzas-down.Stanzas)
}

// TestPresenceNickAndLeave: joins, presence updates, nick changes and
// leaves fan out across nodes (XEP-0289 §4.3, §4.4).
func TestPresenceNickAndLeave(t *testing.T) {
	w := newWorld(t)
	federated(w, fmuc.MasterMaster)
	w.join(hatter, rabbithole, "Hatter")
	h := w.got(hamlet)
	require.Len(t, h, 1)
	assert.Contains(t, h[0], "from='elsinore@talk.denmark.lit/Hatter'")
	w.got(alice)
	w.send(`<presence from='` + hamlet + `' to='` + elsinore + `/Hamlet'><show>away</show><status>To be or not to be</status></presence>`)
	a := w.got(alice)
	require.Len(t, a, 1)
	assert.Contains(t, a[0], "<show>away</show><status>To be or not to be</status>")
	w.send(`<presence from='` + hamlet + `' to='` + elsinore + `/Prince'/>`)
	a = w.got(alice)
	require.Len(t, a, 2, "unavailable with 303, then available")
	assert.Contains(t, a[0], "<status code='303'/>")
	assert.Contains(t, a[0], "nick='Prince'")
	assert.Contains(t, a[1], "from='rabbithole@rooms.wonderland.lit/Prince'")
	room, _ := w.svcs[wonderland].MUC().Room(stanza.MustParse(rabbithole))
	_, ok := room.Occupant("Prince")
	assert.True(t, ok)
	w.send(`<presence from='` + hatter + `' to='` + rabbithole + `/Hatter' type='unavailable'><status>Off to tea</status></presence>`)
	h = w.got(hamlet)
	require.Len(t, h, 4) // hamlet's own update and nick change (3), then the hatter leaving
	assert.Contains(t, h[3], "type='unavailable'")
	assert.Contains(t, h[3], "<status>Off to tea</status>")
	w.golden("presence", w.net.Log())
}

// TestLeftThenSilence: when the last user of the joining node leaves, the
// joined node confirms with <left/> and afterwards sends nothing at all
// (XEP-0289 §4.4).
func TestLeftThenSilence(t *testing.T) {
	w := newWorld(t)
	_, e := federated(w, fmuc.MasterMaster)
	w.send(`<presence from='` + hamlet + `' to='` + elsinore + `/Hamlet' type='unavailable'/>`)
	w.golden("left", w.net.Log())
	links := e.Links(stanza.MustParse(elsinore))
	require.Len(t, links, 1)
	assert.Equal(t, fmuc.LinkLeft, links[0].State)
	before := w.net.Traffic(wonderland, denmark)
	w.say(alice, rabbithole, "after", "anyone?")
	w.send(`<presence from='` + alice + `' to='` + rabbithole + `/Alice'><show>xa</show></presence>`)
	assert.Equal(t, before, w.net.Traffic(wonderland, denmark), "no traffic to a node that left")
	// The next local user federates again.
	w.join(ophelia, elsinore, "Ophelia")
	o := w.got(ophelia)
	noFMUC(t, "ophelia", o)
	require.GreaterOrEqual(t, len(o), 3)
	assert.Contains(t, o[0], "from='elsinore@talk.denmark.lit/Alice'")
}

// TestKickAndBan: a kick on one node is enacted on the node that hosts the
// user, carrying the kicked user's identity; a ban on the joining node is
// enacted on the joined node without touching its lists; a remote owner's
// admin request is refused (XEP-0289 §4.5).
func TestKickAndBan(t *testing.T) {
	w := newWorld(t)
	r, _ := federated(w, fmuc.MasterMaster)
	w.join(ophelia, elsinore, "Ophelia")
	w.forget()
	// alice (owner of rabbithole) kicks hamlet.
	w.send(`<iq from='` + alice + `' to='` + rabbithole + `' id='k1' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='Hamlet' role='none'><reason>Avaunt!</reason></item></query></iq>`)
	wire := w.net.Log()
	w.golden("kick", wire)
	var toDenmark []string
	for _, l := range wire {
		if strings.Contains(l, "to='"+elsinore) {
			toDenmark = append(toDenmark, l)
		}
	}
	require.Len(t, toDenmark, 1, "one copy to the node")
	assert.Contains(t, toDenmark[0], "<item affiliation='none' jid='"+hamlet+"' role='none'>", "the kicked user's identity")
	assert.Contains(t, toDenmark[0], "<fmuc xmlns='http://isode.com/protocol/fmuc'/>", "in the item only: the compact envelope")
	h := w.got(hamlet)
	require.Len(t, h, 1)
	assert.Contains(t, h[0], "<status code='110'/><status code='307'/>")
	assert.Contains(t, h[0], "<reason>Avaunt!</reason>")
	noFMUC(t, "hamlet", h)
	o := w.got(ophelia)
	require.Len(t, o, 1)
	assert.Contains(t, o[0], "<status code='307'/>")
	room, _ := w.svcs[denmark].MUC().Room(stanza.MustParse(elsinore))
	_, in := room.Occupant("Hamlet")
	assert.False(t, in)

	// The operator of talk.denmark.lit made hamlet an owner of elsinore
	// (a room a federation creates has none); he rejoins and bans alice
	// there.
	el, _ := w.svcs[denmark].MUC().Room(stanza.MustParse(elsinore))
	_, err := el.SetAffiliation(stanza.MustParse("hamlet@denmark.lit"), stanza.AffiliationOwner)
	require.NoError(t, err)
	w.join(hamlet, elsinore, "Hamlet")
	w.forget()
	w.send(`<iq from='` + hamlet + `' to='` + elsinore + `' id='b1' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast' jid='alice@wonderland.lit'><reason>Treason</reason></item></query></iq>`)
	a := w.got(alice)
	require.Len(t, a, 1)
	assert.Contains(t, a[0], "<status code='110'/><status code='301'/>")
	rr, _ := r.MUC().Room(stanza.MustParse(rabbithole))
	assert.Equal(t, stanza.AffiliationOwner, rr.Affiliation(stanza.MustParse("alice@wonderland.lit")), "the joined node's lists are its own")
	_, in = rr.Occupant("Alice")
	assert.False(t, in)
	assert.Equal(t, stanza.AffiliationOutcast, el.Affiliation(stanza.MustParse("alice@wonderland.lit")))

	// A peer's admin request to a room is refused.
	w.forget()
	w.send(`<iq from='` + elsinore + `/Hamlet' to='` + rabbithole + `' id='adm' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='owner' jid='hamlet@denmark.lit'/></query><fmuc xmlns='http://isode.com/protocol/fmuc' from='` + hamlet + `'/></iq>`)
	assert.Equal(t, stanza.AffiliationNone, rr.Affiliation(stanza.MustParse("hamlet@denmark.lit")))
	refused := false
	for _, ev := range w.events(wonderland) {
		_, refused = ev.(fmuc.SpoofRefused)
		if refused {
			break
		}
	}
	assert.True(t, refused)
}

// TestPrivateMessages are relayed hop by hop, never straight to a remote
// real JID, with no fmuc payload reaching the client (XEP-0289 §4.6).
func TestPrivateMessages(t *testing.T) {
	w := newWorld(t)
	federated(w, fmuc.MasterMaster)
	w.send(`<message from='` + hamlet + `' to='` + elsinore + `/Alice' id='pm1' type='chat'><body>Hi, I want to say something in private</body></message>`)
	w.send(`<message from='` + alice + `' to='` + rabbithole + `/Hamlet' id='pm2' type='chat'><body>Speak</body></message>`)
	wire := w.net.Log()
	w.golden("private", wire)
	for _, l := range wire {
		if strings.Contains(l, "type='chat'") && strings.Contains(l, "from='"+elsinore) && strings.Contains(l, "to='rabbithole") {
			assert.Contains(t, l, "to='rabbithole@rooms.wonderland.lit/Alice'", "relayed to the occupant JID at the peer")
		}
	}
	a := w.got(alice)
	require.Len(t, a, 1)
	assert.Contains(t, a[0], "from='rabbithole@rooms.wonderland.lit/Hamlet'")
	assert.Contains(t, a[0], "Hi, I want to say something in private")
	noFMUC(t, "alice", a)
	h := w.got(hamlet)
	require.Len(t, h, 1)
	assert.Contains(t, h[0], "from='elsinore@talk.denmark.lit/Alice'")
	noFMUC(t, "hamlet", h)
}

// TestMasterSlave: the slave shows a local message only after the master's
// echo, matched by id; while it cannot reach the master it refuses local
// groupchat with a wait error. Master-master delivers at once (the other
// tests).
func TestMasterSlave(t *testing.T) {
	w := newWorld(t)
	federated(w, fmuc.MasterSlave)
	w.net.Partition(denmark, wonderland)
	w.say(hamlet, elsinore, "m1", "Is anyone there?")
	assert.Empty(t, w.got(hamlet), "not shown before the echo")
	w.net.Heal(denmark, wonderland)
	// The lost message never gets an echo; a new one does.
	w.say(hamlet, elsinore, "m2", "Now?")
	w.golden("master-slave", w.net.Log())
	h := w.got(hamlet)
	require.Len(t, h, 1)
	assert.Contains(t, h[0], "id='m2'")
	assert.Contains(t, h[0], "<body>Now?</body>")
	noFMUC(t, "hamlet", h)
	a := w.got(alice)
	require.Len(t, a, 1)
	assert.Contains(t, a[0], "<body>Now?</body>")

	// A slave whose master never answered refuses local groupchat.
	w2 := newWorld(t)
	pair(w2, fmuc.MasterSlave)
	w2.net.Partition(denmark, wonderland)
	w2.join(hamlet, elsinore, "Hamlet")
	require.NoError(t, w2.net.Advance(fmuc.DefaultJoinTimeout))
	got := w2.got(hamlet)
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "type='error'")
	assert.Contains(t, got[0], "<error type='wait'")
}

// TestMasterMasterJoinTimeout: without an answer, a master-master room
// lets its waiting user in on its own.
func TestMasterMasterJoinTimeout(t *testing.T) {
	w := newWorld(t)
	pair(w, fmuc.MasterMaster)
	w.net.Partition(denmark, wonderland)
	w.join(hamlet, elsinore, "Hamlet")
	assert.Empty(t, w.got(hamlet))
	require.NoError(t, w.net.Advance(fmuc.DefaultJoinTimeout))
	got := w.got(hamlet)
	require.Len(t, got, 2)
	assert.Contains(t, got[0], "<status code='110'/>")
	w.say(hamlet, elsinore, "m1", "alone")
	require.Len(t, w.got(hamlet), 1, "chat goes on")
}

// TestChainAndCycle: three nodes in a chain (the middle one joining and
// joined at once): a leaf's message reaches every other node exactly once;
// a join that would close a cycle is refused with <reject/>.
func TestChainAndCycle(t *testing.T) {
	w := newWorld(t)
	const (
		top    = "top@rooms.a.lit"
		middle = "mid@rooms.b.lit"
		leaf   = "leaf@rooms.c.lit"
	)
	allow := func(domains ...string) func(*fmuc.Options) {
		return func(o *fmuc.Options) {
			for _, d := range domains {
				o.Inbound.Allow = append(o.Inbound.Allow, stanza.MustParse(d))
			}
		}
	}
	a := w.service("rooms.a.lit", allow("rooms.b.lit", "rooms.c.lit"))
	b := w.service("rooms.b.lit", allow("rooms.c.lit", "rooms.a.lit"))
	c := w.service("rooms.c.lit", allow("rooms.a.lit"))
	require.NoError(t, b.SetFederation(stanza.MustParse(middle), fmuc.Federation{Upstream: stanza.MustParse(top)}))
	require.NoError(t, c.SetFederation(stanza.MustParse(leaf), fmuc.Federation{Upstream: stanza.MustParse(middle)}))
	const ua, ub, uc = "ann@a.lit/1", "bob@b.lit/1", "cat@c.lit/1"
	w.create(ua, top, "Ann")
	w.join(ub, middle, "Bob")
	w.join(uc, leaf, "Cat")
	cat := w.got(uc)
	noFMUC(t, "cat", cat)
	require.GreaterOrEqual(t, len(cat), 3)
	assert.Contains(t, strings.Join(cat, "\n"), "from='leaf@rooms.c.lit/Ann'")
	assert.Contains(t, strings.Join(cat, "\n"), "from='leaf@rooms.c.lit/Bob'")
	w.got(ua)
	w.got(ub)
	w.net.Log()
	cb, ba, ab, bc := w.net.Traffic("rooms.c.lit", "rooms.b.lit"), w.net.Traffic("rooms.b.lit", "rooms.a.lit"),
		w.net.Traffic("rooms.a.lit", "rooms.b.lit"), w.net.Traffic("rooms.b.lit", "rooms.c.lit")

	w.say(uc, leaf, "m1", "from the leaf")
	w.golden("chain", w.net.Log())
	for _, u := range []string{ua, ub, uc} {
		got := w.got(u)
		require.Len(t, got, 1, u)
		assert.Contains(t, got[0], "from the leaf")
	}
	assert.Equal(t, 1, w.net.Traffic("rooms.c.lit", "rooms.b.lit").Stanzas-cb.Stanzas)
	assert.Equal(t, 1, w.net.Traffic("rooms.b.lit", "rooms.a.lit").Stanzas-ba.Stanzas)
	assert.Equal(t, ab, w.net.Traffic("rooms.a.lit", "rooms.b.lit"), "nothing back up the chain")
	assert.Equal(t, bc, w.net.Traffic("rooms.b.lit", "rooms.c.lit"), "nothing back to the leaf")

	// The top room is told to federate with the leaf: a cycle.
	require.NoError(t, a.SetFederation(stanza.MustParse(top), fmuc.Federation{Upstream: stanza.MustParse(leaf)}))
	w.send(`<presence from='` + ua + `' to='` + top + `/Ann' type='unavailable'/>`)
	w.forget()
	w.got(ua)
	ca := w.net.Traffic("rooms.c.lit", "rooms.a.lit")
	w.join(ua, top, "Ann")
	got := w.got(ua)
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "type='error'")
	assert.Contains(t, got[0], "loop")
	assert.Equal(t, 1, w.net.Traffic("rooms.c.lit", "rooms.a.lit").Stanzas-ca.Stanzas, "one reject, nothing amplified")
}

// TestSilentRoom: a room with no local occupants sends nothing over its
// links, and a federated room whose users are all gone is quiet too.
func TestSilentRoom(t *testing.T) {
	w := newWorld(t)
	pair(w, fmuc.MasterMaster)
	w.create(alice, rabbithole, "Alice")
	w.say(alice, rabbithole, "m1", "talking to myself")
	w.send(`<presence from='` + alice + `' to='` + rabbithole + `/Alice'><show>away</show></presence>`)
	for _, l := range w.net.Links() {
		t.Errorf("traffic on %v: %+v", l, w.net.Traffic(l.From, l.To))
	}
}

// TestSecurity: a peer speaks only for the users that joined through it;
// spoofed fmuc from values are dropped and reported; fmuc payloads from
// clients never travel; a remote user cannot create rooms.
func TestSecurity(t *testing.T) {
	w := newWorld(t)
	federated(w, fmuc.MasterMaster)
	spoofs := func(domain string) int {
		n := 0
		for _, ev := range w.events(domain) {
			if _, ok := ev.(fmuc.SpoofRefused); ok {
				n++
			}
		}
		return n
	}
	// elsinore speaks for alice (a wonderland user) and for a stranger it
	// never presented.
	w.send(`<message from='` + elsinore + `/Alice' to='` + rabbithole + `' id='x1' type='groupchat'><body>I am Alice</body><fmuc xmlns='http://isode.com/protocol/fmuc' from='` + alice + `'/></message>`)
	w.send(`<message from='` + elsinore + `/Ghost' to='` + rabbithole + `' id='x2' type='groupchat'><body>boo</body><fmuc xmlns='http://isode.com/protocol/fmuc' from='ghost@denmark.lit/1'/></message>`)
	w.send(`<presence from='` + elsinore + `/Queen' to='` + rabbithole + `'><fmuc xmlns='http://isode.com/protocol/fmuc' from='queen@wonderland.lit/1'/></presence>`)
	assert.Equal(t, 3, spoofs(wonderland))
	assert.Empty(t, w.got(alice), "nothing spoofed reached alice")
	// A client's forged fmuc: dropped, never relayed.
	w.send(`<message from='` + hamlet + `' to='` + elsinore + `' id='f1' type='groupchat'><body>hi</body><fmuc xmlns='http://isode.com/protocol/fmuc' from='` + alice + `'/></message>`)
	a := w.got(alice)
	require.Len(t, a, 1)
	noFMUC(t, "alice", a)
	for _, l := range w.net.Log() {
		if strings.HasPrefix(l, "<message from='"+elsinore+"/Hamlet'") {
			assert.NotContains(t, l, "from='"+alice+"'/></message>", "the forged from never crossed")
		}
	}
	// A stranger room that is not linked.
	w.send(`<message from='evil@rooms.evil.lit/X' to='` + rabbithole + `' id='e1' type='groupchat'><body>x</body><fmuc xmlns='http://isode.com/protocol/fmuc' from='x@evil.lit/1'/></message>`)
	assert.Equal(t, 1, spoofs(wonderland))
	// A federation join for a room that does not exist: rejected.
	e2 := w.svcs[denmark]
	require.NoError(t, e2.SetFederation(stanza.MustParse("nowhere@talk.denmark.lit"), fmuc.Federation{Upstream: stanza.MustParse("nowhere@rooms.wonderland.lit")}))
	w.join(ophelia, "nowhere@talk.denmark.lit", "Ophelia")
	o := w.got(ophelia)
	require.Len(t, o, 1)
	assert.Contains(t, o[0], "There is no room")
	_, exists := w.svcs[wonderland].MUC().Room(stanza.MustParse("nowhere@rooms.wonderland.lit"))
	assert.False(t, exists)
}

// TestXEPExamplesAccepted: elsinore federates with a peer that sends
// exactly the XEP's example stanzas (the legacy <x xmlns='urn:xmpp:delay'>
// with a 20120419T16:00:44 stamp, bare and full addressing), and hamlet
// sees them as plain XEP-0045.
func TestXEPExamplesAccepted(t *testing.T) {
	w := newWorld(t)
	e := w.service(denmark, nil)
	require.NoError(t, e.SetFederation(stanza.MustParse(elsinore), fmuc.Federation{Upstream: stanza.MustParse(rabbithole)}))
	// rabbithole is not a service here: what elsinore sends it lands in
	// its inbox, and the test answers as the XEP does.
	w.join(hamlet, elsinore, "Hamlet")
	sent := w.net.Received(stanza.MustParse(rabbithole + "/Hamlet"))
	require.Len(t, sent, 1)
	j := string(stanza.Encode(sent[0]))
	assert.Contains(t, j, "<fmuc xmlns='http://isode.com/protocol/fmuc' from='"+hamlet+"'/>")
	assert.Contains(t, j, "<x xmlns='http://jabber.org/protocol/muc'/>")
	assert.Contains(t, j, "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='"+hamlet+"' role='participant'/></x>")
	for _, x := range []string{
		`<presence from="rabbithole@rooms.wonderland.lit/Alice" to="elsinore@talk.denmark.lit"><fmuc xmlns="http://isode.com/protocol/fmuc" from="alice@wonderland.lit/priam-ubuntu-vm"/><x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="owner" role="moderator" jid="alice@wonderland.lit/priam-ubuntu-vm"/></x></presence>`,
		`<presence from="rabbithole@rooms.wonderland.lit/Hamlet" to="elsinore@talk.denmark.lit"><fmuc xmlns="http://isode.com/protocol/fmuc" from="` + hamlet + `"/><x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="none" role="participant" jid="` + hamlet + `"/></x></presence>`,
		`<message from="rabbithole@rooms.wonderland.lit/Alice" to="elsinore@talk.denmark.lit" type="groupchat"><fmuc xmlns="http://isode.com/protocol/fmuc" from="alice@wonderland.lit/priam-ubuntu-vm"/><body>This is an old message from the history</body><x xmlns="urn:xmpp:delay" from="rabbithole@rooms.wonderland.lit" stamp="20120419T16:00:44"/></message>`,
		`<message from="rabbithole@rooms.wonderland.lit/Hatter" to="elsinore@talk.denmark.lit" type="groupchat"><fmuc xmlns="http://isode.com/protocol/fmuc" from="hatter@wonderland.lit/priam-ubuntu-vm"/><body>This is another old message from the history</body><x xmlns="urn:xmpp:delay" from="rabbithole@rooms.wonderland.lit" stamp="20120501T10:03:24"/></message>`,
		`<message from="rabbithole@rooms.wonderland.lit/Alice" to="elsinore@talk.denmark.lit" type="groupchat"><fmuc xmlns="http://isode.com/protocol/fmuc" from="hatter@wonderland.lit/priam-ubuntu-vm"/><subject>This is the subject</subject><x xmlns="urn:xmpp:delay" from="rabbithole@rooms.wonderland.lit" stamp="20120528T14:39:34"/></message>`,
	} {
		w.send(x)
	}
	got := w.got(hamlet)
	w.golden("xep-examples", got)
	noFMUC(t, "hamlet", got)
	require.Len(t, got, 5)
	assert.Contains(t, got[2], "stamp='2012-04-19T16:00:44Z'", "the legacy stamp, written as XEP-0082")
	assert.Contains(t, got[3], "stamp='2012-05-01T10:03:24Z'")
	assert.Contains(t, got[4], "<subject>This is the subject</subject>")
	// Then a fan-out presence addressed to the full occupant JID, and
	// groupchat both ways.
	w.send(`<presence from='rabbithole@rooms.wonderland.lit/Hatter' to='elsinore@talk.denmark.lit/Hatter'><fmuc xmlns='http://isode.com/protocol/fmuc' from='hatter@wonderland.lit/priam-ubuntu-vm'/><x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="none" role="participant" jid="hatter@wonderland.lit/priam-ubuntu-vm"/></x></presence>`)
	w.send(`<message from='rabbithole@rooms.wonderland.lit/Alice' to='elsinore@talk.denmark.lit' type='groupchat'><body>Hi Hamlet</body><fmuc xmlns="http://isode.com/protocol/fmuc" from="alice@wonderland.lit/priam-ubuntu-vm"/></message>`)
	got = w.got(hamlet)
	require.Len(t, got, 2)
	assert.Contains(t, got[0], "from='elsinore@talk.denmark.lit/Hatter'")
	assert.Contains(t, got[1], "<body>Hi Hamlet</body>")
	w.say(hamlet, elsinore, "hi", "Hi Alice")
	up := w.net.Received(stanza.MustParse(rabbithole))
	require.Len(t, up, 1)
	assert.Contains(t, string(stanza.Encode(up[0])), "<body>Hi Alice</body>")
	assert.Contains(t, string(stanza.Encode(up[0])), "from='"+hamlet+"'")
	// And <left/> to the bare JID.
	w.send(`<presence from="rabbithole@rooms.wonderland.lit" to="elsinore@talk.denmark.lit"><fmuc xmlns="http://isode.com/protocol/fmuc"><left/></fmuc></presence>`)
	got = w.got(hamlet)
	require.Len(t, got, 3, "alice, the hatter and hamlet-at-rabbithole leave elsinore")
}

// TestDeterministic: the same scenario twice gives the same traffic, byte
// for byte.
func TestDeterministic(t *testing.T) {
	run := func() []string {
		w := newWorld(t)
		federated(w, fmuc.MasterMaster)
		w.join(ophelia, elsinore, "Ophelia")
		w.say(ophelia, elsinore, "m", "hello")
		w.send(`<iq from='` + alice + `' to='` + rabbithole + `' id='k' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='Ophelia' role='none'/></query></iq>`)
		return w.net.Log()
	}
	require.Equal(t, run(), run())
}

// TestRoomCreatedByFederation: the room a federation creates is an
// unlocked (instant) room with the service's defaults and no owner; the
// user who triggered it is an ordinary participant, as XEP-0289 §4.1
// shows.
func TestRoomCreatedByFederation(t *testing.T) {
	w := newWorld(t)
	pair(w, fmuc.MasterMaster)
	w.create(alice, rabbithole, "Alice")
	w.forget()
	w.join(hamlet, elsinore, "Hamlet")
	room, ok := w.svcs[denmark].MUC().Room(stanza.MustParse(elsinore))
	require.True(t, ok)
	assert.False(t, room.Locked())
	assert.Equal(t, stanza.AffiliationNone, room.Affiliation(stanza.MustParse("hamlet@denmark.lit")))
	var created []muc.RoomCreated
	for _, ev := range w.events(denmark) {
		if c, ok := ev.(muc.RoomCreated); ok {
			created = append(created, c)
		}
	}
	require.Len(t, created, 1)
	assert.True(t, created[0].Owner.IsZero())
	assert.False(t, created[0].Locked)
	a := w.got(alice)
	require.Len(t, a, 1)
	assert.Contains(t, a[0], "<item affiliation='none' jid='"+hamlet+"' role='participant'/>")
}

// TestChainFromTheLeaf: the middle room of a chain has no users of its
// own; the leaf's first user makes the leaf join the middle, and the
// middle join the top, presenting that user; everyone ends up seeing
// everyone, and a message from the top reaches the leaf.
func TestChainFromTheLeaf(t *testing.T) {
	w := newWorld(t)
	const (
		top    = "top@rooms.a.lit"
		middle = "mid@rooms.b.lit"
		leaf   = "leaf@rooms.c.lit"
	)
	allow := func(d string) func(*fmuc.Options) {
		return func(o *fmuc.Options) { o.Inbound.Allow = []stanza.JID{stanza.MustParse(d)} }
	}
	w.service("rooms.a.lit", allow("rooms.b.lit"))
	b := w.service("rooms.b.lit", func(o *fmuc.Options) {
		allow("rooms.c.lit")(o)
		o.RemoteCreate = true // the middle room exists only for the federation
	})
	c := w.service("rooms.c.lit", nil)
	require.NoError(t, b.SetFederation(stanza.MustParse(middle), fmuc.Federation{Upstream: stanza.MustParse(top)}))
	require.NoError(t, c.SetFederation(stanza.MustParse(leaf), fmuc.Federation{Upstream: stanza.MustParse(middle)}))
	const ua, ub, uc = "ann@a.lit/1", "bob@b.lit/1", "cat@c.lit/1"
	w.create(ua, top, "Ann")
	w.join(uc, leaf, "Cat")
	w.got(ua)
	w.say(ua, top, "m1", "hello down there")
	cat := strings.Join(w.got(uc), "\n")
	assert.Contains(t, cat, "from='leaf@rooms.c.lit/Ann'")
	assert.Contains(t, cat, "hello down there")
	troom, _ := w.svcs["rooms.a.lit"].MUC().Room(stanza.MustParse(top))
	_, in := troom.Occupant("Cat")
	assert.True(t, in, "the top room knows the leaf's user")
	// The middle room's own first user arrives later: announced upstream
	// like any other join.
	w.join(ub, middle, "Bob")
	_, in = troom.Occupant("Bob")
	assert.True(t, in)
}
