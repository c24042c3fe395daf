package fmuc

import (
	"slices"
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
	// federated is syncLinks' buffer, kept between calls.
	federated []stanza.JID
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
	fed := n.federated[:0]
	for p, l := range n.links {
		if l.State == LinkFederated {
			fed = append(fed, p)
		}
	}
	slices.SortFunc(fed, compareJID)
	n.federated = fed
	if !r.HasLinks(fed) {
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
	unneeded := func(p stanza.JID, l *link) bool {
		return !l.Upstream && l.State == LinkFederated && (r == nil || !r.Reaches(p))
	}
	// Usually every link is needed: look before sorting the peers.
	some := false
	for p, l := range n.links {
		if unneeded(p, l) {
			some = true
			break
		}
	}
	if !some {
		n.syncLinks()
		return
	}
	for _, p := range n.peers() {
		l := n.links[p]
		if !unneeded(p, l) {
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

func (n *Node) spoof(out *Output, l *link, user stanza.JID, reason string) {
	out.event(SpoofRefused{RoomJID: n.room, Peer: l.Peer, JID: user, Reason: reason})
	n.svc.opts.Logger.Warn("fmuc: refused a peer's stanza", "room", n.room.String(), "peer", l.Peer.String(), "jid", user.String(), "reason", reason)
}
