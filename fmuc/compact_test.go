package fmuc_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// TestCompactEnvelope: between two rooms of this package a live groupchat
// message crosses the link without <fmuc from/> (each side said
// <compact/>), and the peer shows it from the right user; a presence
// names its user in the item only; a compact message from a nick the peer
// does not hold is refused.
func TestCompactEnvelope(t *testing.T) {
	w := newWorld(t)
	federated(w, fmuc.MasterMaster)
	w.join(hatter, rabbithole, "Hatter")
	presences := w.net.Log()
	var announce string
	for _, l := range presences {
		if strings.Contains(l, "to='"+elsinore+"'") && strings.Contains(l, "from='"+rabbithole+"/Hatter'") {
			announce = l
		}
	}
	assert.Contains(t, announce, "<item affiliation='none' jid='"+hatter+"' role='participant'/>")
	assert.Contains(t, announce, "<fmuc xmlns='http://isode.com/protocol/fmuc'/>", "presence: a bare fmuc, the user in the item")
	r, _ := w.svcs[denmark].MUC().Room(stanza.MustParse(elsinore))
	o, in := r.Occupant("Hatter")
	require.True(t, in)
	assert.Equal(t, hatter, o.JID.String())

	w.forget()
	w.say(hamlet, elsinore, "m1", "Hi Alice")
	w.say(alice, rabbithole, "m2", "Hi Hamlet")
	var link []string
	for _, l := range w.net.Log() {
		if strings.HasPrefix(l, "<message from='"+elsinore+"/") && strings.Contains(l, "to='"+rabbithole+"'") ||
			strings.HasPrefix(l, "<message from='"+rabbithole+"/") && strings.Contains(l, "to='"+elsinore+"'") {
			link = append(link, l)
		}
	}
	require.Len(t, link, 2, "one copy each way")
	for _, l := range link {
		assert.NotContains(t, l, "<fmuc", "a live message needs no fmuc from")
		assert.NotContains(t, l, " by=", "the sender room's stanza-id needs no by")
		assert.Contains(t, l, "<stanza-id xmlns='urn:xmpp:sid:0' id='")
	}
	assert.Equal(t, map[string]int{"Hi Alice": 1, "Hi Hamlet": 1}, bodies(w, hamlet))
	got := w.got(alice)
	require.Len(t, got, 2)
	assert.Contains(t, got[0], "from='"+rabbithole+"/Hamlet'")
	assert.Contains(t, got[0], "Hi Alice")
	assert.Regexp(t, `<stanza-id xmlns='urn:xmpp:sid:0' id='denmark\d+' by='`+elsinore+`'/><stanza-id xmlns='urn:xmpp:sid:0' id='wonderland\d+' by='`+rabbithole+`'/>`, got[0], "the by put back, then the room's own")

	// A nick nobody holds through the link: refused, as a message without
	// any 'from' always was.
	w.send(`<message from='` + elsinore + `/Nobody' to='` + rabbithole + `' id='x' type='groupchat'><body>who?</body></message>`)
	assert.Empty(t, w.got(alice))
	var spoofs int
	for _, ev := range w.events(wonderland) {
		if _, ok := ev.(fmuc.SpoofRefused); ok {
			spoofs++
		}
	}
	assert.Equal(t, 1, spoofs)
}

// TestCompactForgotten: a joined room that dropped the link without the
// joining room hearing it (a lost <left/>, here a forged one) answers the
// next compact message as a stranger's; the joining room takes that as
// the <left/> it missed and federates again, sending the message the
// peer refused once more (as after any session that ended): both
// messages arrive, once each.
func TestCompactForgotten(t *testing.T) {
	w := newWorld(t)
	_, e := federated(w, fmuc.MasterMaster)
	w.send(`<presence from='` + elsinore + `' to='` + rabbithole + `'><fmuc xmlns='http://isode.com/protocol/fmuc'><left/></fmuc></presence>`)
	require.Equal(t, fmuc.LinkFederated, e.Links(stanza.MustParse(elsinore))[0].State, "elsinore did not hear")
	w.forget()
	w.say(hamlet, elsinore, "m1", "lost")
	w.say(hamlet, elsinore, "m2", "after the rejoin")
	assert.Equal(t, fmuc.LinkFederated, e.Links(stanza.MustParse(elsinore))[0].State)
	assert.Equal(t, map[string]int{"lost": 1, "after the rejoin": 1}, bodies(w, alice))
	var changes []string
	for _, ev := range w.events(denmark) {
		if c, ok := ev.(fmuc.LinkChanged); ok {
			changes = append(changes, c.From.String()+">"+c.To.String())
		}
	}
	assert.Equal(t, []string{"federated>left", "left>joining", "joining>federated"}, changes)
}

// TestOccupantIDNotRelayed: a room with XEP-0421 occupant ids keeps its
// own off the link (the peer replaces it, XEP-0421 §5) and gives the
// peer's users ids of its own.
func TestOccupantIDNotRelayed(t *testing.T) {
	w := newWorld(t)
	w.service(wonderland, func(o *fmuc.Options) {
		o.Inbound = fmuc.Policy{Allow: []stanza.JID{stanza.MustParse(denmark)}}
		o.MUC.OccupantIDKey = []byte("wonderland occupant id key")
	})
	e := w.service(denmark, func(o *fmuc.Options) { o.MUC.OccupantIDKey = []byte("denmark occupant id key") })
	require.NoError(t, e.SetFederation(stanza.MustParse(elsinore), fmuc.Federation{Upstream: stanza.MustParse(rabbithole)}))
	w.create(alice, rabbithole, "Alice")
	w.join(hamlet, elsinore, "Hamlet")
	w.forget()
	w.say(alice, rabbithole, "m1", "with ids")
	var link, seen string
	for _, l := range w.net.Log() {
		switch {
		case strings.Contains(l, "to='"+elsinore+"'"):
			link = l
		case strings.Contains(l, "to='"+hamlet+"'"):
			seen = l
		}
	}
	require.NotEmpty(t, link)
	assert.NotContains(t, link, "occupant-id")
	assert.Contains(t, seen, "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='", "hamlet's room gives alice an id")
}
