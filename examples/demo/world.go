package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xmppfmuc/fmuc/examples/node/mucnode"
	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/fmuc/fmuctest"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// world is one way of serving the conversation: services on an fmuctest
// network, the room each user talks to, and what crossed between the two
// servers, wonderland.lit and denmark.lit.
type world struct {
	net *fmuctest.Network
	// room is the bare JID of the room u talks to.
	room func(u user) string
	// cross counts what the wonderland service exchanged with denmark.lit.
	cross *crossing
	// wire is what crossed the server-to-server link so far.
	wire func() tally
	// events are the federation events of the current step, for people.
	events []string
}

// federated is XEP-0289: rabbithole on rooms.wonderland.lit admits the
// rooms of talk.denmark.lit, and elsinore on talk.denmark.lit joins
// rabbithole when its first user enters. Each server's users use their
// own server's room; only the two rooms talk across the link, which
// fmuctest counts.
func federated(start time.Time) (*world, error) {
	w := &world{net: fmuctest.New(start), room: func(u user) string { return u.home }}
	r, err := fmuc.NewService(fmuc.Options{
		Domain:   stanza.MustParse(wonderland),
		NewID:    ids("w"),
		Inbound:  fmuc.Policy{Allow: []stanza.JID{stanza.MustParse(denmark)}},
		OnEvents: w.record,
	})
	if err != nil {
		return nil, err
	}
	e, err := fmuc.NewService(fmuc.Options{
		Domain:   stanza.MustParse(denmark),
		NewID:    ids("d"),
		OnEvents: w.record,
	})
	if err != nil {
		return nil, err
	}
	if err := e.SetFederation(stanza.MustParse(elsinore), fmuc.Federation{Upstream: stanza.MustParse(rabbithole), Mode: fmuc.MasterMaster}); err != nil {
		return nil, err
	}
	w.cross = &crossing{m: r}
	w.net.Add(wonderland, w.cross)
	w.net.Add(denmark, e)
	w.wire = func() tally {
		return tally{down: w.net.Traffic(wonderland, denmark), up: w.net.Traffic(denmark, wonderland)}
	}
	return w, nil
}

// plain is XEP-0045 alone: rabbithole on rooms.wonderland.lit, served by
// the example node's muc machine, and every user joins it directly, the
// denmark.lit users over the server-to-server link. fmuctest counts only
// traffic between two services, so crossing counts what the room
// exchanges with denmark.lit's clients: each of those stanzas crosses the
// link between the two servers.
func plain(start time.Time) (*world, error) {
	w := &world{net: fmuctest.New(start), room: func(user) string { return rabbithole }}
	svc, err := muc.NewService(muc.ServiceOptions{Domain: stanza.MustParse(wonderland), NewID: ids("w")})
	if err != nil {
		return nil, err
	}
	w.cross = &crossing{m: mucnode.NewMachine(svc, nil)}
	w.net.Add(wonderland, w.cross)
	w.wire = w.cross.tally
	return w, nil
}

// ids returns a generator of fixed stanza ids: prefix1, prefix2...
func ids(prefix string) func() string {
	n := 0
	return func() string { n++; return prefix + strconv.Itoa(n) }
}

// record keeps the federation events (the muc events are left out).
func (w *world) record(evs []fmuc.Event) {
	for _, ev := range evs {
		switch e := ev.(type) {
		case fmuc.LinkChanged:
			w.events = append(w.events, fmt.Sprintf("%s: link to %s %s -> %s", e.RoomJID, e.Peer, e.From, e.To))
		case fmuc.FederationRefused:
			w.events = append(w.events, fmt.Sprintf("%s refused %s: %s", e.RoomJID, e.Peer, e.Reason))
		case fmuc.SpoofRefused:
			w.events = append(w.events, fmt.Sprintf("%s refused a stanza of %s: %s", e.RoomJID, e.Peer, e.Reason))
		case fmuc.PeerRefusedUser:
			w.events = append(w.events, fmt.Sprintf("%s refused %s: %s", e.Peer, e.JID, e.Condition))
		}
	}
}

// outcome is what one step did in a world.
type outcome struct {
	// views are the stanzas each user received, rendered, by user name.
	views  map[string][]string
	events []string
	// wire is what crossed the link during the step.
	wire tally
}

// play advances the clock a minute, sends the step's stanza and lets the
// network settle.
func (w *world) play(s step) (outcome, error) {
	var u user
	for _, x := range users {
		if x.name == s.user {
			u = x
		}
	}
	before := w.wire()
	if err := w.net.Advance(time.Minute); err != nil {
		return outcome{}, err
	}
	in, err := stanza.Decode([]byte(strings.ReplaceAll(s.xml, "{room}", w.room(u))))
	if err != nil {
		return outcome{}, err
	}
	in.Head().From = stanza.MustParse(u.jid)
	w.net.Send(in)
	if _, err := w.net.Stabilize(); err != nil {
		return outcome{}, err
	}
	o := outcome{views: map[string][]string{}, events: w.events, wire: w.wire().minus(before)}
	w.events = nil
	for _, x := range users {
		for _, st := range w.net.Received(stanza.MustParse(x.jid)) {
			o.views[x.name] = append(o.views[x.name], render(st))
		}
	}
	return o, nil
}
