package fmuc_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/fmuc/fmuctest"
	"github.com/xmppfmuc/fmuc/stanza"
)

// bodies counts, per body text, the groupchat messages a user received.
func bodies(w *world, user string) map[string]int {
	got := map[string]int{}
	for _, s := range w.net.Received(stanza.MustParse(user)) {
		if m, ok := s.(*stanza.Message); ok && m.Type == stanza.MessageGroupchat {
			if b, ok := m.Body(); ok {
				got[b]++
			}
		}
	}
	return got
}

// TestPartitionResync: the link breaks for ten minutes (the servers bounce
// what they cannot deliver); both rooms go on chatting; after the heal the
// joining room rejoins within its backoff, and only what each side missed
// crosses the link: every user gets every message exactly once.
func TestPartitionResync(t *testing.T) {
	w := newWorld(t)
	w.net.Bounce = true
	federated(w, fmuc.MasterMaster)
	w.join(hatter, rabbithole, "Hatter")
	w.join(ophelia, elsinore, "Ophelia")
	w.forget()

	w.net.Partition(denmark, wonderland)
	const n = 100
	for i := range n {
		w.say(alice, rabbithole, fmt.Sprint("a", i), fmt.Sprint("alice ", i))
		w.say(hamlet, elsinore, fmt.Sprint("h", i), fmt.Sprint("hamlet ", i))
		require.NoError(t, w.net.Advance(6*time.Second)) // ten minutes in all
	}
	links := w.svcs[denmark].Links(stanza.MustParse(elsinore))
	require.Len(t, links, 1)
	assert.Equal(t, fmuc.LinkLost, links[0].State)
	down, up := w.net.Traffic(wonderland, denmark), w.net.Traffic(denmark, wonderland)
	w.net.Heal(denmark, wonderland)
	require.NoError(t, w.net.Advance(fmuc.DefaultRetryMax))
	links = w.svcs[denmark].Links(stanza.MustParse(elsinore))
	assert.Equal(t, fmuc.LinkFederated, links[0].State)

	for _, u := range []string{alice, hatter, hamlet, ophelia} {
		got := bodies(w, u)
		for i := range n {
			for _, who := range []string{"alice", "hamlet"} {
				assert.Equal(t, 1, got[fmt.Sprint(who, " ", i)], "%s got %q", u, fmt.Sprint(who, " ", i))
			}
		}
		assert.Len(t, got, 2*n, u)
	}
	d, u := w.net.Traffic(wonderland, denmark), w.net.Traffic(denmark, wonderland)
	t.Logf("resync after a 10-minute partition, %d messages each side: %d stanzas / %d bytes down, %d stanzas / %d bytes up",
		n, d.Stanzas-down.Stanzas, d.Bytes-down.Bytes, u.Stanzas-up.Stanzas, u.Bytes-up.Bytes)
	// About one stanza per missed message each way, plus the rejoin and
	// its answer; no occupant or history replay.
	assert.LessOrEqual(t, d.Stanzas-down.Stanzas, n+8)
	assert.LessOrEqual(t, u.Stanzas-up.Stanzas, n+8)
}

// TestLossByPing: a link that goes silent (no bounce: a black hole) is
// found by a ping without answer, and comes back by itself.
func TestLossByPing(t *testing.T) {
	w := newWorld(t)
	federated(w, fmuc.MasterMaster)
	w.net.Partition(denmark, wonderland)
	require.NoError(t, w.net.Advance(fmuc.DefaultPingInterval+fmuc.DefaultPingTimeout+time.Second))
	assert.Equal(t, fmuc.LinkLost, w.svcs[denmark].Links(stanza.MustParse(elsinore))[0].State)
	w.say(alice, rabbithole, "x", "while the link was dark")
	w.net.Heal(denmark, wonderland)
	require.NoError(t, w.net.Advance(fmuc.DefaultRetryMax))
	assert.Equal(t, fmuc.LinkFederated, w.svcs[denmark].Links(stanza.MustParse(elsinore))[0].State)
	assert.Equal(t, 1, bodies(w, hamlet)["while the link was dark"])
}

// TestMasterSlaveOutage: a master-slave room refuses local groupchat while
// its master is unreachable, and recovers by itself; the message that was
// on its way when the link broke is shown, once, when the master's echo
// comes after the resync.
func TestMasterSlaveOutage(t *testing.T) {
	w := newWorld(t)
	w.net.Bounce = true
	federated(w, fmuc.MasterSlave)
	w.net.Partition(denmark, wonderland)
	w.say(hamlet, elsinore, "m1", "in flight")
	w.say(hamlet, elsinore, "m2", "refused")
	got := w.got(hamlet)
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "id='m2'")
	assert.Contains(t, got[0], "<error type='wait'")
	w.net.Heal(denmark, wonderland)
	require.NoError(t, w.net.Advance(fmuc.DefaultRetryMax))
	w.say(hamlet, elsinore, "m3", "back")
	h, a := bodies(w, hamlet), bodies(w, alice)
	for _, b := range []string{"in flight", "back"} {
		assert.Equal(t, 1, h[b], b)
		assert.Equal(t, 1, a[b], b)
	}
	assert.Zero(t, h["refused"])
	assert.Zero(t, a["refused"])
}

// TestGraceExpiry: users of a link lost for longer than the grace leave
// with 333; when the link comes back it is a new federation, both sides
// see each other again, and what each side said during the outage reaches
// the other once (the joined side's by the history since, the joining
// side's from the ended session's log).
func TestGraceExpiry(t *testing.T) {
	w := newWorld(t)
	w.net.Bounce = true
	federated(w, fmuc.MasterMaster)
	w.net.Partition(denmark, wonderland)
	w.say(alice, rabbithole, "x", "anyone?")
	w.say(hamlet, elsinore, "y", "hello?")
	require.NoError(t, w.net.Advance(fmuc.DefaultPingInterval+fmuc.DefaultPingTimeout+fmuc.DefaultRemoteGrace+time.Second))
	h := strings.Join(w.got(hamlet), "\n")
	assert.Contains(t, h, "from='elsinore@talk.denmark.lit/Alice' to='hamlet@denmark.lit/elsinore' type='unavailable'")
	assert.Contains(t, h, "<status code='333'/>")
	a := strings.Join(w.got(alice), "\n")
	assert.Contains(t, a, "from='rabbithole@rooms.wonderland.lit/Hamlet' to='alice@wonderland.lit/pda' type='unavailable'")
	w.net.Heal(denmark, wonderland)
	require.NoError(t, w.net.Advance(fmuc.DefaultRetryMax))
	rr, _ := w.svcs[wonderland].MUC().Room(stanza.MustParse(rabbithole))
	_, in := rr.Occupant("Hamlet")
	assert.True(t, in, "hamlet is back in rabbithole")
	er, _ := w.svcs[denmark].MUC().Room(stanza.MustParse(elsinore))
	_, in = er.Occupant("Alice")
	assert.True(t, in, "alice is back in elsinore")
	assert.Equal(t, 1, bodies(w, hamlet)["anyone?"], "alice's message said during the outage arrives once")
	assert.Equal(t, 1, bodies(w, alice)["hello?"], "hamlet's message said during the outage arrives once")
}

// TestComponentConnection: the component's own stream going down loses
// every link; when it is up again the joining room rejoins at once.
func TestComponentConnection(t *testing.T) {
	w := newWorld(t)
	federated(w, fmuc.MasterMaster)
	e := w.svcs[denmark]
	assert.Empty(t, e.ConnectionChanged(w.net.Now(), false))
	assert.Equal(t, fmuc.LinkLost, e.Links(stanza.MustParse(elsinore))[0].State)
	w.say(hamlet, elsinore, "m", "said while down")
	for _, s := range e.ConnectionChanged(w.net.Now(), true) {
		w.net.Send(s)
	}
	require.NoError(t, w.net.Advance(time.Second))
	assert.Equal(t, fmuc.LinkFederated, e.Links(stanza.MustParse(elsinore))[0].State)
	assert.Equal(t, 1, bodies(w, alice)["said while down"])
}

// TestNickCollision: during a partition a user on each side takes the
// same nick; after the heal one rule decides everywhere (the real JID that
// sorts first keeps it), the other is told why and leaves with 333, and
// no room ever shows two occupants with one nick.
func TestNickCollision(t *testing.T) {
	w := newWorld(t)
	w.net.Bounce = true
	federated(w, fmuc.MasterMaster)
	const aaa, zed = "aaa@wonderland.lit/1", "zed@denmark.lit/1"
	w.net.Partition(denmark, wonderland)
	w.join(aaa, rabbithole, "Queen")
	w.join(zed, elsinore, "Queen")
	w.net.Received(stanza.MustParse(aaa))
	w.net.Received(stanza.MustParse(zed))
	w.net.Heal(denmark, wonderland)
	require.NoError(t, w.net.Advance(fmuc.DefaultPingInterval+fmuc.DefaultPingTimeout+fmuc.DefaultRetryMax))
	for _, d := range []string{wonderland, denmark} {
		room := rabbithole
		if d == denmark {
			room = elsinore
		}
		r, _ := w.svcs[d].MUC().Room(stanza.MustParse(room))
		o, ok := r.Occupant("Queen")
		require.True(t, ok, d)
		assert.Equal(t, aaa, o.JID.String(), "%s: the JID that sorts first keeps the nick", d)
		n := 0
		for _, x := range r.Occupants() {
			if x.Nick == "Queen" {
				n++
			}
		}
		assert.Equal(t, 1, n, d)
	}
	z := strings.Join(w.got(zed), "\n")
	assert.Contains(t, z, "type='unavailable'")
	assert.Contains(t, z, "<status code='333'/>")
	assert.Contains(t, z, "Another user of the federated room has this nick")
}

// TestFederationBounds: a room takes at most MaxLinks joining rooms and
// MaxRemoteOccupants users from each.
func TestFederationBounds(t *testing.T) {
	w := newWorld(t)
	w.service(wonderland, func(o *fmuc.Options) {
		o.Inbound = fmuc.Policy{Allow: []stanza.JID{stanza.MustParse(denmark), stanza.MustParse("rooms.norway.lit")}}
		o.MaxLinks = 1
		o.MaxRemoteOccupants = 1
	})
	e := w.service(denmark, nil)
	no := w.service("rooms.norway.lit", nil)
	require.NoError(t, e.SetFederation(stanza.MustParse(elsinore), fmuc.Federation{Upstream: stanza.MustParse(rabbithole)}))
	require.NoError(t, no.SetFederation(stanza.MustParse("castle@rooms.norway.lit"), fmuc.Federation{Upstream: stanza.MustParse(rabbithole)}))
	w.create(alice, rabbithole, "Alice")
	w.join(hamlet, elsinore, "Hamlet")
	w.join(ophelia, elsinore, "Ophelia")
	refused := 0
	for _, ev := range w.events(denmark) {
		if r, ok := ev.(fmuc.PeerRefusedUser); ok {
			refused++
			assert.Equal(t, ophelia, r.JID.String())
			assert.Equal(t, stanza.ResourceConstraint, r.Condition)
		}
	}
	assert.Equal(t, 1, refused)
	rr, _ := w.svcs[wonderland].MUC().Room(stanza.MustParse(rabbithole))
	_, in := rr.Occupant("Ophelia")
	assert.False(t, in)
	w.join("olaf@norway.lit/1", "castle@rooms.norway.lit", "Olaf")
	got := strings.Join(w.got("olaf@norway.lit/1"), "\n")
	assert.Contains(t, got, "as many rooms as it takes")
}

// TestConvergenceTime measures, in virtual time, how long a chain of 2, 4
// and 6 rooms takes after every link healed from a ten-minute partition
// (during which each room's user said one message) until every user has
// every message. It is logged for the record, and bounded by the retry
// schedule: a loss found by a ping within 90 s, then retries at most
// RetryMax apart.
func TestConvergenceTime(t *testing.T) {
	for _, k := range []int{2, 4, 6} {
		w := newWorld(t)
		w.net.Record = false
		w.net.Bounce = true
		domain := func(i int) string { return fmt.Sprintf("rooms.c%d.lit", i) }
		room := func(i int) string { return "r@" + domain(i) }
		user := func(i int) string { return fmt.Sprintf("u%d@c%d.lit/1", i, i) }
		for i := range k {
			s := w.service(domain(i), func(o *fmuc.Options) {
				o.Inbound.Func = func(_, _ stanza.JID) bool { return true }
				o.RemoteCreate = true
			})
			if i > 0 {
				require.NoError(t, s.SetFederation(stanza.MustParse(room(i)), fmuc.Federation{Upstream: stanza.MustParse(room(i - 1))}))
			}
		}
		w.create(user(0), room(0), "U0")
		for i := 1; i < k; i++ {
			w.join(user(i), room(i), fmt.Sprint("U", i))
		}
		for i := range k {
			w.net.Received(stanza.MustParse(user(i)))
		}
		for i := 1; i < k; i++ {
			w.net.Partition(domain(i), domain(i-1))
		}
		for i := range k {
			w.say(user(i), room(i), fmt.Sprint("m", i), fmt.Sprint("from ", i))
		}
		require.NoError(t, w.net.Advance(10*time.Minute))
		got := make([]map[string]int, k)
		for i := range k {
			got[i] = bodies(w, user(i))
		}
		for i := 1; i < k; i++ {
			w.net.Heal(domain(i), domain(i-1))
		}
		healed := w.net.Now()
		done := func() bool {
			for i := range k {
				for b, c := range bodies(w, user(i)) {
					got[i][b] += c
				}
				if len(got[i]) < k {
					return false
				}
			}
			return true
		}
		for !done() {
			require.NoError(t, w.net.Advance(time.Second))
			require.Less(t, w.net.Now().Sub(healed), 2*fmuc.DefaultRetryMax, "%d rooms did not converge", k)
		}
		for i := range k {
			for b, c := range got[i] {
				require.Equal(t, 1, c, "%d rooms: user %d got %q %d times", k, i, b, c)
			}
		}
		t.Logf("%d rooms in a chain: every user has every message %v after the heal (virtual time)", k, w.net.Now().Sub(healed))
	}
}

// TestRestartFromState: a node stops without a word (a crash) while its
// link is dark, and starts again from its persisted state (the muc rooms'
// and the federation's). When its user comes back it rejoins: what it said
// before the crash that never arrived, and what the other side said while
// it was down, each arrive once.
func TestRestartFromState(t *testing.T) {
	w := newWorld(t)
	federated(w, fmuc.MasterMaster)
	e := w.svcs[denmark]
	w.say(hamlet, elsinore, "b", "before")
	w.net.Partition(denmark, wonderland)
	w.say(hamlet, elsinore, "c", "lost in the crash")
	require.Equal(t, 0, bodies(w, alice)["lost in the crash"])

	// Persist, crash, restart.
	rooms := e.MUC().State()
	fed := e.State()
	require.Len(t, fed.Rooms, 1)
	w.evs[denmark] = nil
	e2 := w.service(denmark, nil)
	for _, r := range rooms {
		_, err := e2.MUC().Restore(r)
		require.NoError(t, err)
	}
	require.NoError(t, e2.Restore(fed))
	require.Equal(t, fmuc.LinkLost, e2.Links(stanza.MustParse(elsinore))[0].State)

	w.say(alice, rabbithole, "d", "while you were down")
	w.net.Heal(denmark, wonderland)
	w.net.Received(stanza.MustParse(hamlet))
	w.join(hamlet, elsinore, "Hamlet")
	require.NoError(t, w.net.Advance(time.Minute))
	assert.Equal(t, fmuc.LinkFederated, e2.Links(stanza.MustParse(elsinore))[0].State)
	a, h := bodies(w, alice), bodies(w, hamlet)
	assert.Equal(t, 1, a["lost in the crash"], "alice gets what hamlet said before the crash, once")
	assert.Zero(t, a["before"], "and not again what she had")
	assert.Equal(t, 1, h["while you were down"], "hamlet gets what alice said meanwhile, once")
}

// TestCycleAfterHeal: a chain top <- mid <- leaf; while the middle link is
// broken the top room is told to join the leaf, which would close a cycle
// once the link heals. The leaf learns its path again with the resync and
// refuses; nothing is amplified.
func TestCycleAfterHeal(t *testing.T) {
	w := newWorld(t)
	w.net.Bounce = true
	const (
		top  = "top@rooms.a.lit"
		mid  = "mid@rooms.b.lit"
		leaf = "leaf@rooms.c.lit"
	)
	all := func(o *fmuc.Options) { o.Inbound.Func = func(_, _ stanza.JID) bool { return true } }
	a := w.service("rooms.a.lit", all)
	b := w.service("rooms.b.lit", all)
	c := w.service("rooms.c.lit", all)
	require.NoError(t, b.SetFederation(stanza.MustParse(mid), fmuc.Federation{Upstream: stanza.MustParse(top)}))
	require.NoError(t, c.SetFederation(stanza.MustParse(leaf), fmuc.Federation{Upstream: stanza.MustParse(mid)}))
	const ua, ub, uc = "ann@a.lit/1", "bob@b.lit/1", "cat@c.lit/1"
	w.create(ua, top, "Ann")
	w.join(ub, mid, "Bob")
	w.join(uc, leaf, "Cat")
	w.net.Partition("rooms.b.lit", "rooms.a.lit")
	w.say(ub, mid, "x", "into the dark")
	require.NoError(t, a.SetFederation(stanza.MustParse(top), fmuc.Federation{Upstream: stanza.MustParse(leaf)}))
	w.net.Heal("rooms.b.lit", "rooms.a.lit")
	require.NoError(t, w.net.Advance(fmuc.DefaultRetryMax))
	// The top room's next first user tries the leaf: refused.
	w.send(`<presence from='` + ua + `' to='` + top + `/Ann' type='unavailable'/>`)
	w.got(ua)
	before := w.net.Traffic("rooms.c.lit", "rooms.a.lit")
	w.join(ua, top, "Ann")
	got := strings.Join(w.got(ua), "\n")
	assert.Contains(t, got, "would make a loop")
	after := w.net.Traffic("rooms.c.lit", "rooms.a.lit")
	assert.Equal(t, 1, after.Stanzas-before.Stanzas, "one reject")
	require.NoError(t, w.net.Advance(time.Minute))
	assert.Equal(t, after, w.net.Traffic("rooms.c.lit", "rooms.a.lit"), "nothing more: not amplified")
}

// TestRejoinForeignPeer: a joined room that does not know this package's
// resync (the scripted peer of TestXEPExamplesAccepted) gets, after a loss,
// a part and then a full rejoin asking for the history since the room last
// heard from it.
func TestRejoinForeignPeer(t *testing.T) {
	w := newWorld(t)
	e := w.service(denmark, nil)
	require.NoError(t, e.SetFederation(stanza.MustParse(elsinore), fmuc.Federation{Upstream: stanza.MustParse(rabbithole)}))
	w.join(hamlet, elsinore, "Hamlet")
	w.net.Received(stanza.MustParse(rabbithole + "/Hamlet"))
	w.send(`<message from="rabbithole@rooms.wonderland.lit" to="elsinore@talk.denmark.lit" type="groupchat"><fmuc xmlns="http://isode.com/protocol/fmuc"/><subject/></message>`)
	require.Equal(t, fmuc.LinkFederated, e.Links(stanza.MustParse(elsinore))[0].State)
	// A server bounces what elsinore sent: the link is lost.
	w.send(`<message from='rabbithole@rooms.wonderland.lit' to='elsinore@talk.denmark.lit/Hamlet' type='error'><error type='cancel'><remote-server-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	require.Equal(t, fmuc.LinkLost, e.Links(stanza.MustParse(elsinore))[0].State)
	require.NoError(t, w.net.Advance(fmuc.DefaultRetryMin))
	sent := w.net.Received(stanza.MustParse(rabbithole + "/Hamlet"))
	require.Len(t, sent, 2)
	assert.Equal(t, stanza.PresenceUnavailable, sent[0].Head().Type)
	j := string(stanza.Encode(sent[1]))
	assert.Contains(t, j, "<x xmlns='http://jabber.org/protocol/muc'><history since='")
	assert.NotContains(t, j, fmuc.NSExt, "no extension for a peer that never used it")
}

// TestPresenceCoalesce: with PresenceCoalesce, a user whose status flaps
// ten times in the window costs the link one presence, the last one; a
// message from that user sends the waiting presence first.
func TestPresenceCoalesce(t *testing.T) {
	w := newWorld(t)
	w.service(wonderland, func(o *fmuc.Options) {
		o.Inbound = fmuc.Policy{Allow: []stanza.JID{stanza.MustParse(denmark)}}
		o.PresenceCoalesce = 10 * time.Second
	})
	e := w.service(denmark, nil)
	require.NoError(t, e.SetFederation(stanza.MustParse(elsinore), fmuc.Federation{Upstream: stanza.MustParse(rabbithole)}))
	w.create(alice, rabbithole, "Alice")
	w.join(hamlet, elsinore, "Hamlet")
	w.forget()
	before := w.net.Traffic(wonderland, denmark)
	for i := range 10 {
		w.send(fmt.Sprintf(`<presence from='%s' to='%s/Alice'><status>mood %d</status></presence>`, alice, rabbithole, i))
	}
	assert.Equal(t, before, w.net.Traffic(wonderland, denmark), "nothing yet")
	require.NoError(t, w.net.Advance(10*time.Second))
	after := w.net.Traffic(wonderland, denmark)
	assert.Equal(t, 1, after.Stanzas-before.Stanzas, "one presence for ten")
	h := strings.Join(w.got(hamlet), "\n")
	assert.Contains(t, h, "<status>mood 9</status>")
	assert.NotContains(t, h, "<status>mood 8</status>")
	// A message after a status change: the presence goes first.
	w.send(`<presence from='` + alice + `' to='` + rabbithole + `/Alice'><show>away</show></presence>`)
	w.say(alice, rabbithole, "m", "back")
	got := w.got(hamlet)
	require.Len(t, got, 2)
	assert.Contains(t, got[0], "<show>away</show>")
	assert.Contains(t, got[1], "<body>back</body>")
}

// TestVCardOfRemoteOccupant: a vCard request to a remote occupant goes to
// its bare JID, and the answer from that bare JID comes back hop by hop
// (found end to end through Prosody).
func TestVCardOfRemoteOccupant(t *testing.T) {
	w := newWorld(t)
	federated(w, fmuc.MasterMaster)
	w.send(`<iq from='` + hamlet + `' to='` + elsinore + `/Alice' id='vc1' type='get'><vCard xmlns='vcard-temp'/></iq>`)
	q := w.net.Received(stanza.MustParse("alice@wonderland.lit"))
	require.Len(t, q, 1)
	w.send(`<iq from='alice@wonderland.lit' to='` + q[0].Head().From.String() + `' id='` + q[0].Head().ID + `' type='result'><vCard xmlns='vcard-temp'><FN>Alice</FN></vCard></iq>`)
	for _, ev := range w.events(denmark) {
		_, spoof := ev.(fmuc.SpoofRefused)
		assert.False(t, spoof, "%v", ev)
	}
	got := w.got(hamlet)
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "id='vc1'")
	assert.Contains(t, got[0], "<FN>Alice</FN>")
}

// TestLostLeftConfirmation: the joined room's <left/> is lost; the joining
// room's user comes back and speaks; the joined room says <left/> again,
// the joining room federates anew, and nothing said is lost (found end to
// end when ejabberd bounced a <left/> while stopping).
func TestLostLeftConfirmation(t *testing.T) {
	w := newWorld(t)
	_, e := federated(w, fmuc.MasterMaster)
	w.net.Drop = func(l fmuctest.Link, s stanza.Stanza) bool {
		fm, ok, _ := stanza.FindFMUC(s)
		return ok && fm.Left != nil
	}
	w.send(`<presence from='` + hamlet + `' to='` + elsinore + `/Hamlet' type='unavailable'/>`)
	w.net.Drop = nil
	require.Equal(t, fmuc.LinkFederated, e.Links(stanza.MustParse(elsinore))[0].State, "elsinore did not hear")
	w.forget()
	w.join(hamlet, elsinore, "Hamlet")
	w.say(hamlet, elsinore, "m1", "I am back")
	require.NoError(t, w.net.Advance(time.Second))
	assert.Equal(t, fmuc.LinkFederated, e.Links(stanza.MustParse(elsinore))[0].State)
	assert.Equal(t, 1, bodies(w, alice)["I am back"])
	rr, _ := w.svcs[wonderland].MUC().Room(stanza.MustParse(rabbithole))
	_, in := rr.Occupant("Hamlet")
	assert.True(t, in)
}

// TestLinkLogBound: a link keeps at most Options.LinkLog stanzas for the
// resync; beyond, the oldest go first, counted in Link.Dropped, and the
// resync still sends the newest it kept.
func TestLinkLogBound(t *testing.T) {
	w := newWorld(t)
	w.net.Bounce = true
	w.service(wonderland, func(o *fmuc.Options) {
		o.Inbound = fmuc.Policy{Allow: []stanza.JID{stanza.MustParse(denmark)}}
	})
	e := w.service(denmark, func(o *fmuc.Options) { o.LinkLog = 5 })
	require.NoError(t, e.SetFederation(stanza.MustParse(elsinore), fmuc.Federation{Upstream: stanza.MustParse(rabbithole)}))
	w.create(alice, rabbithole, "Alice")
	w.join(hamlet, elsinore, "Hamlet")
	w.forget()
	w.net.Partition(denmark, wonderland)
	sayEachSecond(w, hamlet, elsinore, "hamlet", 20)
	links := w.svcs[denmark].Links(stanza.MustParse(elsinore))
	require.Len(t, links, 1)
	assert.Equal(t, fmuc.LinkLost, links[0].State)
	assert.Equal(t, 5, links[0].Logged)
	assert.Equal(t, uint64(15), links[0].Dropped)
	w.net.Heal(denmark, wonderland)
	require.NoError(t, w.net.Advance(fmuc.DefaultRetryMax))
	gotNewest(t, bodies(w, alice), "hamlet", 20, 5)
}

// sayEachSecond has user say n messages in room, "<who> 0" on, a second
// apart (within the occupant message rate).
func sayEachSecond(w *world, user, room, who string, n int) {
	w.t.Helper()
	for i := range n {
		w.say(user, room, fmt.Sprint(who, i), fmt.Sprint(who, " ", i))
		require.NoError(w.t, w.net.Advance(time.Second))
	}
}

// gotNewest checks that of the n messages of who, got (bodies) has the
// newest once each and none of the others.
func gotNewest(t *testing.T, got map[string]int, who string, n, newest int) {
	t.Helper()
	for i := range n {
		want := 0
		if i >= n-newest {
			want = 1
		}
		assert.Equal(t, want, got[fmt.Sprint(who, " ", i)], "%s %d", who, i)
	}
}

// TestResyncHistoryBound: when the joined room's log no longer reaches
// back to what the joining room received, the rejoin is answered as a new
// federation, and the history it replays is bounded by what the joining
// room asks (Federation.History, the XEP-0045 maxstanzas) and by the
// joined room's history length.
func TestResyncHistoryBound(t *testing.T) {
	w := newWorld(t)
	w.net.Bounce = true
	w.service(wonderland, func(o *fmuc.Options) {
		o.Inbound = fmuc.Policy{Allow: []stanza.JID{stanza.MustParse(denmark)}}
		o.LinkLog = 5
	})
	e := w.service(denmark, nil)
	require.NoError(t, e.SetFederation(stanza.MustParse(elsinore), fmuc.Federation{Upstream: stanza.MustParse(rabbithole), History: ptr(3)}))
	w.create(alice, rabbithole, "Alice")
	w.join(hamlet, elsinore, "Hamlet")
	w.forget()
	w.net.Partition(denmark, wonderland)
	sayEachSecond(w, alice, rabbithole, "alice", 20)
	links := w.svcs[wonderland].Links(stanza.MustParse(rabbithole))
	require.Len(t, links, 1)
	assert.Equal(t, uint64(15), links[0].Dropped)
	w.net.Heal(denmark, wonderland)
	require.NoError(t, w.net.Advance(fmuc.DefaultRetryMax))
	gotNewest(t, bodies(w, hamlet), "alice", 20, 3)
}

// TestPeerRate: a peer room that sends more than Options.PeerBurst at once
// has the rest dropped, counted in Link.RateDropped and reported once by a
// PeerRateExceeded event; the bucket refills one stanza per PeerInterval.
func TestPeerRate(t *testing.T) {
	w := newWorld(t)
	w.service(wonderland, func(o *fmuc.Options) {
		o.Inbound = fmuc.Policy{Allow: []stanza.JID{stanza.MustParse(denmark)}}
		o.PeerInterval = time.Second
		o.PeerBurst = 3
	})
	e := w.service(denmark, nil)
	require.NoError(t, e.SetFederation(stanza.MustParse(elsinore), fmuc.Federation{Upstream: stanza.MustParse(rabbithole)}))
	w.create(alice, rabbithole, "Alice")
	w.join(hamlet, elsinore, "Hamlet")
	require.NoError(t, w.net.Advance(10*time.Second)) // the bucket is full
	w.forget()
	for i := range 8 {
		w.say(hamlet, elsinore, fmt.Sprint("h", i), fmt.Sprint("hamlet ", i))
	}
	got := bodies(w, alice)
	for i := range 8 {
		assert.Equal(t, map[bool]int{true: 1, false: 0}[i < 3], got[fmt.Sprint("hamlet ", i)], "hamlet %d", i)
	}
	links := w.svcs[wonderland].Links(stanza.MustParse(rabbithole))
	require.Len(t, links, 1)
	assert.Equal(t, uint64(5), links[0].RateDropped)
	var exceeded []fmuc.PeerRateExceeded
	for _, ev := range w.events(wonderland) {
		if x, ok := ev.(fmuc.PeerRateExceeded); ok {
			exceeded = append(exceeded, x)
		}
	}
	require.Len(t, exceeded, 1)
	assert.Equal(t, fmuc.PeerRateExceeded{RoomJID: stanza.MustParse(rabbithole), Peer: stanza.MustParse(elsinore), Dropped: 1}, exceeded[0])
	assert.Equal(t, fmuc.LinkFederated, links[0].State, "the link stays up")

	require.NoError(t, w.net.Advance(2*time.Second))
	w.say(hamlet, elsinore, "later", "hamlet later")
	assert.Equal(t, 1, bodies(w, alice)["hamlet later"])
}
