package e2e

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/internal/servers"
	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/stanza"
)

var (
	rabbithole = stanza.MustParse("rabbithole@" + roomsW)
	elsinore   = stanza.MustParse("elsinore@" + talkD)
	courtD     = stanza.MustParse("court@" + talkD)
	courtW     = stanza.MustParse("court@" + roomsW)
	moatW      = stanza.MustParse("moat@" + roomsW)
)

// startPair starts wonderland.lit (Prosody) and denmark.lit (started by
// denmark) with their nodes, s2s through the proxies:
//   - elsinore@talk.denmark.lit joins rabbithole@rooms.wonderland.lit;
//   - court@rooms.wonderland.lit joins court@talk.denmark.lit;
//   - moat@rooms.wonderland.lit tries to join moat@talk.denmark.lit,
//     which denmark does not allow (it admits court only).
func startPair(t *testing.T, denmark func(f *federation) *servers.Server) (f *federation, w, d *harness) {
	t.Helper()
	f = newFederation(t)
	ws := f.prosody(wonderlandLit, roomsW, accounts(wonderlandUsers))
	ds := denmark(f)
	w = f.add(ws, federate("", map[string]string{"court": courtD.String(), "moat": "moat@" + talkD}, talkD))
	d = f.add(ds, federate("", map[string]string{"elsinore": rabbithole.String()}, courtW.String(), talkN))
	return f, w, d
}

func prosodyDenmark(f *federation) *servers.Server {
	return f.prosody(denmarkLit, talkD, accounts(denmarkUsers))
}

func ejabberdDenmark(f *federation) *servers.Server {
	return f.ejabberd(denmarkLit, talkD, accounts(denmarkUsers))
}

// TestFederationProsody is the XEP-0289 walk-through between two Prosody
// servers over a constrained s2s link: 16 KiB/s and 25 ms each way.
func TestFederationProsody(t *testing.T) {
	f, w, d := startPair(t, prosodyDenmark)
	for _, p := range f.proxies {
		p.SetRate(16 << 10)
		p.SetDelay(25 * time.Millisecond)
	}
	walkThrough(t, f, w, d)
}

// TestFederationEjabberd is the same walk-through with ejabberd 23.01 as
// denmark.lit.
func TestFederationEjabberd(t *testing.T) {
	if os.Getenv(EjabberdEnv) == "0" {
		t.Skip(EjabberdEnv + "=0")
	}
	f, w, d := startPair(t, ejabberdDenmark)
	walkThrough(t, f, w, d)
}

// say sends a groupchat message with an origin-id.
func say(t *testing.T, c *client, room stanza.JID, id, body string) {
	t.Helper()
	send(t, c, fmt.Sprintf(`<message to='%s' type='groupchat' id='%s'><body>%s</body><origin-id xmlns='urn:xmpp:sid:0' id='o-%s'/></message>`, room, id, body, id))
}

// hears waits until c receives body from occ and checks it carries no
// federation payload.
func hears(t *testing.T, c *client, occ stanza.JID, body string) *stanza.Message {
	t.Helper()
	m := expect(t, c, fmt.Sprintf("%q from %s", body, occ), groupchat(occ.Bare(), body)).(*stanza.Message)
	assert.Equal(t, occ, m.From, "author of %q", body)
	noFMUC(t, m)
	return m
}

// seesPresence waits for a presence of occ of type typ at c.
func seesPresence(t *testing.T, c *client, occ stanza.JID, typ string) *stanza.Presence {
	t.Helper()
	p := expect(t, c, "presence of "+occ.String(), presenceFrom(occ, typ)).(*stanza.Presence)
	noFMUC(t, p)
	return p
}

// walkThrough is the XEP-0289 walk-through, asserted on what each client
// receives. The subtests build on each other.
func walkThrough(t *testing.T, f *federation, w, d *harness) {
	alice, hatter := w.client("alice"), w.client("hatter")
	hamlet, ophelia := d.client("hamlet"), d.client("ophelia")
	at := occupant

	t.Run("initial federation with history and subject", func(t *testing.T) {
		createInstant(t, alice, rabbithole, "Alice")
		send(t, alice, `<message to='`+rabbithole.String()+`' type='groupchat' id='subj'><subject>Tea party</subject></message>`)
		expect(t, alice, "subject", isSubject)
		for i := 1; i <= 2; i++ {
			say(t, alice, rabbithole, fmt.Sprint("h", i), fmt.Sprint("history ", i))
			hears(t, alice, at(rabbithole, "Alice"), fmt.Sprint("history ", i))
		}

		r := mustJoin(t, hamlet, elsinore, "Hamlet", "")
		noFMUC(t, r.seen...)
		var occupants []stanza.JID
		var history []string
		var subject string
		for _, st := range r.seen {
			switch s := st.(type) {
			case *stanza.Presence:
				occupants = append(occupants, s.From)
				if s.From == at(elsinore, "Alice") {
					_, ok := stanza.Child(s, "vcard-temp:x:update", "x")
					assert.True(t, ok, "the payload Prosody added to alice's presence is relayed: %s", stanza.Encode(s))
				}
			case *stanza.Message:
				if subj, ok := s.Subject(); ok {
					subject = subj
					continue
				}
				b, _ := s.Body()
				history = append(history, b)
				dl, ok := stanza.FindDelay(s)
				assert.True(t, ok, "history carries its delay: %s", stanza.Encode(s))
				assert.Equal(t, rabbithole, dl.From, "the origin's delay is kept")
				assert.Equal(t, at(elsinore, "Alice"), s.From)
			}
		}
		assert.Equal(t, []stanza.JID{at(elsinore, "Alice"), at(elsinore, "Hamlet")}, occupants, "occupants, then the self-presence")
		assert.Contains(t, statuses(t, r.self), 110)
		assert.Equal(t, []string{"history 1", "history 2"}, history)
		assert.Equal(t, "Tea party", subject, "the joined node's subject")
		p := seesPresence(t, alice, at(rabbithole, "Hamlet"), "")
		assert.Equal(t, stanza.RoleParticipant, item(t, p).Role)
		require.Eventually(t, func() bool { return d.node.Figures().State(elsinore, rabbithole) == fmuc.LinkFederated }, wait, 20*time.Millisecond)
	})

	t.Run("messages both ways", func(t *testing.T) {
		say(t, hamlet, elsinore, "hm1", "To be, or not to be")
		m := hears(t, hamlet, at(elsinore, "Hamlet"), "To be, or not to be")
		assert.Equal(t, "hm1", m.ID, "the reflection keeps the id")
		m = hears(t, alice, at(rabbithole, "Hamlet"), "To be, or not to be")
		oid, _ := stanza.OriginID(m)
		assert.Equal(t, "o-hm1", oid, "payloads relayed")
		say(t, alice, rabbithole, "am1", "Curiouser and curiouser")
		hears(t, alice, at(rabbithole, "Alice"), "Curiouser and curiouser")
		m = hears(t, hamlet, at(elsinore, "Alice"), "Curiouser and curiouser")
		// XEP-0421 §4: exactly one occupant id, the receiving room's.
		assert.Len(t, stanza.Children(m, "urn:xmpp:occupant-id:0", "occupant-id"), 1, "%s", stanza.Encode(m))
	})

	t.Run("a third user joins on each side", func(t *testing.T) {
		r := mustJoin(t, ophelia, elsinore, "Ophelia", "")
		noFMUC(t, r.seen...)
		var from []stanza.JID
		for _, st := range r.seen {
			if st.Kind() == stanza.KindPresence {
				from = append(from, st.Head().From)
			}
		}
		assert.ElementsMatch(t, []stanza.JID{at(elsinore, "Alice"), at(elsinore, "Hamlet"), at(elsinore, "Ophelia")}, from)
		seesPresence(t, alice, at(rabbithole, "Ophelia"), "")
		seesPresence(t, hamlet, at(elsinore, "Ophelia"), "")

		r = mustJoin(t, hatter, rabbithole, "Hatter", "")
		from = nil
		for _, st := range r.seen {
			if st.Kind() == stanza.KindPresence {
				from = append(from, st.Head().From)
			}
		}
		assert.ElementsMatch(t, []stanza.JID{at(rabbithole, "Alice"), at(rabbithole, "Hamlet"), at(rabbithole, "Ophelia"), at(rabbithole, "Hatter")}, from)
		seesPresence(t, hamlet, at(elsinore, "Hatter"), "")
		seesPresence(t, ophelia, at(elsinore, "Hatter"), "")
	})

	t.Run("presence update", func(t *testing.T) {
		send(t, hamlet, `<presence to='`+at(elsinore, "Hamlet").String()+`'><show>away</show><status>To be or not to be</status></presence>`)
		for _, c := range []*client{alice, hatter} {
			p := seesPresence(t, c, at(rabbithole, "Hamlet"), "")
			assert.Equal(t, "away", p.Show())
			assert.Equal(t, "To be or not to be", p.Status())
		}
	})

	t.Run("nick change", func(t *testing.T) {
		send(t, hamlet, `<presence to='`+at(elsinore, "Prince").String()+`'/>`)
		p := seesPresence(t, hamlet, at(elsinore, "Hamlet"), stanza.PresenceUnavailable)
		assert.Contains(t, statuses(t, p), 303)
		seesPresence(t, hamlet, at(elsinore, "Prince"), "")
		p = seesPresence(t, alice, at(rabbithole, "Hamlet"), stanza.PresenceUnavailable)
		assert.Contains(t, statuses(t, p), 303, "XEP-0045 §7.6")
		assert.Equal(t, "Prince", item(t, p).Nick)
		seesPresence(t, alice, at(rabbithole, "Prince"), "")
		say(t, alice, rabbithole, "am2", "Who are you?")
		hears(t, hamlet, at(elsinore, "Alice"), "Who are you?")
	})

	t.Run("private messages both ways", func(t *testing.T) {
		send(t, hamlet, `<message to='`+at(elsinore, "Alice").String()+`' type='chat' id='pm1'><body>A word in private</body></message>`)
		m := expect(t, alice, "private message", xmppclient.ByID("pm1"))
		assert.Equal(t, at(rabbithole, "Prince"), m.Head().From, "relayed by the rooms, from the occupant JID")
		assert.Equal(t, stanza.MessageChat, m.Head().Type)
		noFMUC(t, m)
		send(t, alice, `<message to='`+at(rabbithole, "Prince").String()+`' type='chat' id='pm2'><body>Speak</body></message>`)
		m = expect(t, hamlet, "private answer", xmppclient.ByID("pm2"))
		assert.Equal(t, at(elsinore, "Alice"), m.Head().From)
		b, _ := m.(*stanza.Message).Body()
		assert.Equal(t, "Speak", b)
		noFMUC(t, m)
	})

	t.Run("an IQ to a remote occupant is relayed and answered", func(t *testing.T) {
		// The rooms relay the request hop by hop, and alice's answer back.
		send(t, hamlet, `<iq type='get' id='ver1' to='`+at(elsinore, "Alice").String()+`'><query xmlns='jabber:iq:version'/></iq>`)
		req := expect(t, alice, "the version request", func(s stanza.Stanza) bool {
			_, ok := stanza.Child(s, "jabber:iq:version", "query")
			return s.Kind() == stanza.KindIQ && s.Head().Type == stanza.IQGet && ok
		})
		noFMUC(t, req)
		assert.Equal(t, at(rabbithole, "Prince"), req.Head().From, "from the asker's occupant JID, never its real JID")
		send(t, alice, `<iq type='result' id='`+req.Head().ID+`' to='`+req.Head().From.String()+`'><query xmlns='jabber:iq:version'><name>Looking-glass</name></query></iq>`)
		res := expect(t, hamlet, "the answer", xmppclient.ByID("ver1"))
		requireResult(t, res)
		noFMUC(t, res)
		assert.Equal(t, at(elsinore, "Alice"), res.Head().From)
		var v struct {
			Name string `xml:"name"`
		}
		found, err := stanza.Find(res, "jabber:iq:version", "query", &v)
		require.NoError(t, err)
		require.True(t, found, "%s", stanza.Encode(res))
		assert.Equal(t, "Looking-glass", v.Name, "the answer relayed intact")
	})

	t.Run("a client's fmuc payload reaches nobody", func(t *testing.T) {
		// In a groupchat to its own room: the payload is dropped, the
		// message goes on.
		send(t, ophelia, `<message to='`+elsinore.String()+`' type='groupchat' id='of1'><body>Forged</body><fmuc xmlns='http://isode.com/protocol/fmuc' from='alice@wonderland.lit/e2e'/></message>`)
		m := hears(t, alice, at(rabbithole, "Ophelia"), "Forged")
		assert.Equal(t, at(rabbithole, "Ophelia"), m.From)
		hears(t, hamlet, at(elsinore, "Ophelia"), "Forged")
		// Straight to the remote room, as if ophelia were a peer room:
		// dropped. The disco#info that follows takes the same path, so
		// once it is answered the forgery has been handled.
		send(t, ophelia, `<message to='`+rabbithole.String()+`' type='groupchat' id='of2'><body>I am Alice</body><fmuc xmlns='http://isode.com/protocol/fmuc' from='alice@wonderland.lit/e2e'/></message>`)
		iq(t, ophelia, stanza.IQGet, rabbithole, "after-forgery", `<query xmlns='http://jabber.org/protocol/disco#info'/>`)
		// alice hears of nothing either: the message from hatter that
		// follows is later on her stream than anything of the forgery.
		say(t, hatter, rabbithole, "hat1", "Have some wine")
		hears(t, alice, at(rabbithole, "Hatter"), "Have some wine")
		for _, c := range []*client{alice, hatter, hamlet} {
			expectNot(t, c, 300*time.Millisecond, "the forgery", xmppclient.MessageWithBody("I am Alice"))
		}
		assert.Contains(t, w.logs.String(), "spoofed stanza refused")
	})

	t.Run("kick from the hosting side", func(t *testing.T) {
		res := iq(t, alice, stanza.IQSet, rabbithole, "kick1", `<query xmlns='http://jabber.org/protocol/muc#admin'><item nick='Prince' role='none'><reason>Off with his head</reason></item></query>`)
		requireResult(t, res)
		p := seesPresence(t, hamlet, at(elsinore, "Prince"), stanza.PresenceUnavailable)
		assert.Subset(t, statuses(t, p), []int{110, 307}, "the kicked user is told")
		assert.Equal(t, "Off with his head", item(t, p).Reason)
		p = seesPresence(t, ophelia, at(elsinore, "Prince"), stanza.PresenceUnavailable)
		assert.Contains(t, statuses(t, p), 307)
		p = seesPresence(t, alice, at(rabbithole, "Prince"), stanza.PresenceUnavailable)
		assert.Contains(t, statuses(t, p), 307)
	})

	t.Run("kick from the other side", func(t *testing.T) {
		createInstant(t, hamlet, courtD, "Hamlet")
		r := mustJoin(t, alice, courtW, "Alice", "")
		noFMUC(t, r.seen...)
		seesPresence(t, hamlet, at(courtD, "Alice"), "")
		res := iq(t, hamlet, stanza.IQSet, courtD, "kick2", `<query xmlns='http://jabber.org/protocol/muc#admin'><item nick='Alice' role='none'><reason>Get thee to a nunnery</reason></item></query>`)
		requireResult(t, res)
		p := seesPresence(t, alice, at(courtW, "Alice"), stanza.PresenceUnavailable)
		assert.Subset(t, statuses(t, p), []int{110, 307})
		assert.Equal(t, "Get thee to a nunnery", item(t, p).Reason)
		p = seesPresence(t, hamlet, at(courtD, "Alice"), stanza.PresenceUnavailable)
		assert.Contains(t, statuses(t, p), 307)
	})

	t.Run("reject of a peer that is not allowed", func(t *testing.T) {
		r := join(t, hatter, moatW, "Hatter", "")
		require.Equal(t, stanza.PresenceError, r.self.Head().Type, "%s", stanza.Encode(r.self))
		e, ok := stanza.ErrorOf(r.self)
		require.True(t, ok)
		assert.Equal(t, stanza.NotAllowed, e.Condition)
		assert.Contains(t, e.Text, "not allowed", "the peer's reason")
		assert.Contains(t, d.logs.String(), "federation refused")
	})

	t.Run("leave and left", func(t *testing.T) {
		for _, c := range []*client{ophelia} {
			send(t, c, `<presence to='`+at(elsinore, "Ophelia").String()+`' type='unavailable'/>`)
			seesPresence(t, c, at(elsinore, "Ophelia"), stanza.PresenceUnavailable)
		}
		seesPresence(t, alice, at(rabbithole, "Ophelia"), stanza.PresenceUnavailable)
		// The last local user left: rabbithole confirms with <left/>.
		require.Eventually(t, func() bool { return d.node.Figures().State(elsinore, rabbithole) == fmuc.LinkLeft }, wait, 20*time.Millisecond, "%+v", d.node.Figures())
		f.settle(300 * time.Millisecond)
		before := f.proxies[denmarkLit].Counters()
		sent := peerBytes(w, elsinore)
		say(t, alice, rabbithole, "am3", "Anyone there?")
		hears(t, alice, at(rabbithole, "Alice"), "Anyone there?")
		send(t, alice, `<presence to='`+at(rabbithole, "Alice").String()+`'><show>xa</show></presence>`)
		seesPresence(t, hatter, at(rabbithole, "Alice"), "")
		f.settle(300 * time.Millisecond)
		assert.Equal(t, sent, peerBytes(w, elsinore), "XEP-0289 §4.4: nothing more to a node that left")
		assert.Less(t, f.proxies[denmarkLit].Counters().Sub(before).Up, int64(100), "no stanza on the link to denmark")

		// The next local user federates again.
		r := mustJoin(t, ophelia, elsinore, "Ophelia", "")
		noFMUC(t, r.seen...)
		var bodies []string
		for _, st := range r.seen {
			if m, ok := st.(*stanza.Message); ok {
				if b, ok := m.Body(); ok {
					bodies = append(bodies, b)
				}
			}
		}
		assert.Contains(t, bodies, "Anyone there?", "history from while the node was away")
		seesPresence(t, alice, at(rabbithole, "Ophelia"), "")
	})

	t.Run("servers restarted under their nodes", func(t *testing.T) {
		// denmark's users leave before their server stops, and the link
		// goes quiet first: a server stopping with them inside (ejabberd)
		// hands the node their exits while it refuses what comes for the
		// node, so that rabbithole's <left/> is bounced and elsinore keeps
		// a link that rabbithole no longer has (fmuc does not recover from
		// a lost <left/> yet: issue 14).
		send(t, ophelia, `<presence to='`+at(elsinore, "Ophelia").String()+`' type='unavailable'/>`)
		seesPresence(t, ophelia, at(elsinore, "Ophelia"), stanza.PresenceUnavailable)
		require.Eventually(t, func() bool { return d.node.Figures().State(elsinore, rabbithole) == fmuc.LinkLeft }, wait, 20*time.Millisecond)
		require.NoError(t, d.srv.Restart())
		// The node reconnects by itself; the users log in again and the
		// room federates anew through the restarted server.
		hamlet2 := d.client("hamlet")
		r := mustJoin(t, hamlet2, elsinore, "Hamlet", "")
		noFMUC(t, r.seen...)
		seesPresence(t, alice, at(rabbithole, "Hamlet"), "")
		say(t, hamlet2, elsinore, "hm2", "I am back")
		hears(t, alice, at(rabbithole, "Hamlet"), "I am back")
		say(t, alice, rabbithole, "am4", "Welcome back")
		hears(t, hamlet2, at(elsinore, "Alice"), "Welcome back")
		assert.NotZero(t, d.node.Stats().Reconnects, "the node reconnected")

		// And the hosting server.
		require.NoError(t, w.srv.Restart())
		alice2 := w.client("alice")
		r = mustJoin(t, alice2, rabbithole, "Alice", "")
		noFMUC(t, r.seen...)
		say(t, hamlet2, elsinore, "hm3", "And you?")
		hears(t, alice2, at(rabbithole, "Hamlet"), "And you?")
		say(t, alice2, rabbithole, "am5", "Back too")
		hears(t, hamlet2, at(elsinore, "Alice"), "Back too")
		assert.NotZero(t, w.node.Stats().Reconnects, "the node reconnected")
	})
}

// isSubject reports whether s is a message carrying a subject.
func isSubject(s stanza.Stanza) bool {
	m, ok := s.(*stanza.Message)
	if !ok {
		return false
	}
	_, has := m.Subject()
	return has
}

// peerBytes is what h's node sent to peer.
func peerBytes(h *harness, peer stanza.JID) int64 {
	for _, p := range h.node.Figures().Peers {
		if p.Peer == peer {
			return p.Bytes
		}
	}
	return 0
}
