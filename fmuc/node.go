package fmuc

import (
	"slices"
	"strings"
	"time"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// Node is one federated room of a Service: the muc room, its links to
// peer rooms, the local joins held while the room joins its upstream, and
// (master-slave) the messages waiting for the master's echo. Stanzas reach
// it through its Service, which routes them by their 'to'; a Node is not
// safe for concurrent use.
type Node struct {
	svc  *Service
	room stanza.JID
	fed  Federation
	// links by peer room bare JID.
	links map[stanza.JID]*link
	// pending are local joins held while the upstream join runs, in
	// order; joiner is the user the federation join presented.
	pending []*stanza.Presence
	joiner  stanza.JID
	// echoes are groupchat messages waiting for the master's copy, by
	// message id (master-slave): this room's users', and those of the rooms
	// below, which wait in turn for this room's.
	echoes map[string]held
	// releasing is the user whose held join is being let in: its
	// broadcast must not go back upstream, which has it already.
	releasing stanza.JID
}

// JID returns the room's bare JID.
func (n *Node) JID() stanza.JID { return n.room }

// Federation returns how the room federates.
func (n *Node) Federation() Federation { return n.fed }

// Room returns the muc room; nil while it does not exist (the first
// local user's join is held while the federation is being joined).
func (n *Node) Room() *muc.Room { return n.mucRoom() }

// Links returns the room's links, sorted by peer.
func (n *Node) Links() []Link {
	out := make([]Link, 0, len(n.links))
	for _, p := range n.peers() {
		out = append(out, n.links[p].snapshot())
	}
	return out
}

// Waiting returns how many local joins are held for the upstream.
func (n *Node) Waiting() int { return len(n.pending) }

// peers returns the peers of n's links, sorted.
func (n *Node) peers() []stanza.JID {
	ps := make([]stanza.JID, 0, len(n.links))
	for p := range n.links {
		ps = append(ps, p)
	}
	slices.SortFunc(ps, compareJID)
	return ps
}

// upstream returns the link to the joined node, nil when there is none.
func (n *Node) upstream() *link {
	if n.fed.Upstream.IsZero() {
		return nil
	}
	l := n.links[n.fed.Upstream.Bare()]
	if l == nil {
		l = &link{Link: Link{Peer: n.fed.Upstream.Bare(), Upstream: true, Mode: n.fed.mode()}}
		n.links[l.Peer] = l
	}
	return l
}

// mucRoom returns the muc room, nil when it does not exist.
func (n *Node) mucRoom() *muc.Room {
	r, _ := n.svc.muc.Room(n.room)
	return r
}

// syncLinks tells the muc room which links are federated, so that every
// broadcast reaches each of them once.
func (n *Node) syncLinks() {
	r := n.mucRoom()
	if r == nil {
		return
	}
	var fed []stanza.JID
	for _, p := range n.peers() {
		if n.links[p].State == LinkFederated {
			fed = append(fed, p)
		}
	}
	if !slices.Equal(fed, r.Links()) {
		r.SetLinks(fed)
	}
}

// suppressed reports whether a delivery must not be sent: the held join
// being let in (or the master-slave message being released) already
// reached the upstream node.
func (n *Node) suppressed(d muc.RemoteDelivery) bool {
	return !n.releasing.IsZero() && n.fed.Upstream.Bare() == d.Via.Bare() && d.About == n.releasing
}

// handle runs a stanza from a local user through the muc room and adds
// the converted output.
func (n *Node) handle(now time.Time, out *Output, in stanza.Stanza) {
	mo, err := n.svc.muc.Handle(now, in)
	if err != nil {
		n.svc.opts.Logger.Warn("fmuc: local stanza not handled", "room", n.room.String(), "err", err)
		return
	}
	n.syncLinks()
	n.svc.convert(now, out, mo)
	n.afterMUC(now, out)
}

// handleRemote runs a stanza on behalf of a peer's user through the room.
func (n *Node) handleRemote(now time.Time, out *Output, l *link, in stanza.Stanza, echo bool) {
	var (
		mo  muc.Output
		err error
	)
	if echo {
		if r := n.mucRoom(); r != nil {
			mo, err = r.EchoRemote(now, l.Peer, in)
		}
	} else {
		mo, err = n.svc.muc.HandleRemote(now, l.Peer, in)
	}
	if err != nil {
		n.svc.opts.Logger.Warn("fmuc: peer stanza not handled", "room", n.room.String(), "peer", l.Peer.String(), "err", err)
		return
	}
	n.syncLinks()
	n.svc.convert(now, out, mo)
	n.afterMUC(now, out)
}

// mucCall adds the output of a direct call on the muc room.
func (n *Node) mucCall(now time.Time, out *Output, mo muc.Output, err error) {
	if err != nil {
		n.svc.opts.Logger.Warn("fmuc: room call failed", "room", n.room.String(), "err", err)
		return
	}
	n.syncLinks()
	n.svc.convert(now, out, mo)
	n.afterMUC(now, out)
}

// afterMUC ends the links nobody needs any more: a joined node confirms
// with <left/> that a joining node whose last user left is out of the set
// (XEP-0289 §4.4), and then sends it nothing more.
func (n *Node) afterMUC(now time.Time, out *Output) {
	r := n.mucRoom()
	for _, p := range n.peers() {
		l := n.links[p]
		if l.Upstream || l.State != LinkFederated {
			continue
		}
		if r != nil && r.Reaches(p) {
			continue
		}
		out.Stanzas = append(out.Stanzas, &stanza.Presence{
			Header:   stanza.Header{From: n.room, To: p},
			Children: []stanza.Element{fmucControl(false, "")},
		})
		n.set(out, l, LinkLeft, now, "its last user left")
		delete(n.links, p)
	}
	n.syncLinks()
}

// fromLocal handles a stanza from a client of the server.
func (n *Node) fromLocal(now time.Time, out *Output, in stanza.Stanza) {
	in = stripped(in)
	r := n.mucRoom()
	switch s := in.(type) {
	case *stanza.Presence:
		if s.Type == stanza.PresenceAvailable && n.holdJoin(now, out, r, s) {
			return
		}
	case *stanza.Message:
		if s.Type == stanza.MessageGroupchat && n.masterSlave(now, out, r, s) {
			return
		}
	}
	n.handle(now, out, in)
}

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
	// A rejoin asks for the history since it last heard from the peer,
	// for a peer that does not know this package's resync.
	var since time.Time
	if (l.State == LinkResyncing || l.counting) && !l.heard.IsZero() {
		since = l.heard.Add(-time.Second)
	}
	payload = append(payload, fmucFrom(p.From), mucX(n.fed.History, since),
		stanza.MUCUser{Items: []stanza.Item{{Affiliation: aff, Role: role, JID: &p.From}}}.Element())
	out.Stanzas = append(out.Stanzas, &stanza.Presence{Header: stanza.Header{From: from, To: to, ID: p.ID}, Children: payload})
	n.joiner = p.From
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

// held is a groupchat message waiting for the master's echo: as its user
// sent it (From the real JID, to this room), and the link it came
// through (zero for this room's own user).
type held struct {
	m   *stanza.Message
	via stanza.JID
}

// masterSlave holds a local groupchat message of a master-slave room
// until the master echoes it (XEP-0289 §2), or refuses it while the
// master is unreachable. It reports whether it took the message.
func (n *Node) masterSlave(now time.Time, out *Output, r *muc.Room, m *stanza.Message) bool {
	l := n.upstream()
	if l == nil || l.Mode != MasterSlave || r == nil {
		return false
	}
	o, ok := r.OccupantByJID(m.From)
	if !ok || o.Remote() || (o.Role != stanza.RoleParticipant && o.Role != stanza.RoleModerator) {
		return false // the room answers as for any other message
	}
	if l.State != LinkFederated {
		e := &stanza.Error{Type: stanza.ErrorWait, Condition: stanza.RecipientUnavailable, By: n.room,
			Text: "this room follows " + l.Peer.String() + ", which cannot be reached now; try again later"}
		if reply := stanza.ErrorReply(m, e); reply != nil {
			out.Stanzas = append(out.Stanzas, reply)
		}
		return true
	}
	h := stanza.Clone(m).(*stanza.Message)
	if h.ID == "" {
		h.ID = n.svc.opts.NewID()
	}
	if _, dup := n.echoes[h.ID]; dup {
		return true
	}
	if len(n.echoes) >= maxEchoes {
		e := &stanza.Error{Type: stanza.ErrorWait, Condition: stanza.ResourceConstraint, By: n.room,
			Text: "too many messages are waiting for the master room"}
		if reply := stanza.ErrorReply(m, e); reply != nil {
			out.Stanzas = append(out.Stanzas, reply)
		}
		return true
	}
	n.forwardForEcho(now, out, l, o.Addr(), h, stanza.JID{})
	return true
}

// forwardForEcho sends h, from this room's occupant JID from, to the
// master l with an echo request, and holds it until the echo comes back.
func (n *Node) forwardForEcho(now time.Time, out *Output, l *link, from stanza.JID, h *stanza.Message, via stanza.JID) {
	n.echoes[h.ID] = held{m: h, via: via}
	wire := &stanza.Message{
		Header:   stanza.Header{From: from, To: l.Peer, ID: h.ID, Type: stanza.MessageGroupchat, Lang: h.Lang},
		Children: append(slices.Clip(withoutFederation(h.Children)), fmucFrom(h.From), echoElement),
	}
	n.emit(now, out, l, wire)
}

// maxEchoes bounds the messages of one room waiting for the master.
const maxEchoes = 1024

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
	l := &link{Link: Link{Peer: peerRoom, State: LinkFederated, Since: now}}
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
func (n *Node) refuseUser(now time.Time, out *Output, l *link, s *stanza.Presence, e *stanza.Error) {
	from, err := n.room.WithResource(s.From.Resource())
	if err != nil {
		return
	}
	var fm []stanza.Element
	for _, c := range s.Children {
		if c.Is(stanza.NSFMUC, "fmuc") {
			fm = append(fm, c)
		}
	}
	fm = append(fm, e.Element())
	n.emit(now, out, l, &stanza.Presence{Header: stanza.Header{From: from, To: l.Peer, ID: s.ID, Type: stanza.PresenceError}, Children: fm})
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

// localUser reports whether jid belongs to this server's own users, for
// whom no peer may speak (XEP-0289 §7).
func (n *Node) localUser(jid stanza.JID) bool {
	return slices.Contains(n.svc.opts.LocalDomains, jid.Domain())
}

// asUser rewrites a peer's stanza as one from its user: from the real
// JID, to this room (or room/nick), without the federation payloads.
func (n *Node) asUser(in stanza.Stanza, user stanza.JID, nick string) stanza.Stanza {
	c := stanza.Clone(in)
	h := c.Head()
	h.From = user
	h.To = n.room
	if nick != "" {
		if to, err := n.room.WithResource(nick); err == nil {
			h.To = to
		}
	}
	c.SetPayload(withoutFederation(c.Payload()))
	return c
}

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

// removalCodes are the muc#user statuses of a removal decided by a
// moderator or an affiliation change (XEP-0045 §9.1, §9.2, §10.6, §10.7),
// or by a node for an error (333: a nick collision, a link lost).
var removalCodes = []stanza.StatusCode{stanza.StatusBanned, stanza.StatusKicked, stanza.StatusAffiliationRemoved, stanza.StatusMembersOnlyRemoved, stanza.StatusErrorRemoved}

// removal returns the Removal a peer's unavailable presence describes,
// and whether it is one.
func removal(p *stanza.Presence) (muc.Removal, bool) {
	var x stanza.MUCUser
	found, err := stanza.Find(p, stanza.NSMUCUser, "x", &x)
	if err != nil || !found {
		return muc.Removal{}, false
	}
	var rm muc.Removal
	for _, s := range x.Statuses {
		if slices.Contains(removalCodes, s.Code) {
			rm.Statuses = append(rm.Statuses, s.Code)
		}
	}
	if len(rm.Statuses) == 0 {
		return rm, false
	}
	if len(x.Items) > 0 {
		it := x.Items[0]
		rm.Reason = it.Reason
		if it.Actor != nil {
			rm.Actor = it.Actor.Nick
		}
	}
	return rm, true
}

// hasStatus reports whether p's muc#user payload carries code.
func hasStatus(p stanza.Stanza, code stanza.StatusCode) bool {
	var x stanza.MUCUser
	found, err := stanza.Find(p, stanza.NSMUCUser, "x", &x)
	return err == nil && found && x.HasStatus(code)
}

// fromPeer handles a stanza from a linked peer room.
func (n *Node) fromPeer(now time.Time, out *Output, l *link, in stanza.Stanza) {
	// Anything from the peer shows it is there, but for a server's
	// bounce.
	if c := errorCondition(in); c != stanza.RemoteServerNotFound && c != stanza.RemoteServerTimeout {
		l.heard = now
	}
	h := in.Head()
	if q, ok := in.(*stanza.IQ); ok && h.From.Resource() == "" && n.pingIQ(now, out, l, q) {
		return
	}
	l.ping = ""
	if isLoss(in) {
		// A server's bounce of something sent to the peer: the peer
		// cannot be reached (RFC 6120 §8.3.3.15, §8.3.3.16).
		n.lose(now, out, l, "bounced: "+string(errorCondition(in)))
		return
	}
	p, err := readPeer(in)
	if err != nil {
		out.event(SpoofRefused{RoomJID: n.room, Peer: l.Peer, Reason: "malformed fmuc payload: " + err.Error()})
		return
	}
	if pres, ok := in.(*stanza.Presence); ok && h.From.Resource() != "" && !l.Upstream && pres.Type == stanza.PresenceAvailable && hasChild(pres, stanza.NSMUC, "x") {
		// A federation join from a linked room: it lost the link and
		// rejoins (or never noticed it was lost and rejoins anyway).
		n.rejoined(now, out, l, pres, p)
		return
	}
	if l.counting && counted(in) {
		l.recv++
	}
	if m, ok := in.(*stanza.Message); ok && h.From.Resource() == "" && m.Type == stanza.MessageGroupchat {
		// A subject set by nobody in particular comes from the room.
		if _, isSubject := m.Subject(); isSubject && !hasChild(m, "", "body") {
			n.peerSubject(now, out, l, m, p.user)
		}
		return
	}
	control := p.fm != nil && (p.fm.Reject != nil || p.fm.Left != nil)
	if h.From.Resource() == "" || control {
		// Be liberal: <reject/> and <left/> come from the peer's bare JID
		// (XEP-0289 §4.1, §4.4), but may come from an occupant JID too.
		n.fromPeerRoom(now, out, l, in, p)
		return
	}
	if l.Upstream && l.State != LinkFederated && n.mucRoom() == nil {
		// The joined node's entry sequence comes into a room that this
		// federation creates: an instant room with the service's default
		// configuration and no owner (XEP-0289 §4.1: the joining node is a
		// room configured to federate; its users enter it as they would
		// any room).
		_, mo, err := n.svc.muc.CreateInstant(n.room, stanza.JID{})
		n.mucCall(now, out, mo, err)
	}
	if p.user.IsZero() {
		out.event(SpoofRefused{RoomJID: n.room, Peer: l.Peer, Reason: "no fmuc from on a stanza from " + h.From.String()})
		return
	}
	switch s := in.(type) {
	case *stanza.Presence:
		n.peerPresence(now, out, l, s, p)
	case *stanza.Message:
		n.peerMessage(now, out, l, s, p)
	case *stanza.IQ:
		n.peerIQ(now, out, l, s, p)
	}
}

// holder returns where jid is in the room: zero JID and true for a local
// occupant, the node for a remote one; false when it is not an occupant.
func (n *Node) holder(jid stanza.JID) (stanza.JID, bool) {
	r := n.mucRoom()
	if r == nil {
		return stanza.JID{}, false
	}
	o, ok := r.OccupantByJID(jid)
	return o.Via, ok
}

// waiting reports whether jid is a local user whose join is held.
func (n *Node) waiting(jid stanza.JID) bool {
	for _, p := range n.pending {
		if p.From == jid {
			return true
		}
	}
	return false
}

// peerPresence handles presence about a peer's user (XEP-0289 §4.1-§4.5).
func (n *Node) peerPresence(now time.Time, out *Output, l *link, s *stanza.Presence, p peer) {
	user := p.user
	via, in := n.holder(user)
	switch s.Type {
	case stanza.PresenceError:
		target := user
		if !p.forJID.IsZero() {
			target = p.forJID
		}
		n.peerRefused(now, out, l, s, target)
		return
	case stanza.PresenceUnavailable:
		if rm, ok := removal(s); ok && in {
			// XEP-0289 §4.5: a kick or ban decided there is enacted here.
			mo, err := n.mucRoom().Remove(now, l.Peer, user, rm)
			n.mucCall(now, out, mo, err)
			return
		}
		if !in || via != l.Peer {
			if !in && n.waiting(user) {
				return // the echo of a held joiner
			}
			n.spoof(out, l, user, "unavailable presence for a user the peer does not hold")
			return
		}
		if hasStatus(s, stanza.StatusNickChanged) {
			return // the nick change is the available presence that follows
		}
		n.handleRemote(now, out, l, n.asUser(s, user, s.From.Resource()), false)
	case stanza.PresenceAvailable:
		if in && via != l.Peer || !in && n.waiting(user) {
			if n.waiting(user) || l.Upstream && l.State != LinkFederated {
				// Our own user, or one of a room below, shown back to
				// us in the joined node's entry sequence.
				return
			}
			n.spoof(out, l, user, "presence for a user another node holds")
			return
		}
		if !in && n.localUser(user) {
			n.spoof(out, l, user, "a peer cannot present this server's users")
			return
		}
		if l.seen != nil {
			l.seen[user] = true
		}
		if n.collides(now, out, l, s, user) {
			return
		}
		if !in && n.reachedThrough(l) >= n.svc.opts.MaxRemoteOccupants {
			n.refuseUser(now, out, l, s, &stanza.Error{Type: stanza.ErrorWait, Condition: stanza.ResourceConstraint, By: n.room,
				Text: "this room takes no more users from " + l.Peer.String()})
			return
		}
		fwd := n.asUser(s, user, s.From.Resource())
		if !in {
			// Announced, not joined: the muc <x/> would ask for the entry
			// sequence, which only the federation join gets.
			fwd.SetPayload(stanza.Without(fwd.Payload(), stanza.NSMUC, "x"))
		}
		n.handleRemote(now, out, l, fwd, false)
	}
}

// peerRefused handles a peer's presence error about one of this node's
// users: a held joiner is told; a user already here stays.
func (n *Node) peerRefused(now time.Time, out *Output, l *link, s *stanza.Presence, user stanza.JID) {
	e, _ := stanza.ErrorOf(s)
	for i, q := range n.pending {
		if q.From != user {
			continue
		}
		n.pending = slices.Delete(n.pending, i, i+1)
		ce := stanza.Error{Type: stanza.ErrorCancel, Condition: stanza.NotAllowed}
		if e != nil {
			ce = *e
		}
		ce.By = n.room
		if reply := stanza.ErrorReply(q, &ce); reply != nil {
			out.Stanzas = append(out.Stanzas, reply)
		}
		if user == n.joiner && l.Upstream && l.State == LinkJoining {
			// Present the next waiting user instead.
			n.joiner = stanza.JID{}
			n.set(out, l, LinkUnset, now, "the joined node refused "+user.String())
			if len(n.pending) > 0 {
				n.sendJoin(now, out, l, n.pending[0])
			}
		}
		return
	}
	cond := stanza.Condition("")
	if e != nil {
		cond = e.Condition
	}
	out.event(PeerRefusedUser{RoomJID: n.room, Peer: l.Peer, JID: user, Condition: cond})
}

func (n *Node) spoof(out *Output, l *link, user stanza.JID, reason string) {
	out.event(SpoofRefused{RoomJID: n.room, Peer: l.Peer, JID: user, Reason: reason})
	n.svc.opts.Logger.Warn("fmuc: refused a peer's stanza", "room", n.room.String(), "peer", l.Peer.String(), "jid", user.String(), "reason", reason)
}

// peerMessage handles a message from a peer: groupchat, history replay,
// the subject, a private message, an echo.
func (n *Node) peerMessage(now time.Time, out *Output, l *link, m *stanza.Message, p peer) {
	user := p.user
	via, in := n.holder(user)
	switch m.Type {
	case stanza.MessageError:
		return // a bounce of something relayed: nothing to do here yet
	case stanza.MessageGroupchat:
	default:
		if !in || via != l.Peer {
			n.spoof(out, l, user, "private message from a user the peer does not hold")
			return
		}
		n.handleRemote(now, out, l, n.asUser(m, user, m.To.Resource()), false)
		return
	}
	if _, isSubject := m.Subject(); isSubject && !hasChild(m, "", "body") {
		n.peerSubject(now, out, l, m, user)
		return
	}
	if hasDelay(m) {
		// History: the joined room's replay, or what a room said while the
		// link was down, replayed as late messages.
		if n.localUser(user) && !l.Upstream {
			n.spoof(out, l, user, "history in the name of this server's user")
			return
		}
		n.peerHistory(now, out, l, m, user)
		return
	}
	if h, ok := n.echoes[m.ID]; ok && l.Upstream && h.m.From == user {
		// The master's echo of a held message: it goes out here now, in
		// the master's order (and on to the room below that waits).
		delete(n.echoes, m.ID)
		n.releasing = user
		if h.via.IsZero() {
			n.handle(now, out, h.m)
		} else if from := n.links[h.via]; from != nil {
			n.handleRemote(now, out, from, h.m, true)
		}
		n.releasing = stanza.JID{}
		return
	}
	if in && via.IsZero() {
		n.spoof(out, l, user, "groupchat in the name of this node's own user")
		return
	}
	if !in || via != l.Peer {
		n.spoof(out, l, user, "groupchat from a user the peer does not hold")
		return
	}
	if n.ownStanzaID(m) {
		// Our own message come back around: a loop the tree rules out;
		// never amplified.
		n.spoof(out, l, user, "a message of this room came back")
		return
	}
	if up := n.upstream(); p.echo && !l.Upstream && up != nil && up.Mode == MasterSlave && up.counting {
		// This room is a slave too: the message waits for its own
		// master's echo before anyone here, or below, sees it.
		if _, dup := n.echoes[m.ID]; !dup && m.ID != "" && len(n.echoes) < maxEchoes {
			if from, err := n.room.WithResource(m.From.Resource()); err == nil {
				n.forwardForEcho(now, out, up, from, n.asUser(m, user, "").(*stanza.Message), l.Peer)
			}
		}
		return
	}
	n.handleRemote(now, out, l, n.asUser(m, user, ""), p.echo && !l.Upstream)
}

// ownStanzaID reports whether m carries a stanza id this room assigned.
func (n *Node) ownStanzaID(m *stanza.Message) bool {
	for _, id := range stanza.StanzaIDs(m) {
		if id.By == n.room {
			return true
		}
	}
	return false
}

// withoutDelays drops every delay payload (XEP-0203, the XEP-0289
// examples' <x xmlns='urn:xmpp:delay'/>, XEP-0091): the room adds its own.
func withoutDelays(p []stanza.Element) []stanza.Element {
	out := make([]stanza.Element, 0, len(p))
	for _, c := range p {
		if !stanza.IsDelay(c) {
			out = append(out, c)
		}
	}
	return out
}

func hasChild(s stanza.Stanza, space, local string) bool {
	_, ok := stanza.Child(s, space, local)
	return ok
}

func hasDelay(s stanza.Stanza) bool {
	_, ok := stanza.FindDelay(s)
	return ok
}

// peerHistory merges one message of the history a joined node replays.
func (n *Node) peerHistory(now time.Time, out *Output, l *link, m *stanza.Message, user stanza.JID) {
	r := n.mucRoom()
	if r == nil {
		return
	}
	d, _ := stanza.FindDelay(m)
	e := muc.HistoryEntry{ID: m.ID, Nick: m.From.Resource(), JID: user, Stamp: d.Stamp, Origin: d.From,
		Payload: withoutDelays(withoutFederation(m.Children))}
	if e.ID == "" {
		e.ID = n.svc.opts.NewID()
	}
	mo, err := r.MergeHistory(now, l.Peer, []muc.HistoryEntry{e})
	n.mucCall(now, out, mo, err)
}

// peerSubject takes a peer's subject: the end of the joined node's entry
// sequence (XEP-0289 §4.1: the joining node SHOULD replace its subject),
// after which the link is federated and held joins go in; or a change
// made by one of the peer's users.
func (n *Node) peerSubject(now time.Time, out *Output, l *link, m *stanza.Message, user stanza.JID) {
	joining := l.Upstream && l.State != LinkFederated
	if l.Upstream && joining && n.mucRoom() == nil {
		_, mo, err := n.svc.muc.CreateInstant(n.room, stanza.JID{})
		n.mucCall(now, out, mo, err)
	}
	if !joining {
		if via, in := n.holder(user); !in || via != l.Peer {
			n.spoof(out, l, user, "subject change from a user the peer does not hold")
			return
		}
	}
	text, _ := m.Subject()
	sub := muc.Subject{Text: text, Nick: m.From.Resource(), JID: user}
	if d, ok := stanza.FindDelay(m); ok {
		sub.Set, sub.Origin = d.Stamp, d.From
	}
	if text == "" && joining {
		sub.Nick, sub.JID = "", stanza.JID{}
	}
	if r := n.mucRoom(); r != nil {
		mo, err := r.AdoptSubject(now, l.Peer, sub)
		n.mucCall(now, out, mo, err)
	}
	if joining {
		// A new session: whatever an earlier one sent that the joined
		// room may have missed goes again, as late messages, once the
		// link is up; the joined room drops what it has already.
		var old []logged
		if l.counting {
			old = l.log
		}
		n.set(out, l, LinkFederated, now, "")
		l.startSession("")
		n.syncLinks()
		n.forgetUnseen(now, out, l)
		n.announceAll(now, out, l)
		n.release(now, out)
		for _, e := range old {
			if m, ok := e.st.(*stanza.Message); ok && m.Type == stanza.MessageGroupchat && hasChild(m, "", "body") {
				c := stanza.Clone(m).(*stanza.Message)
				if !hasDelay(c) {
					c.Children = append(c.Children[:len(c.Children):len(c.Children)], stanza.Delay{From: n.room, Stamp: e.at}.Element())
				}
				n.emit(now, out, l, c)
			}
		}
		n.sendPaths(out)
	}
}

// fromPeerRoom handles a stanza from a peer's bare room JID: <reject/>,
// <left/>, the room's destruction or shutdown, a path update, a resync.
func (n *Node) fromPeerRoom(now time.Time, out *Output, l *link, in stanza.Stanza, p peer) {
	pres, ok := in.(*stanza.Presence)
	if !ok {
		return
	}
	switch {
	case p.resync != nil && l.Upstream:
		n.resynced(now, out, l, *p.resync)
	case p.fm != nil && p.fm.Reject != nil:
		if !l.Upstream || l.State == LinkFederated {
			return
		}
		reason := strings.TrimSpace(p.fm.Reject.Text)
		n.set(out, l, LinkRejected, now, reason)
		text := "The federated room " + l.Peer.String() + " refused this room"
		if reason != "" {
			text += ": " + reason
		}
		n.refuse(out, &stanza.Error{Type: stanza.ErrorCancel, Condition: stanza.NotAllowed, Text: text})
	case p.fm != nil && p.fm.Left != nil, pres.Type == stanza.PresenceUnavailable:
		var codes []stanza.StatusCode
		if hasStatus(pres, stanza.StatusShutdown) {
			codes = []stanza.StatusCode{stanza.StatusShutdown}
		}
		n.set(out, l, LinkLeft, now, "")
		upstream := l.Upstream
		if upstream {
			// Kept, so that a later first local user federates again.
			l.Path = nil
		} else {
			delete(n.links, l.Peer)
		}
		n.syncLinks()
		if r := n.mucRoom(); r != nil {
			mo, err := r.DropVia(now, l.Peer, codes...)
			n.mucCall(now, out, mo, err)
		}
		if upstream {
			n.sendPaths(out)
		}
	case p.hasPath && l.Upstream:
		l.Path = p.path
		n.sendPaths(out)
	}
	if p.hasPath && p.resync != nil && l.Upstream {
		l.Path = p.path
		n.sendPaths(out)
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

// peerIQ handles an IQ from a peer: one forwarded to an occupant here, or
// the answer to one this room forwarded (XEP-0045 §17.4). Requests to the
// room itself are answered for the peer room; admin, owner and
// registration requests are refused (XEP-0289 §4.5: a remote owner
// cannot change this node's lists).
func (n *Node) peerIQ(now time.Time, out *Output, l *link, q *stanza.IQ, p peer) {
	user := p.user
	if q.To.Resource() == "" {
		if q.Type == stanza.IQGet || q.Type == stanza.IQSet {
			n.spoof(out, l, user, "a request to the room itself from a peer")
			e := &stanza.Error{Type: stanza.ErrorCancel, Condition: stanza.Forbidden, By: n.room,
				Text: "a federated room cannot act on this room"}
			if reply := stanza.ErrorReply(stanza.Clone(q), e); reply != nil {
				reply.SetPayload([]stanza.Element{e.Element()})
				out.Stanzas = append(out.Stanzas, reply)
			}
		}
		return
	}
	if via, in := n.holder(user); !in || via != l.Peer {
		n.spoof(out, l, user, "an IQ from a user the peer does not hold")
		return
	}
	n.handleRemote(now, out, l, n.asUser(q, user, q.To.Resource()), false)
}
