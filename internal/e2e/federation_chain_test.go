package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/examples/node/mucnode"
	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/stanza"
)

var (
	battlements = stanza.MustParse("battlements@" + talkN)
	pirates     = stanza.MustParse("pirates@" + talkN)
)

// TestFederationChain: three Prosody servers, three nodes in a chain:
// battlements@talk.norway.lit joins elsinore@talk.denmark.lit (master-
// slave), which joins rabbithole@rooms.wonderland.lit; the middle room is
// joining and joined at once. norway's pirates room tries to join
// rabbithole directly, which wonderland does not allow.
func TestFederationChain(t *testing.T) {
	f := newFederation(t)
	ws := f.prosody(wonderlandLit, roomsW, accounts(wonderlandUsers))
	ds := f.prosody(denmarkLit, talkD, accounts(denmarkUsers))
	ns := f.prosody(norwayLit, talkN, accounts(norwayUsers))
	w := f.add(ws, federate("", nil, talkD))
	d := f.add(ds, federate("", map[string]string{"elsinore": rabbithole.String()}, talkN))
	n := f.add(ns, federate("", map[string]string{"battlements": elsinore.String(), "pirates": rabbithole.String()}),
		func(c *mucnode.Config) { c.Federation.Mode = "master-slave" })
	alice, hamlet, fortinbras := w.client("alice"), d.client("hamlet"), n.client("fortinbras")
	at := occupant

	t.Run("the chain forms", func(t *testing.T) {
		createInstant(t, alice, rabbithole, "Alice")
		mustJoin(t, hamlet, elsinore, "Hamlet", "")
		seesPresence(t, alice, at(rabbithole, "Hamlet"), "")
		r := mustJoin(t, fortinbras, battlements, "Fortinbras", "")
		noFMUC(t, r.seen...)
		var from []stanza.JID
		for _, st := range r.seen {
			if st.Kind() == stanza.KindPresence {
				from = append(from, st.Head().From)
			}
		}
		assert.ElementsMatch(t, []stanza.JID{at(battlements, "Alice"), at(battlements, "Hamlet"), at(battlements, "Fortinbras")}, from,
			"the leaf sees the whole federation")
		seesPresence(t, hamlet, at(elsinore, "Fortinbras"), "")
		seesPresence(t, alice, at(rabbithole, "Fortinbras"), "")
		assert.Equal(t, fmuc.LinkFederated, d.node.Figures().State(elsinore, battlements), "the middle node is joined...")
		assert.Equal(t, fmuc.LinkFederated, d.node.Figures().State(elsinore, rabbithole), "...and joining")
	})

	t.Run("a leaf's message reaches every node exactly once", func(t *testing.T) {
		say(t, fortinbras, battlements, "f1", "From the leaf")
		hears(t, fortinbras, at(battlements, "Fortinbras"), "From the leaf")
		hears(t, hamlet, at(elsinore, "Fortinbras"), "From the leaf")
		hears(t, alice, at(rabbithole, "Fortinbras"), "From the leaf")
		// A second message along the same path; no second copy of the
		// first may come before it (or at all).
		say(t, fortinbras, battlements, "f2", "Sentinel")
		for _, c := range []*client{alice, hamlet, fortinbras} {
			hears(t, c, at(c2room(c, alice, hamlet), "Fortinbras"), "Sentinel")
			expectNot(t, c, 200*time.Millisecond, "a second copy", xmppclient.MessageWithBody("From the leaf"))
		}
		say(t, alice, rabbithole, "a1", "From the root")
		hears(t, fortinbras, at(battlements, "Alice"), "From the root")
		hears(t, hamlet, at(elsinore, "Alice"), "From the root")
	})

	t.Run("master-slave waits for the echo", func(t *testing.T) {
		// Everything to norway is delayed: the leaf's own message is
		// shown only after elsinore (its master) echoed it.
		const delay = 400 * time.Millisecond
		f.proxies[norwayLit].SetDelay(delay)
		defer f.proxies[norwayLit].SetDelay(0)
		begin := time.Now()
		say(t, fortinbras, battlements, "f3", "Echo me")
		m := hears(t, fortinbras, at(battlements, "Fortinbras"), "Echo me")
		assert.GreaterOrEqual(t, time.Since(begin), delay, "shown after the echo crossed the delayed link")
		assert.Equal(t, "f3", m.ID, "the echo is matched by id and keeps it")
		hears(t, alice, at(rabbithole, "Fortinbras"), "Echo me")
	})

	t.Run("a node that is not allowed is rejected", func(t *testing.T) {
		r := join(t, fortinbras, pirates, "Fortinbras", "")
		require.Equal(t, stanza.PresenceError, r.self.Head().Type, "%s", stanza.Encode(r.self))
		e, ok := stanza.ErrorOf(r.self)
		require.True(t, ok)
		assert.Contains(t, e.Text, "not allowed")
		assert.Eventually(t, func() bool { return containsLog(w, "federation refused") }, wait, 20*time.Millisecond)
		expectNot(t, alice, 200*time.Millisecond, "the rejected node's user", presenceFrom(at(rabbithole, "Fortinbras"), ""))
	})
}

// c2room is the room each client of the chain test is in.
func c2room(c, alice, hamlet *client) stanza.JID {
	switch c {
	case alice:
		return rabbithole
	case hamlet:
		return elsinore
	}
	return battlements
}

// containsLog reports whether h's node logged s.
func containsLog(h *harness, s string) bool { return strings.Contains(h.logs.String(), s) }
