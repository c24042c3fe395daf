package fmuc_test

import (
	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// The XEP-0289 cast: rabbithole@rooms.wonderland.lit is the joined node,
// elsinore@talk.denmark.lit the joining node.
const (
	wonderland = "rooms.wonderland.lit"
	denmark    = "talk.denmark.lit"
	rabbithole = "rabbithole@rooms.wonderland.lit"
	elsinore   = "elsinore@talk.denmark.lit"
	alice      = "alice@wonderland.lit/pda"
	hatter     = "hatter@wonderland.lit/tea"
	hamlet     = "hamlet@denmark.lit/elsinore"
	ophelia    = "ophelia@denmark.lit/castle"
)

// pair builds the two services: wonderland admits denmark's rooms,
// elsinore federates with rabbithole in mode.
func pair(w *world, mode fmuc.Mode) (r, e *fmuc.Service) {
	w.t.Helper()
	r = w.service(wonderland, func(o *fmuc.Options) {
		o.Inbound = fmuc.Policy{Allow: []stanza.JID{stanza.MustParse(denmark)}}
	})
	e = w.service(denmark, nil)
	if err := e.SetFederation(stanza.MustParse(elsinore), fmuc.Federation{Upstream: stanza.MustParse(rabbithole), Mode: mode}); err != nil {
		w.t.Fatal(err)
	}
	return r, e
}

// join sends a join of user to room/nick.
func (w *world) join(user, room, nick string) {
	w.t.Helper()
	w.send(`<presence from='` + user + `' to='` + room + `/` + nick + `'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
}

// create makes room on its service with owner as an instant room.
func (w *world) create(owner, room, nick string) {
	w.t.Helper()
	w.join(owner, room, nick)
	w.send(`<iq from='` + owner + `' to='` + room + `' id='create' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>`)
}

// say sends a groupchat message.
func (w *world) say(user, room, id, body string) {
	w.t.Helper()
	w.send(`<message from='` + user + `' to='` + room + `' id='` + id + `' type='groupchat'><body>` + body + `</body></message>`)
}

// federated builds the pair with alice in rabbithole (with a subject and a
// message of history) and hamlet in elsinore, and forgets the traffic.
func federated(w *world, mode fmuc.Mode) (r, e *fmuc.Service) {
	w.t.Helper()
	r, e = pair(w, mode)
	w.create(alice, rabbithole, "Alice")
	w.send(`<message from='` + alice + `' to='` + rabbithole + `' id='s1' type='groupchat'><subject>This is the subject</subject></message>`)
	w.say(alice, rabbithole, "h1", "This is an old message from the history")
	w.join(hamlet, elsinore, "Hamlet")
	w.forget()
	return r, e
}

// forget drops what clients received, the traffic log and the events.
func (w *world) forget() {
	for _, u := range []string{alice, hatter, hamlet, ophelia} {
		w.net.Received(stanza.MustParse(u))
	}
	w.net.Log()
	for d := range w.evs {
		w.evs[d] = nil
	}
}
