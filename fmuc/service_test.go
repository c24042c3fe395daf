package fmuc_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/internal/muctest"
	"github.com/xmppfmuc/fmuc/stanza"
)

func TestNewServiceValidation(t *testing.T) {
	id := func() string { return "x" }
	tests := []struct {
		name string
		opts fmuc.Options
	}{
		{"no domain", fmuc.Options{NewID: id}},
		{"domain with a local part", fmuc.Options{Domain: stanza.MustParse("a@rooms.x"), NewID: id}},
		{"no NewID", fmuc.Options{Domain: stanza.MustParse("rooms.x")}},
		{"negative join timeout", fmuc.Options{Domain: stanza.MustParse("rooms.x"), NewID: id, JoinTimeout: -time.Second}},
		{"allow entry with a resource", fmuc.Options{Domain: stanza.MustParse("rooms.x"), NewID: id,
			Inbound: fmuc.Policy{Allow: []stanza.JID{stanza.MustParse("a@b/c")}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := fmuc.NewService(tt.opts)
			assert.ErrorIs(t, err, fmuc.ErrConfig)
		})
	}
	s, err := fmuc.NewService(fmuc.Options{Domain: stanza.MustParse("rooms.x.lit"), NewID: id})
	require.NoError(t, err)
	assert.Equal(t, "rooms.x.lit", s.Domain().String())
	for _, bad := range []fmuc.Federation{
		{Upstream: stanza.MustParse("rooms.y.lit")},        // not a room
		{Upstream: stanza.MustParse("r@rooms.x.lit")},      // itself
		{Upstream: stanza.MustParse("r@rooms.y.lit/nick")}, // an occupant JID
		{Upstream: stanza.MustParse("r@rooms.y.lit"), Mode: 9},
		{Upstream: stanza.MustParse("r@rooms.y.lit"), History: ptr(-1)},
	} {
		assert.ErrorIs(t, s.SetFederation(stanza.MustParse("r@rooms.x.lit"), bad), fmuc.ErrConfig, "%+v", bad)
	}
	assert.ErrorIs(t, s.SetFederation(stanza.MustParse("r@elsewhere.lit"), fmuc.Federation{}), fmuc.ErrWrongAddress)
	_, err = s.Step(time.Now(), nil)
	assert.ErrorIs(t, err, fmuc.ErrNilStanza)
	_, err = s.Step(time.Now(), &stanza.Message{Header: stanza.Header{From: stanza.MustParse("a@b/c"), To: stanza.MustParse("r@other.lit")}})
	assert.ErrorIs(t, err, fmuc.ErrWrongAddress)
}

func ptr[T any](v T) *T { return &v }

func TestModes(t *testing.T) {
	for _, m := range []fmuc.Mode{fmuc.MasterMaster, fmuc.MasterSlave} {
		got, err := fmuc.ParseMode(m.String())
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}
	_, err := fmuc.ParseMode("peer-to-peer")
	assert.ErrorIs(t, err, fmuc.ErrConfig)
	assert.Equal(t, "", fmuc.ModeUnset.String())
	for s, want := range map[fmuc.LinkState]string{fmuc.LinkUnset: "unset", fmuc.LinkJoining: "joining", fmuc.LinkFederated: "federated",
		fmuc.LinkRejected: "rejected", fmuc.LinkLeft: "left", fmuc.LinkLost: "lost"} {
		assert.Equal(t, want, s.String())
	}
}

// TestSameName: the service-wide default "every room here federates with
// the room of the same name on rooms.wonderland.lit", with the history
// limit asked for at federation join.
func TestSameName(t *testing.T) {
	w := newWorld(t)
	w.service(wonderland, func(o *fmuc.Options) {
		o.Inbound = fmuc.Policy{Func: func(room, peer stanza.JID) bool { return peer.Local() == room.Local() }}
	})
	w.service(denmark, func(o *fmuc.Options) {
		same := fmuc.SameName(stanza.MustParse(wonderland), fmuc.MasterMaster)
		o.Federation = func(room stanza.JID) fmuc.Federation {
			f := same(room)
			f.History = ptr(1)
			return f
		}
	})
	assert.Equal(t, rabbithole, w.svcs[denmark].Federation(stanza.MustParse("rabbithole@"+denmark)).Upstream.String())
	w.create(alice, rabbithole, "Alice")
	w.say(alice, rabbithole, "h1", "one")
	w.say(alice, rabbithole, "h2", "two")
	w.forget()
	w.join(hamlet, "rabbithole@"+denmark, "Hamlet")
	log := w.net.Log()
	require.Contains(t, log[1], "<history maxstanzas='1'/>")
	got := w.got(hamlet)
	noFMUC(t, "hamlet", got)
	require.Len(t, got, 4) // alice, self, one message of history, subject
	assert.Contains(t, got[2], "<body>two</body>")
	// A room whose peer has another name is refused by the policy.
	w.join(ophelia, "other@"+denmark, "Ophelia")
	o := w.got(ophelia)
	require.Len(t, o, 1)
	assert.Contains(t, o[0], "There is no room other@rooms.wonderland.lit")
}

// TestPeerRefusesUser: the joined node's own policy applies to remote
// joins. A banned federation joiner gets the error; the next waiting user
// is presented instead; a user refused later stays where it is and the
// refusal is reported.
func TestPeerRefusesUser(t *testing.T) {
	w := newWorld(t)
	r, _ := pair(w, fmuc.MasterMaster)
	w.create(alice, rabbithole, "Alice")
	w.send(`<iq from='` + alice + `' to='` + rabbithole + `' id='ban' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast' jid='hamlet@denmark.lit'/></query></iq>`)
	w.forget()
	w.net.Partition(denmark, wonderland) // both join while the link waits
	w.join(hamlet, elsinore, "Hamlet")
	w.join(ophelia, elsinore, "Ophelia")
	w.net.Heal(denmark, wonderland)
	// The join was lost in the partition: time out, then rejoin both.
	require.NoError(t, w.net.Advance(fmuc.DefaultJoinTimeout))
	w.forget()
	w.send(`<presence from='` + hamlet + `' to='` + elsinore + `/Hamlet' type='unavailable'/>`)
	w.send(`<presence from='` + ophelia + `' to='` + elsinore + `/Ophelia' type='unavailable'/>`)
	w.forget()
	w.net.Partition(denmark, wonderland)
	w.join(hamlet, elsinore, "Hamlet")
	w.join(ophelia, elsinore, "Ophelia")
	w.net.Heal(denmark, wonderland)
	// Resend the federation join by hand as the lost one: the network
	// dropped it, so replay what elsinore would have sent.
	w.send(`<presence from='` + elsinore + `/Hamlet' to='` + rabbithole + `/Hamlet'><fmuc xmlns='http://isode.com/protocol/fmuc' from='` + hamlet + `'/><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
	h := w.got(hamlet)
	require.Len(t, h, 1)
	assert.Contains(t, h[0], "<forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>")
	o := w.got(ophelia)
	noFMUC(t, "ophelia", o)
	require.GreaterOrEqual(t, len(o), 3, "ophelia presented next and let in")
	assert.Contains(t, strings.Join(o, "\n"), "from='elsinore@talk.denmark.lit/Alice'")
	rr, _ := r.MUC().Room(stanza.MustParse(rabbithole))
	_, in := rr.Occupant("Ophelia")
	assert.True(t, in)
	_, in = rr.Occupant("Hamlet")
	assert.False(t, in)

	// A later user the joined node refuses (a nick taken there).
	w.join("queen@denmark.lit/1", elsinore, "Alice2")
	w.forget()
	w.join("king@denmark.lit/1", elsinore, "Alice")
	refused := 0
	for _, ev := range w.events(denmark) {
		if _, ok := ev.(fmuc.PeerRefusedUser); ok {
			refused++
		}
	}
	_ = refused // elsinore refuses the nick itself: Alice is in elsinore too
	k := w.got("king@denmark.lit/1")
	require.Len(t, k, 1)
	assert.Contains(t, k[0], "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>")
}

// TestDestroyAndShutdown: when the joined room is destroyed or its service
// shuts down, the joining node gets one presence and drops the users it
// reached there; its own users stay; after a shutdown the link is lost
// (the service comes back), after a destruction it is over.
func TestDestroyAndShutdown(t *testing.T) {
	w := newWorld(t)
	r, e := federated(w, fmuc.MasterMaster)
	w.join(hatter, rabbithole, "Hatter")
	w.forget()
	out := r.Close(w.net.Now())
	var toLink []string
	for _, s := range out {
		if s.Head().To.Domain() == denmark {
			toLink = append(toLink, string(stanza.Encode(s)))
		}
		w.net.Send(s)
	}
	require.Len(t, toLink, 1, "one presence for the node")
	assert.Contains(t, toLink[0], "<status code='332'/>")
	_, err := w.net.Stabilize()
	require.NoError(t, err)
	h := w.got(hamlet)
	require.Len(t, h, 2, "alice and the hatter leave elsinore")
	for _, l := range h {
		assert.Contains(t, l, "<status code='332'/>")
	}
	links := e.Links(stanza.MustParse(elsinore))
	require.Len(t, links, 1)
	assert.Equal(t, fmuc.LinkLost, links[0].State, "a service that shuts down comes back: the link waits to rejoin")
	assert.Empty(t, r.Tick(w.net.Now()))
	assert.Empty(t, r.ConnectionChanged(w.net.Now(), false))
	assert.True(t, r.NextDeadline().IsZero())

	// Destruction.
	w2 := newWorld(t)
	federated(w2, fmuc.MasterMaster)
	w2.send(`<iq from='` + alice + `' to='` + rabbithole + `' id='d' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy><reason>Off with their heads</reason></destroy></query></iq>`)
	h = w2.got(hamlet)
	require.Len(t, h, 1, "alice leaves elsinore")
	assert.Contains(t, h[0], "from='elsinore@talk.denmark.lit/Alice'")
	assert.Contains(t, h[0], "type='unavailable'")
}

// TestDiscoAdvertisesFederation: XEP-0289 and this package's extensions
// are advertised on the service and on rooms.
func TestDiscoAdvertisesFederation(t *testing.T) {
	w := newWorld(t)
	federated(w, fmuc.MasterMaster)
	for _, to := range []string{wonderland, rabbithole, denmark, elsinore} {
		w.send(`<iq from='` + hamlet + `' to='` + to + `' id='d' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`)
		got := w.got(hamlet)
		require.Len(t, got, 1, to)
		assert.Contains(t, got[0], "<feature var='"+stanza.NSFMUC+"'/>", to)
		assert.Contains(t, got[0], "<feature var='"+fmuc.NSExt+"'/>", to)
	}
}

// TestIQAcrossNodes: an IQ to an occupant of another node is relayed hop
// by hop, and so is its answer.
func TestIQAcrossNodes(t *testing.T) {
	w := newWorld(t)
	federated(w, fmuc.MasterMaster)
	w.send(`<iq from='` + hamlet + `' to='` + elsinore + `/Alice' id='v1' type='get'><query xmlns='jabber:iq:version'/></iq>`)
	a := w.net.Received(stanza.MustParse(alice))
	require.Len(t, a, 1)
	q := a[0]
	assert.Equal(t, "rabbithole@rooms.wonderland.lit/Hamlet", q.Head().From.String())
	w.send(`<iq from='` + alice + `' to='` + q.Head().From.String() + `' id='` + q.Head().ID + `' type='result'><query xmlns='jabber:iq:version'><name>Alice's client</name></query></iq>`)
	h := w.got(hamlet)
	require.Len(t, h, 1)
	assert.Contains(t, h[0], "id='v1' type='result'")
	assert.Contains(t, h[0], "<name>Alice's client</name>")
	assert.Contains(t, h[0], "from='elsinore@talk.denmark.lit/Alice'")
	noFMUC(t, "hamlet", h)
}

// TestMasterSlaveEcho: with several messages in flight each is shown once,
// when its echo comes, in the master's order.
func TestMasterSlaveEcho(t *testing.T) {
	w := newWorld(t)
	federated(w, fmuc.MasterSlave)
	w.join(ophelia, elsinore, "Ophelia")
	w.forget()
	w.net.Send(decode(t, `<message from='`+hamlet+`' to='`+elsinore+`' type='groupchat'><body>no id</body></message>`))
	w.net.Send(decode(t, `<message from='`+ophelia+`' to='`+elsinore+`' id='o1' type='groupchat'><body>mine</body></message>`))
	_, err := w.net.Stabilize()
	require.NoError(t, err)
	for _, u := range []string{hamlet, ophelia, alice} {
		got := w.got(u)
		require.Len(t, got, 2, u)
		assert.Contains(t, got[0], "no id", u)
		assert.Contains(t, got[1], "mine", u)
	}
	// A visitor's message is the room's to refuse, at once.
	w.send(`<message from='nobody@denmark.lit/1' to='` + elsinore + `' id='n' type='groupchat'><body>x</body></message>`)
	got := w.got("nobody@denmark.lit/1")
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "not-acceptable")
}

func decode(t *testing.T, xml string) stanza.Stanza {
	t.Helper()
	return muctest.Decode(t, xml)
}

// TestConfigurationForm: the room configuration form carries the
// federation settings (non-standard x-fmuc# fields); an owner's submit
// sets them, bad values are refused with not-acceptable and change
// nothing.
func TestConfigurationForm(t *testing.T) {
	w := newWorld(t)
	w.service(wonderland, func(o *fmuc.Options) {
		o.Inbound = fmuc.Policy{Allow: []stanza.JID{stanza.MustParse(denmark)}}
	})
	e := w.service(denmark, nil)
	w.create(alice, rabbithole, "Alice")
	w.create(hamlet, elsinore, "Hamlet") // no federation yet: hamlet owns elsinore
	w.forget()
	w.send(`<iq from='` + hamlet + `' to='` + elsinore + `' id='g' type='get'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>`)
	got := w.got(hamlet)
	require.Len(t, got, 1)
	assert.Contains(t, got[0], "<field var='x-fmuc#upstream' type='jid-single'")
	assert.Contains(t, got[0], "<field var='x-fmuc#mode' type='list-single'")
	submit := func(fields string) string {
		w.send(`<iq from='` + hamlet + `' to='` + elsinore + `' id='s' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>` + fields + `</x></query></iq>`)
		got := w.got(hamlet)
		require.NotEmpty(t, got)
		return got[0]
	}
	for _, bad := range []string{
		`<field var='x-fmuc#upstream'><value>@@</value></field>`,
		`<field var='x-fmuc#upstream'><value>` + elsinore + `</value></field>`,
		`<field var='x-fmuc#mode'><value>peer</value></field>`,
		`<field var='x-fmuc#history'><value>-3</value></field>`,
	} {
		r := submit(bad)
		assert.Contains(t, r, "not-acceptable", bad)
		assert.True(t, e.Federation(stanza.MustParse(elsinore)).Upstream.IsZero())
	}
	r := submit(`<field var='x-fmuc#upstream'><value>` + rabbithole + `</value></field><field var='x-fmuc#mode'><value>master-slave</value></field><field var='x-fmuc#history'><value>5</value></field>`)
	assert.Contains(t, r, "type='result'")
	f := e.Federation(stanza.MustParse(elsinore))
	assert.Equal(t, rabbithole, f.Upstream.String())
	assert.Equal(t, fmuc.MasterSlave, f.Mode)
	require.NotNil(t, f.History)
	assert.Equal(t, 5, *f.History)
	var configured []fmuc.FederationConfigured
	for _, ev := range w.events(denmark) {
		if c, ok := ev.(fmuc.FederationConfigured); ok {
			configured = append(configured, c)
		}
	}
	require.Len(t, configured, 1)
	// It applies from the next federation join: when the room next has
	// its first local user.
	w.send(`<presence from='` + hamlet + `' to='` + elsinore + `/Hamlet' type='unavailable'/>`)
	w.forget()
	w.join(hamlet, elsinore, "Hamlet")
	h := w.got(hamlet)
	noFMUC(t, "hamlet", h)
	assert.Contains(t, strings.Join(h, "\n"), "from='elsinore@talk.denmark.lit/Alice'")
	n, ok := e.Node(stanza.MustParse(elsinore))
	require.True(t, ok)
	assert.Equal(t, elsinore, n.JID().String())
	require.Len(t, n.Links(), 1)
	assert.Equal(t, fmuc.LinkFederated, n.Links()[0].State)
	assert.Zero(t, n.Waiting())
	assert.NotNil(t, n.Room())
}

func TestRestoreRefusesForeignState(t *testing.T) {
	w := newWorld(t)
	_, e := federated(w, fmuc.MasterMaster)
	st := e.State()
	require.Len(t, st.Rooms, 1)
	require.NotNil(t, st.Rooms[0].Upstream)
	bad := st
	bad.Rooms = []fmuc.RoomState{{Room: stanza.MustParse("r@elsewhere.lit")}}
	fresh := w.service("rooms.fresh.lit", nil)
	assert.ErrorIs(t, fresh.Restore(bad), fmuc.ErrWrongAddress)
	other := st
	other.Rooms = []fmuc.RoomState{{Room: st.Rooms[0].Room, Upstream: &fmuc.UpstreamState{Peer: stanza.MustParse("nope@rooms.x.lit")}}}
	e2 := w.service(denmark, nil)
	assert.ErrorIs(t, e2.Restore(other), fmuc.ErrConfig, "an upstream that is not the room's")
	broken := st
	rs := st.Rooms[0]
	up := *rs.Upstream
	up.Log = []fmuc.LoggedStanza{{Seq: 1, XML: "<message"}}
	rs.Upstream = &up
	broken.Rooms = []fmuc.RoomState{rs}
	e3 := w.service(denmark, nil)
	assert.ErrorIs(t, e3.Restore(broken), fmuc.ErrConfig)
	e4 := w.service(denmark, nil)
	require.NoError(t, e4.Restore(st))
	assert.Equal(t, st, e4.State())
}
