package perf

import (
	"fmt"
	"strconv"
	"time"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/fmuc/fmuctest"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// The link-bytes scenes: a room r@rooms.a.lit on server a.lit, whose
// owner o@a.lit speaks, and n users of server b.lit who are in it either
// directly (plain MUC: every copy crosses the s2s link to b.lit) or through
// r@rooms.b.lit, federated with it (FMUC: one copy per link). Bytes are
// those of the stanzas as this library writes them (the stanza package's
// canonical XML); the servers' stream framing is not counted here (the
// real-servers section counts it on an s2s link).
const (
	roomA    = "r@rooms.a.lit"
	roomB    = "r@rooms.b.lit"
	owner    = "o@a.lit/desk"
	linkBody = "Hi everyone, tea is ready in the garden"
)

// scene is one measurement's world.
type scene struct {
	net *fmuctest.Network
	a   *fmuc.Service
	b   *fmuc.Service
}

// newScene builds the two services; change, when set, adjusts both
// services' options.
func newScene(change func(*fmuc.Options)) (*scene, error) {
	s := &scene{net: fmuctest.New(Epoch)}
	mk := func(domain string, fed bool) (*fmuc.Service, error) {
		ids := 0
		o := fmuc.Options{
			Domain: stanza.MustParse(domain),
			NewID:  func() string { ids++; return "id" + strconv.Itoa(ids) },
			MUC:    muc.ServiceOptions{Locking: muc.LockNever, Limits: muc.Limits{MessageBurst: muc.Unlimited, PresenceBurst: muc.Unlimited}},
		}
		if fed {
			o.Inbound = fmuc.Policy{Allow: []stanza.JID{stanza.MustParse("rooms.b.lit")}}
		}
		if change != nil {
			change(&o)
		}
		svc, err := fmuc.NewService(o)
		if err != nil {
			return nil, err
		}
		s.net.Add(domain, svc)
		return svc, nil
	}
	var err error
	if s.a, err = mk("rooms.a.lit", true); err != nil {
		return nil, err
	}
	if s.b, err = mk("rooms.b.lit", false); err != nil {
		return nil, err
	}
	return s, s.b.SetFederation(stanza.MustParse(roomB), fmuc.Federation{Upstream: stanza.MustParse(roomA)})
}

// send queues one stanza and runs the network until it is quiet.
func (s *scene) send(xml string) error {
	if err := s.net.SendXML(xml); err != nil {
		return err
	}
	_, err := s.net.Stabilize()
	return err
}

// traffic is the bytes and stanzas from a to b so far.
func (s *scene) traffic(from, to string) fmuctest.Traffic { return s.net.Traffic(from, to) }

func joinXML(user, room, nick string, history int) string {
	return `<presence from='` + user + `' to='` + room + `/` + nick + `'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='` + strconv.Itoa(history) + `'/></x></presence>`
}

func sayXML(user, room, id, body string) string {
	return `<message from='` + user + `' to='` + room + `' id='` + id + `' type='groupchat'><body>` + body + `</body><origin-id xmlns='urn:xmpp:sid:0' id='o-` + id + `'/></message>`
}

func remoteUser(i int) string { return "u" + strconv.Itoa(i) + "@b.lit/phone" }

// federatedRoom builds the FMUC scene: the owner in roomA with occupants-1
// more local users and history messages, then remotes users of b.lit in
// roomB.
func federatedRoom(change func(*fmuc.Options), occupants, history, remotes int) (*scene, error) {
	s, err := newScene(change)
	if err != nil {
		return nil, err
	}
	steps := []string{joinXML(owner, roomA, "Owner", 0)}
	for i := 1; i < occupants; i++ {
		steps = append(steps, joinXML("l"+strconv.Itoa(i)+"@a.lit/desk", roomA, "L"+strconv.Itoa(i), 0))
	}
	for i := range history {
		steps = append(steps, sayXML(owner, roomA, "h"+strconv.Itoa(i), linkBody))
	}
	for i := range remotes {
		steps = append(steps, joinXML(remoteUser(i), roomB, "U"+strconv.Itoa(i), 0))
	}
	for _, x := range steps {
		if err := s.send(x); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// plainRoom is the plain MUC scene: roomA on a muc.Service, the owner in
// it, then remotes users of b.lit directly.
type plainRoom struct {
	svc *muc.Service
}

func newPlainRoom(occupants, history, remotes int) (*plainRoom, error) {
	ids := 0
	svc, err := muc.NewService(muc.ServiceOptions{
		Domain:  stanza.MustParse("rooms.a.lit"),
		NewID:   func() string { ids++; return "id" + strconv.Itoa(ids) },
		Locking: muc.LockNever, Limits: muc.Limits{MessageBurst: muc.Unlimited, PresenceBurst: muc.Unlimited},
	})
	if err != nil {
		return nil, err
	}
	p := &plainRoom{svc: svc}
	if _, err := p.bytesTo(joinXML(owner, roomA, "Owner", 0), "b.lit"); err != nil {
		return nil, err
	}
	for i := 1; i < occupants; i++ {
		if _, err := p.bytesTo(joinXML("l"+strconv.Itoa(i)+"@a.lit/desk", roomA, "L"+strconv.Itoa(i), 0), "b.lit"); err != nil {
			return nil, err
		}
	}
	for i := range history {
		if _, err := p.bytesTo(sayXML(owner, roomA, "h"+strconv.Itoa(i), linkBody), "b.lit"); err != nil {
			return nil, err
		}
	}
	for i := range remotes {
		if _, err := p.bytesTo(joinXML(remoteUser(i), roomA, "U"+strconv.Itoa(i), 0), "b.lit"); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// bytesTo handles one stanza and returns the stanzas of its output that
// go to domain (they cross the s2s link), with their encoded bytes.
func (p *plainRoom) bytesTo(xml, domain string) (linkCount, error) {
	in, err := stanza.Decode([]byte(xml))
	if err != nil {
		return linkCount{}, err
	}
	out, err := p.svc.Handle(Epoch, in)
	if err != nil {
		return linkCount{}, err
	}
	var c linkCount
	for _, st := range out.Stanzas {
		if st.Head().To.Domain() == domain {
			c.stanzas++
			c.bytes += len(stanza.Encode(st))
			c.last = st
		}
	}
	return c, nil
}

// linkCount is what crossed a link.
type linkCount struct {
	stanzas, bytes int
	last           stanza.Stanza
}

// LinkBytes adds the section "link bytes": a groupchat message, one
// presence change and a join, FMUC against plain MUC, and the envelope
// FMUC adds to a message.
func LinkBytes(r *Report) error {
	const section = "link bytes"
	const messages = 10
	for _, n := range []int{1, 10, 100} {
		plain, err := newPlainRoom(1, 0, n)
		if err != nil {
			return err
		}
		var pb linkCount
		for i := range messages {
			c, err := plain.bytesTo(sayXML(owner, roomA, "m"+strconv.Itoa(i), linkBody), "b.lit")
			if err != nil {
				return err
			}
			pb.bytes += c.bytes
			pb.stanzas += c.stanzas
			pb.last = c.last
		}
		minBytes := minimalCopy(pb.last)

		fed, err := federatedRoom(nil, 1, 0, n)
		if err != nil {
			return err
		}
		before := fed.traffic("rooms.a.lit", "rooms.b.lit")
		for i := range messages {
			if err := fed.send(sayXML(owner, roomA, "m"+strconv.Itoa(i), linkBody)); err != nil {
				return err
			}
		}
		after := fed.traffic("rooms.a.lit", "rooms.b.lit")
		fb := float64(after.Bytes-before.Bytes) / messages
		fs := float64(after.Stanzas-before.Stanzas) / messages
		cond := fmt.Sprintf("%d remote occupants, %d-byte body with origin-id, per message", n, len(linkBody))
		r.Add(section, fmt.Sprintf("groupchat, %d remote: plain MUC", n), cond, "%.0f B (%.0f stanzas)", float64(pb.bytes)/messages, float64(pb.stanzas)/messages)
		r.Add(section, fmt.Sprintf("groupchat, %d remote: FMUC", n), cond, "%.0f B (%.0f stanza)", fb, fs)
		r.Add(section, fmt.Sprintf("groupchat, %d remote: plain / FMUC", n), cond, "%.1f×", float64(pb.bytes)/messages/fb)
		r.Add(section, fmt.Sprintf("groupchat, %d remote: FMUC / minimal copy", n), fmt.Sprintf("minimal: the plain copy to one remote user, to the peer room (%d B)", minBytes), "%.3f×", fb/float64(minBytes))
	}
	if err := envelope(r, section); err != nil {
		return err
	}
	if err := joinBytes(r, section); err != nil {
		return err
	}
	return presenceBytes(r, section)
}

// minimalCopy returns the bytes of the smallest stanza that carries a
// message to the peer room: plain's copy for one remote user, addressed
// to the peer room instead.
func minimalCopy(plain stanza.Stanza) int {
	c := stanza.Clone(plain)
	c.Head().To = stanza.MustParse(roomB)
	return len(stanza.Encode(c))
}

// envelope measures what FMUC adds to a message beyond the minimal copy:
// towards a room of this package (the compact envelope) and towards a peer
// that does not know it (the XEP's <fmuc from/> on every message).
func envelope(r *Report, section string) error {
	plain, err := newPlainRoom(1, 0, 1)
	if err != nil {
		return err
	}
	c, err := plain.bytesTo(sayXML(owner, roomA, "e1", linkBody), "b.lit")
	if err != nil {
		return err
	}
	minBytes := minimalCopy(c.last)

	fed, err := federatedRoom(nil, 1, 0, 1)
	if err != nil {
		return err
	}
	before := fed.traffic("rooms.a.lit", "rooms.b.lit").Bytes
	if err := fed.send(sayXML(owner, roomA, "e1", linkBody)); err != nil {
		return err
	}
	compact := int(fed.traffic("rooms.a.lit", "rooms.b.lit").Bytes - before)

	// A foreign peer: its federation join carries no <compact/>.
	foreign, err := newScene(nil)
	if err != nil {
		return err
	}
	if err := foreign.send(joinXML(owner, roomA, "Owner", 0)); err != nil {
		return err
	}
	if err := foreign.send(`<presence from='` + roomB + `/U0' to='` + roomA + `/U0'><fmuc xmlns='http://isode.com/protocol/fmuc' from='` + remoteUser(0) + `'/><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`); err != nil {
		return err
	}
	before = foreign.traffic("rooms.a.lit", "rooms.b.lit").Bytes
	if err := foreign.send(sayXML(owner, roomA, "e1", linkBody)); err != nil {
		return err
	}
	full := int(foreign.traffic("rooms.a.lit", "rooms.b.lit").Bytes - before)
	cond := fmt.Sprintf("one message, minimal copy %d B", minBytes)
	r.Add(section, "envelope, to a room of this package (compact)", cond, "%+d B", compact-minBytes)
	r.Add(section, "envelope, to a peer without <compact/> (XEP form)", cond, "%+d B", full-minBytes)
	return nil
}

// joinBytes measures a federation join: the first user of roomB joins,
// roomA has n occupants and h history messages; against one remote user
// joining the plain room.
func joinBytes(r *Report, section string) error {
	for _, c := range []struct{ n, h int }{{10, 0}, {10, 20}, {100, 20}} {
		fed, err := federatedRoom(nil, c.n, c.h, 0)
		if err != nil {
			return err
		}
		up0, down0 := fed.traffic("rooms.b.lit", "rooms.a.lit"), fed.traffic("rooms.a.lit", "rooms.b.lit")
		if err := fed.send(joinXML(remoteUser(0), roomB, "U0", c.h)); err != nil {
			return err
		}
		up, down := fed.traffic("rooms.b.lit", "rooms.a.lit"), fed.traffic("rooms.a.lit", "rooms.b.lit")
		plain, err := newPlainRoom(c.n, c.h, 0)
		if err != nil {
			return err
		}
		pj, err := plain.bytesTo(joinXML(remoteUser(0), roomA, "U0", c.h), "b.lit")
		if err != nil {
			return err
		}
		cond := fmt.Sprintf("%d occupants, %d history messages", c.n, c.h)
		r.Add(section, fmt.Sprintf("join N=%d H=%d: FMUC both ways", c.n, c.h), cond, "%d B (%d stanzas)", up.Bytes-up0.Bytes+down.Bytes-down0.Bytes, up.Stanzas-up0.Stanzas+down.Stanzas-down0.Stanzas)
		r.Add(section, fmt.Sprintf("join N=%d H=%d: plain MUC", c.n, c.h), cond, "%d B (%d stanzas)", pj.bytes, pj.stanzas)
	}
	return nil
}

// presenceBytes measures one presence change of the owner with n remote
// users, and a status that flaps ten times in a second with and without
// Options.PresenceCoalesce.
func presenceBytes(r *Report, section string) error {
	status := func(i int) string {
		return `<presence from='` + owner + `' to='` + roomA + `/Owner'><show>away</show><status>away ` + strconv.Itoa(i) + `</status></presence>`
	}
	for _, n := range []int{1, 10, 100} {
		plain, err := newPlainRoom(1, 0, n)
		if err != nil {
			return err
		}
		pc, err := plain.bytesTo(status(0), "b.lit")
		if err != nil {
			return err
		}
		fed, err := federatedRoom(nil, 1, 0, n)
		if err != nil {
			return err
		}
		before := fed.traffic("rooms.a.lit", "rooms.b.lit")
		if err := fed.send(status(0)); err != nil {
			return err
		}
		after := fed.traffic("rooms.a.lit", "rooms.b.lit")
		cond := fmt.Sprintf("%d remote occupants, show and status", n)
		r.Add(section, fmt.Sprintf("presence change, %d remote: plain MUC", n), cond, "%d B (%d stanzas)", pc.bytes, pc.stanzas)
		r.Add(section, fmt.Sprintf("presence change, %d remote: FMUC", n), cond, "%d B (%d stanza)", after.Bytes-before.Bytes, after.Stanzas-before.Stanzas)
	}
	for _, window := range []time.Duration{0, 10 * time.Second} {
		fed, err := federatedRoom(func(o *fmuc.Options) { o.PresenceCoalesce = window }, 1, 0, 1)
		if err != nil {
			return err
		}
		before := fed.traffic("rooms.a.lit", "rooms.b.lit")
		for i := range 10 {
			if err := fed.send(status(i)); err != nil {
				return err
			}
			if err := fed.net.Advance(100 * time.Millisecond); err != nil {
				return err
			}
		}
		if err := fed.net.Advance(window + time.Second); err != nil {
			return err
		}
		after := fed.traffic("rooms.a.lit", "rooms.b.lit")
		name := "10 status changes in 1 s, no coalescing"
		if window > 0 {
			name = fmt.Sprintf("10 status changes in 1 s, PresenceCoalesce %v", window)
		}
		r.Add(section, name, "one remote occupant; pings not counted", "%d B (%d stanzas)", after.Bytes-before.Bytes, after.Stanzas-before.Stanzas)
	}
	return nil
}
