package fmuc_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/fmuc/fmuctest"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// FuzzReadPeer: any stanza, with any fmuc payload and extensions, is read
// without a panic, and what the package itself writes reads back.
func FuzzReadPeer(f *testing.F) {
	for _, s := range []string{
		`<presence from='a@b/c' to='d@e'><fmuc xmlns='http://isode.com/protocol/fmuc' from='u@h/r'/></presence>`,
		`<presence from='a@b' to='d@e'><fmuc xmlns='http://isode.com/protocol/fmuc'><reject>No cross-domain federation.</reject></fmuc></presence>`,
		`<presence from='a@b' to='d@e'><fmuc xmlns='http://isode.com/protocol/fmuc'><left/></fmuc></presence>`,
		`<presence from='a@b' to='d@e'><fmuc xmlns='http://isode.com/protocol/fmuc'/><path xmlns='` + fmuc.NSExt + `'><room jid='x@y'/><room jid='z@w'/></path></presence>`,
		`<message from='a@b/c' to='d@e' type='groupchat'><body>x</body><fmuc xmlns='http://isode.com/protocol/fmuc' from='@@'/><echo xmlns='` + fmuc.NSExt + `'/><for xmlns='` + fmuc.NSExt + `' jid='q@r/s'/></message>`,
		`<message from='a@b/c' to='d@e' type='groupchat'><fmuc xmlns='http://isode.com/protocol/fmuc'><reject/><left/></fmuc><x xmlns="urn:xmpp:delay" stamp="20120419T16:00:44"/></message>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := stanza.Decode(b)
		if err != nil {
			return
		}
		_ = fmuc.ReadPeerForTest(in)
	})
}

// The federation the room fuzzer drives: rabbithole on wonderland is
// joined by elsinore (denmark) and castle (norway); each service has two
// local users; a hostile peer injects stanzas in the names of the linked
// rooms.
var (
	fuzzDomains = []string{wonderland, denmark, "rooms.norway.lit"}
	fuzzRooms   = []string{rabbithole, elsinore, "castle@rooms.norway.lit"}
	fuzzUsers   = [][]string{
		{alice, hatter},
		{hamlet, ophelia},
		{"olaf@norway.lit/1", "ingrid@norway.lit/1"},
	}
	fuzzNicks = []string{"Alice", "Hamlet", "Olaf", "Queen"}
)

// fuzzWorld builds the three services on a fresh network.
func fuzzWorld(t *testing.T) *world {
	w := newWorld(t)
	w.net.MaxDeliveries = 10_000
	w.service(wonderland, func(o *fmuc.Options) {
		o.Inbound = fmuc.Policy{Allow: []stanza.JID{stanza.MustParse(denmark), stanza.MustParse("rooms.norway.lit")}}
		o.MUC.Locking = muc.LockNever
	})
	for i := 1; i < 3; i++ {
		s := w.service(fuzzDomains[i], func(o *fmuc.Options) { o.MUC.Locking = muc.LockNever })
		if err := s.SetFederation(stanza.MustParse(fuzzRooms[i]), fmuc.Federation{Upstream: stanza.MustParse(rabbithole)}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// fuzzStep builds one input from three bytes: a client's stanza to its
// own service's room, or (op >= 12) a stanza injected as if from a linked
// room, in the name of any user.
func fuzzStep(op, who, arg byte) (xml string, origin int, groupchat bool) {
	node := int(who) % 3
	user := fuzzUsers[node][int(who/3)%2]
	room := fuzzRooms[node]
	nick := fuzzNicks[int(arg)%len(fuzzNicks)]
	n := strconv.Itoa(int(arg))
	head := func(kind, from, to, typ string) string {
		s := "<" + kind + " from='" + from + "' to='" + to + "' id='f" + n + "'"
		if typ != "" {
			s += " type='" + typ + "'"
		}
		return s + ">"
	}
	fm := ""
	if op >= 12 {
		// A linked room speaks for someone: its own user, another
		// node's, or this server's.
		target := fuzzUsers[int(arg)%3][int(arg/3)%2]
		fm = "<fmuc xmlns='http://isode.com/protocol/fmuc' from='" + target + "'/>"
		from := fuzzRooms[1+int(who)%2] + "/" + nick
		switch int(op) % 4 {
		case 0:
			if arg&4 != 0 {
				fm = "" // the compact form: the user is the nick's
			}
			if arg&8 != 0 {
				fm += "<stanza-id xmlns='urn:xmpp:sid:0' id='s" + n + "'/>" // compact: by the sender room
			}
			return head("message", from, rabbithole, "groupchat") + "<body>spoof" + n + "</body>" + fm + "</message>", -1, false
		case 1:
			if arg&4 != 0 {
				// The compact form: the user is the item's.
				fm = "<fmuc xmlns='http://isode.com/protocol/fmuc'/><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant' jid='" + target + "'/></x>"
			}
			return head("presence", from, rabbithole, "") + fm + "</presence>", -1, false
		case 2:
			return head("presence", from, rabbithole, "unavailable") + fm + "<x xmlns='http://jabber.org/protocol/muc#user'><status code='307'/></x></presence>", -1, false
		default:
			return head("presence", fuzzRooms[1+int(who)%2], rabbithole, "") + "<fmuc xmlns='http://isode.com/protocol/fmuc'><left/></fmuc></presence>", -1, false
		}
	}
	occ := room + "/" + nick
	if arg&1 == 1 {
		fm = "<fmuc xmlns='http://isode.com/protocol/fmuc' from='" + fuzzUsers[0][0] + "'/>" // a client's forgery
	}
	switch op {
	case 0, 1:
		return head("presence", user, occ, "") + "<x xmlns='http://jabber.org/protocol/muc'/>" + fm + "</presence>", node, false
	case 2:
		return head("presence", user, occ, "") + "<show>away</show>" + fm + "</presence>", node, false
	case 3:
		return head("presence", user, occ, "unavailable") + "</presence>", node, false
	case 4, 5:
		return head("message", user, room, "groupchat") + "<body>b" + n + "</body>" + fm + "</message>", node, true
	case 6:
		return head("message", user, room, "groupchat") + "<subject>t" + n + "</subject></message>", node, false
	case 7:
		return head("message", user, occ, "chat") + "<body>p" + n + "</body>" + fm + "</message>", node, false
	case 8:
		return head("iq", user, room, "set") + "<query xmlns='http://jabber.org/protocol/muc#admin'><item nick='" + nick + "' role='none'/></query></iq>", node, false
	case 9:
		return head("iq", user, room, "set") + "<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast' jid='" + strings.SplitN(fuzzUsers[int(arg)%3][0], "/", 2)[0] + "'/></query></iq>", node, false
	case 10:
		return head("iq", user, room, "set") + "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>", node, false
	default:
		return head("iq", user, occ, "get") + "<ping xmlns='urn:xmpp:ping'/></iq>", node, false
	}
}

// FuzzFederation drives three federated services with client stanzas and
// hostile injections and checks after each step: no client ever receives
// a federation payload; a groupchat message crosses each link at most once
// and never back to its node; every remote occupant was presented by the
// link it is reached through and is no user of the node's own server. The
// same input replayed gives the same traffic.
func FuzzFederation(f *testing.F) {
	f.Add([]byte{1, 0, 0, 1, 1, 1, 4, 1, 2, 4, 0, 3, 7, 1, 0})
	f.Add([]byte{1, 1, 1, 1, 0, 0, 1, 2, 2, 4, 2, 4, 12, 0, 0, 13, 1, 2, 14, 0, 1, 15, 1, 0})
	f.Add([]byte{0, 0, 2, 0, 1, 1, 8, 0, 1, 9, 0, 1, 3, 1, 1, 0, 4, 1, 5, 4, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 300 {
			return
		}
		first := fuzzRun(t, b)
		if second := fuzzRun(t, b); !slices.Equal(first, second) {
			t.Fatal("replay differs")
		}
	})
}

func fuzzRun(t *testing.T, b []byte) []string {
	w := fuzzWorld(t)
	var log []string
	for i := 0; i+2 < len(b); i += 3 {
		xml, origin, gc := fuzzStep(b[i]%16, b[i+1], b[i+2])
		before := map[fmuctest.Link]fmuctest.Traffic{}
		for _, l := range w.net.Links() {
			before[l] = w.net.Traffic(l.From, l.To)
		}
		if err := w.net.SendXML(xml); err != nil {
			t.Fatalf("step %s: %v", xml, err)
		}
		if _, err := w.net.Stabilize(); err != nil {
			t.Fatalf("after %s: %v", xml, err)
		}
		step := w.net.Log()
		log = append(log, step...)
		if gc {
			for _, l := range w.net.Links() {
				d := w.net.Traffic(l.From, l.To).Stanzas - before[l].Stanzas
				if (d > 1 || d > 0 && l.To == fuzzDomains[origin]) && !fuzzRejoined(step) {
					t.Fatalf("after %s: %d stanzas on %v\n%s", xml, d, l, strings.Join(step, "\n"))
				}
			}
		}
		// Then the timers (join timeouts, forwarded IQs) that come due.
		if err := w.net.Advance(fmuc.DefaultJoinTimeout); err != nil {
			t.Fatalf("after %s: %v", xml, err)
		}
		for _, users := range fuzzUsers {
			for _, u := range users {
				for _, s := range w.net.Received(stanza.MustParse(u)) {
					x := string(stanza.Encode(s))
					if strings.Contains(x, stanza.NSFMUC) || strings.Contains(x, fmuc.NSExt) {
						t.Fatalf("after %s, %s received %s", xml, u, x)
					}
				}
			}
		}
		fuzzCheckOccupants(t, w, xml)
		log = append(log, w.net.Log()...)
	}
	return log
}

// fuzzRejoined reports whether two rooms federated again during a step:
// the federation had ended (say, after an injected <left/>, which a
// hostile peer can send as well as a real one), and the new one carries
// the join, the entry sequence, the resend of what the ended one may have
// lost and the occupants it brings to the other links, so one message may
// cost more than one stanza per link.
func fuzzRejoined(step []string) bool {
	for _, line := range step {
		if !strings.HasPrefix(line, "<presence ") ||
			!strings.Contains(line, "<x xmlns='"+stanza.NSMUC+"'>") && !strings.Contains(line, "<x xmlns='"+stanza.NSMUC+"'/>") {
			continue
		}
		for _, from := range fuzzRooms {
			for _, to := range fuzzRooms {
				if from != to && strings.HasPrefix(line, "<presence from='"+from+"/") && strings.Contains(line, " to='"+to+"/") {
					return true
				}
			}
		}
	}
	return false
}

// fuzzCheckOccupants: every remote occupant is reached through a linked
// room and is not a user of the service's own server.
func fuzzCheckOccupants(t *testing.T, w *world, after string) {
	for i, d := range fuzzDomains {
		s := w.svcs[d]
		r, ok := s.MUC().Room(stanza.MustParse(fuzzRooms[i]))
		if !ok {
			continue
		}
		linked := map[stanza.JID]bool{}
		for _, l := range s.Links(r.JID()) {
			linked[l.Peer] = true
		}
		local := strings.SplitN(d, ".", 2)[1]
		for _, o := range r.Occupants() {
			if !o.Remote() {
				continue
			}
			if o.JID.Domain() == local {
				t.Fatalf("after %s: %s holds %s, a user of its own server, through %s", after, r.JID(), o.JID, o.Via)
			}
			if !linked[o.Via] {
				t.Fatalf("after %s: %s reaches %s through %s, which is not linked", after, r.JID(), o.JID, o.Via)
			}
		}
	}
}
