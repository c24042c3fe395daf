package fmuc

import (
	"slices"
	"time"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// holdJoin holds the join of a local user while the room federates with
// its upstream (XEP-0289 §4.1: the joining node presents its first user
// to the joined node, and relays the joined node's occupants, history and
// subject to that user). It reports whether the join was held.
func (n *Node) holdJoin(now time.Time, out *Output, r *muc.Room, p *stanza.Presence) bool {
	l := n.upstream()
	if l == nil || l.State == LinkFederated || p.To.Resource() == "" {
		return false
	}
	if _, ok := stanza.Child(p, stanza.NSMUC, "x"); !ok {
		return false
	}
	if r != nil {
		if r.Local() {
			// The room already serves local users (the upstream was lost
			// or refused): the join goes on here.
			return false
		}
		if _, in := r.OccupantByJID(p.From); in {
			return false
		}
	}
	for _, q := range n.pending {
		if q.From == p.From {
			return true // a repeated join while waiting
		}
	}
	n.pending = append(n.pending, p)
	if l.State != LinkJoining {
		n.sendJoin(now, out, l, p)
	}
	return true
}

// sendJoin presents the user of p to the upstream room: the federation
// join (XEP-0289 §4.1), with <fmuc from/>, the muc <x/> (with the history
// limit asked for) and the muc#user item.
func (n *Node) sendJoin(now time.Time, out *Output, l *link, p *stanza.Presence) {
	nick := p.To.Resource()
	from, err := n.room.WithResource(nick)
	if err != nil {
		return
	}
	to, err := l.Peer.WithResource(nick)
	if err != nil {
		return
	}
	// The user's standing here (XEP-0289 §4.1 shows none/participant for
	// a room the federation is about to create).
	aff, role := stanza.AffiliationNone, stanza.RoleParticipant
	if r := n.mucRoom(); r != nil {
		if o, in := r.OccupantByJID(p.From); in {
			// A user of a room below this one, as its room shows it.
			aff, role = o.Affiliation, o.Role
		} else if a := r.Affiliation(p.From.Bare()); a != stanza.AffiliationOutcast {
			aff = a
			if aff == stanza.AffiliationOwner || aff == stanza.AffiliationAdmin {
				role = stanza.RoleModerator
			}
		}
	}
	payload := presencePayload(p.Children)
	// A rejoin asks for the history since it last knew it had all the
	// peer sent, for a peer that does not know this package's resync or
	// a session that ended. PingTimeout back covers what was still on
	// its way over a slow link (and a little clock skew); MergeHistory
	// drops what arrives twice.
	var since time.Time
	if (l.State == LinkResyncing || l.counting) && !l.caught.IsZero() {
		since = l.caught.Add(-max(n.svc.opts.PingTimeout, time.Second))
	}
	payload = append(payload, fmucFrom(p.From), mucX(n.fed.History, since),
		stanza.MUCUser{Items: []stanza.Item{{Affiliation: aff, Role: role, JID: &p.From}}}.Element())
	if l.State != LinkResyncing || l.session != "" {
		// Not to a peer known not to speak this package's extensions.
		payload = append(payload, compactElement)
	}
	out.Stanzas = append(out.Stanzas, &stanza.Presence{Header: stanza.Header{From: from, To: to, ID: p.ID}, Children: payload})
	n.joiner = p.From
	l.entered = false
	if l.State != LinkResyncing {
		n.set(out, l, LinkJoining, now, "")
	}
	l.deadline = now.Add(n.svc.opts.JoinTimeout)
}

// presencePayload is the part of a client's presence relayed to a peer:
// show, status, caps and the like, without the muc <x/> elements.
func presencePayload(children []stanza.Element) []stanza.Element {
	var out []stanza.Element
	for _, c := range children {
		if c.Is(stanza.NSMUC, "x") || c.Is(stanza.NSMUCUser, "x") || c.Is(stanza.NSFMUC, "fmuc") || c.Name.Space == NSExt || c.Is("", "error") {
			continue
		}
		out = append(out, c)
	}
	return out
}

// release lets the held joins in once the upstream link is settled, in
// their order. The federation's joiner is already known upstream, so its
// own broadcast does not go back there.
func (n *Node) release(now time.Time, out *Output) {
	held := n.pending
	n.pending = nil
	for _, p := range held {
		if p.From == n.joiner {
			n.releasing = p.From
		}
		n.handle(now, out, p)
		n.releasing = stanza.JID{}
	}
	n.joiner = stanza.JID{}
}

// forgetUnseen ends a rejoin that started a new session: the users of the
// joined room that its answer did not present have left meanwhile.
func (n *Node) forgetUnseen(now time.Time, out *Output, l *link) {
	seen := l.seen
	l.seen = nil
	r := n.mucRoom()
	if seen == nil || r == nil {
		return
	}
	for _, o := range r.Occupants() {
		if o.Via == l.Peer && !seen[o.JID] {
			mo, err := r.Remove(now, l.Peer, o.JID, muc.Removal{})
			n.mucCall(now, out, mo, err)
		}
	}
}

// announceAll presents to the upstream l every occupant it does not know
// yet: the users of the rooms below this one (and, after the link was
// re-established, this room's own), but not the federation's joiner,
// which the join presented (XEP-0289 §4.3: joins are fanned out).
func (n *Node) announceAll(now time.Time, out *Output, l *link) {
	r := n.mucRoom()
	if r == nil {
		return
	}
	for _, o := range r.Occupants() {
		if o.Via == l.Peer || o.JID == n.joiner {
			continue
		}
		from, err := n.room.WithResource(o.Nick)
		if err != nil {
			continue
		}
		payload := presencePayload(o.Presence)
		payload = append(payload, stanza.MUCUser{Items: []stanza.Item{{Affiliation: o.Affiliation, Role: o.Role, JID: &o.JID}}}.Element(), fmucFrom(o.JID))
		n.emit(now, out, l, &stanza.Presence{Header: stanza.Header{From: from, To: l.Peer}, Children: payload})
	}
}

// refuse answers every held join with err (the federation failed and the
// room cannot go on without it).
func (n *Node) refuse(out *Output, e *stanza.Error) {
	for _, p := range n.pending {
		e := *e
		e.By = n.room
		if reply := stanza.ErrorReply(p, &e); reply != nil {
			out.Stanzas = append(out.Stanzas, reply)
		}
	}
	n.pending = nil
	n.joiner = stanza.JID{}
}

// tick ends an upstream join that got no answer in time: a master-master
// room lets its waiting users in on its own, a master-slave room refuses
// them.
func (n *Node) tick(now time.Time, out *Output) {
	l := n.links[n.fed.Upstream.Bare()]
	if l == nil || l.State != LinkJoining || l.deadline.IsZero() || now.Before(l.deadline) {
		return
	}
	n.set(out, l, LinkLost, now, "no answer to the federation join")
	if l.Mode == MasterSlave {
		n.refuse(out, &stanza.Error{Type: stanza.ErrorWait, Condition: stanza.RemoteServerTimeout,
			Text: l.Peer.String() + " did not answer; this room cannot be used without it"})
		return
	}
	n.release(now, out)
}

// fromStranger handles a stanza with an <fmuc/> from a room that is not
// linked: a federation join, or traffic no peer may send.
func (n *Node) fromStranger(now time.Time, out *Output, in stanza.Stanza) {
	h := in.Head()
	p, err := readPeer(in)
	pres, isPresence := in.(*stanza.Presence)
	_, hasX := stanza.Child(in, stanza.NSMUC, "x")
	if err != nil || !isPresence || pres.Type != stanza.PresenceAvailable || !hasX || p.user.IsZero() || h.From.Resource() == "" || h.From.Local() == "" {
		out.event(SpoofRefused{RoomJID: n.room, Peer: h.From.Bare(), JID: p.user, Reason: "federation traffic from a room that is not linked"})
		if h.From.Local() != "" && h.Type != "error" && h.Type != stanza.PresenceUnavailable && n.svc.opts.Inbound.Allows(n.room, h.From.Bare()) {
			// A peer that believes it is linked (our <left/> was lost):
			// say again that it is not, so that it federates anew.
			out.Stanzas = append(out.Stanzas, &stanza.Presence{
				Header:   stanza.Header{From: n.room, To: h.From.Bare()},
				Children: []stanza.Element{fmucControl(false, "")},
			})
		}
		return
	}
	n.inbound(now, out, pres, p)
}

// inbound handles a federation join from a peer room (XEP-0289 §4.1):
// refused with <reject/> unless the inbound policy allows the peer, the
// room exists (or may be created), and the join would not close a cycle;
// otherwise the peer's user enters like any remote user (all local policy
// applies) and gets the occupants, history and subject.
func (n *Node) inbound(now time.Time, out *Output, pres *stanza.Presence, p peer) {
	peerRoom := pres.From.Bare()
	reject := func(reason string) {
		out.Stanzas = append(out.Stanzas, &stanza.Presence{
			Header:   stanza.Header{From: n.room, To: peerRoom},
			Children: []stanza.Element{fmucControl(true, reason)},
		})
		out.event(FederationRefused{RoomJID: n.room, Peer: peerRoom, Reason: reason})
	}
	opts := &n.svc.opts
	switch {
	case !opts.Inbound.Allows(n.room, peerRoom):
		reject("Federation with " + peerRoom.String() + " is not allowed.")
		return
	case peerRoom == n.fed.Upstream.Bare() || n.inPath(peerRoom):
		reject("Federating with " + peerRoom.String() + " would make a loop.")
		return
	case n.mucRoom() == nil && !opts.RemoteCreate:
		reject("There is no room " + n.room.String() + ".")
		return
	case n.localUser(p.user):
		out.event(SpoofRefused{RoomJID: n.room, Peer: peerRoom, JID: p.user, Reason: "a peer cannot present this server's users"})
		return
	case n.downstream() >= opts.MaxLinks:
		reject("This room is federated with as many rooms as it takes.")
		return
	}
	if n.mucRoom() == nil {
		// A room that exists for the federation only: instant, with the
		// service's defaults and no owner, like one a joining node
		// creates.
		_, mo, err := n.svc.muc.CreateInstant(n.room, stanza.JID{})
		n.mucCall(now, out, mo, err)
	}
	l := &link{Link: Link{Peer: peerRoom, State: LinkFederated, Since: now}, heard: now, compact: p.compact}
	n.links[peerRoom] = l
	in := n.asUser(pres, p.user, pres.To.Resource())
	mo, err := n.svc.muc.HandleRemote(now, peerRoom, in)
	if err != nil {
		delete(n.links, peerRoom)
		return
	}
	r := n.mucRoom()
	if r == nil || !r.Reaches(peerRoom) {
		// Refused by the room's own policy: the answer goes back, and
		// there is no link.
		n.svc.convertUnlinked(out, mo, peerRoom)
		delete(n.links, peerRoom)
		n.syncLinks()
		return
	}
	out.event(LinkChanged{RoomJID: n.room, Peer: peerRoom, From: LinkUnset, To: LinkFederated})
	n.syncLinks()
	n.svc.convert(now, out, mo)
	if up := n.upstream(); up != nil && up.State != LinkJoining && up.State != LinkFederated {
		// A room in the middle of a chain federates upstream as soon as
		// it has users, its own or those of the rooms below it.
		p := stanza.Clone(in).(*stanza.Presence)
		n.sendJoin(now, out, up, p)
	}
	n.startJoinedSession(out, l)
	n.afterMUC(now, out)
}

// downstream counts the rooms that joined this one.
func (n *Node) downstream() int {
	k := 0
	for _, l := range n.links {
		if !l.Upstream {
			k++
		}
	}
	return k
}

// reachedThrough counts the occupants reached through l.
func (n *Node) reachedThrough(l *link) int {
	r := n.mucRoom()
	if r == nil {
		return 0
	}
	k := 0
	for _, o := range r.Occupants() {
		if o.Via == l.Peer {
			k++
		}
	}
	return k
}

// refuseUser answers a peer's presence about one of its users with e,
// from that user's occupant JID here, with the fmuc payload naming the
// user: its node learns that the user is not in this room.
func (n *Node) refuseUser(now time.Time, out *Output, l *link, s *stanza.Presence, user stanza.JID, e *stanza.Error) {
	from, err := n.room.WithResource(s.From.Resource())
	if err != nil {
		return
	}
	n.emit(now, out, l, &stanza.Presence{Header: stanza.Header{From: from, To: l.Peer, ID: s.ID, Type: stanza.PresenceError},
		Children: []stanza.Element{fmucFrom(user), e.Element()}})
}

// path returns the rooms above this one, nearest first: its upstream and
// the upstream's path.
func (n *Node) path() []stanza.JID {
	l := n.links[n.fed.Upstream.Bare()]
	if l == nil || l.State != LinkFederated {
		return nil
	}
	return append([]stanza.JID{l.Peer}, l.Path...)
}

// inPath reports whether room is above this one.
func (n *Node) inPath(room stanza.JID) bool { return slices.Contains(n.path(), room) }

// convertUnlinked sends the muc output of a refused federation join back
// to the peer that asked, though it is not linked.
func (s *Service) convertUnlinked(out *Output, mo muc.Output, peerRoom stanza.JID) {
	out.Stanzas = append(out.Stanzas, mo.Stanzas...)
	for _, d := range mo.Remote {
		if d.Via.Bare() == peerRoom {
			out.Stanzas = append(out.Stanzas, encode(d))
		}
	}
	out.mucEvents(mo.Events)
}

// federateAgain rejoins an upstream that ended the federation while this
// room still has users (its <left/> crossed their return, or was lost and
// said again): the first of them is presented, the others follow.
func (n *Node) federateAgain(now time.Time, out *Output, l *link) {
	r := n.mucRoom()
	if r == nil {
		return
	}
	for _, o := range r.Occupants() {
		if o.Via == l.Peer {
			continue
		}
		to, err := n.room.WithResource(o.Nick)
		if err != nil {
			continue
		}
		n.sendJoin(now, out, l, &stanza.Presence{Header: stanza.Header{From: o.JID, To: to}, Children: o.Presence})
		return
	}
}

// sendPaths tells every joining node below this room the rooms above it.
func (n *Node) sendPaths(out *Output) {
	path := n.path()
	for _, peer := range n.peers() {
		l := n.links[peer]
		if l.Upstream || l.State != LinkFederated {
			continue
		}
		out.Stanzas = append(out.Stanzas, &stanza.Presence{
			Header:   stanza.Header{From: n.room, To: peer},
			Children: []stanza.Element{fmucFrom(stanza.JID{}), pathElement(path)},
		})
	}
}
