package fmuc

import (
	"slices"
	"strings"
	"time"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

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
		if m, ok := in.(*stanza.Message); ok && m.Type == stanza.MessageGroupchat {
			l.caught = now
		}
	}
	h := in.Head()
	if q, ok := in.(*stanza.IQ); ok && h.From.Resource() == "" && n.pingIQ(now, out, l, q) {
		return
	}
	l.ping = ""
	if isLoss(in) {
		l.markBounced(in)
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
	if m, ok := in.(*stanza.Message); ok && m.Type == stanza.MessageGroupchat {
		in = withStanzaIDsBy(m) // the compact envelope's
	}
	if pres, ok := in.(*stanza.Presence); ok && h.From.Resource() != "" && !l.Upstream && pres.Type == stanza.PresenceAvailable && hasChild(pres, stanza.NSMUC, "x") {
		// A federation join from a linked room: it lost the link and
		// rejoins (or never noticed it was lost and rejoins anyway).
		n.rejoined(now, out, l, pres, p)
		return
	}
	if !l.Upstream && l.State == LinkLost && l.counting && errorCondition(in) == "" {
		// The joining room is there again, and does not rejoin by itself.
		n.askRejoin(now, out, l)
	}
	if l.counting && counted(in) {
		if p.seq > 0 {
			// A replayed stanza: it may have arrived live already.
			l.recv = max(l.recv, p.seq)
		} else {
			l.recv++
		}
	}
	if counted(in) && h.Type != "error" {
		// Counted first, so that the session's counts stay aligned.
		opts := &n.svc.opts
		if !l.allow(now, opts.PeerInterval, opts.PeerBurst) {
			l.RateDropped++
			if !l.limited {
				l.limited = true
				out.event(PeerRateExceeded{RoomJID: n.room, Peer: l.Peer, Dropped: l.RateDropped})
			}
			return
		}
		l.limited = false
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
		p.user = n.derivedUser(in, p)
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
		if l.Upstream && l.State == LinkResyncing && user == n.joiner {
			// The peer shows the rejoining user back: its answer is an
			// entry sequence (a new session), which the subject ends.
			l.entered = true
		}
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
			n.refuseUser(now, out, l, s, user, &stanza.Error{Type: stanza.ErrorWait, Condition: stanza.ResourceConstraint, By: n.room,
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
		rel := withStanzaIDsOf(h.m, m, n.room)
		if h.via.IsZero() {
			n.handle(now, out, rel)
		} else if from := n.links[h.via]; from != nil {
			n.handleRemote(now, out, from, rel, true)
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

// answerFromBare reports whether q answers, from user's bare JID, a
// request the room forwarded to one of l's users: a vCard goes to the bare
// JID (XEP-0045 §17.4 is about the occupant; vcard-temp is answered by the
// account), so its answer comes from it.
func (n *Node) answerFromBare(l *link, q *stanza.IQ, user stanza.JID) bool {
	if (q.Type != stanza.IQResult && q.Type != stanza.IQError) || !user.IsBare() {
		return false
	}
	r := n.mucRoom()
	if r == nil {
		return false
	}
	for _, o := range r.Occupants() {
		if o.Via == l.Peer && o.JID.Bare() == user {
			return true
		}
	}
	return false
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
	// The subject ends the entry sequence of a join; while a rejoin waits
	// for its answer, only once that answer has shown the rejoining user
	// back (l.entered): before, it is a change made on the peer that
	// crossed the rejoin.
	joining := l.Upstream && (l.State == LinkJoining || l.State == LinkResyncing && l.entered)
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
	// Concurrent changes on two nodes converge: the newer (subjectNewer)
	// wins everywhere.
	var ours *muc.Subject
	if r := n.mucRoom(); r != nil {
		cur := r.Subject()
		in, own := withOrigin(sub, l.Peer), withOrigin(cur, n.room)
		switch {
		case subjectNewer(in, own):
			mo, err := r.AdoptSubject(now, l.Peer, sub)
			n.mucCall(now, out, mo, err)
		case joining && subjectNewer(own, in):
			ours = &cur
		}
	}
	if joining {
		// A new session: whatever an earlier one sent that the joined
		// room may have missed goes again, as late messages, once the
		// link is up; the joined room drops what it has already.
		old := l.late
		l.late = nil
		if l.counting {
			old = append(old[:len(old):len(old)], l.log...)
		}
		n.set(out, l, LinkFederated, now, "")
		l.startSession("")
		n.syncLinks()
		n.forgetUnseen(now, out, l)
		n.announceAll(now, out, l)
		n.release(now, out)
		if ours != nil {
			// This room's subject is the newer: the joined room takes it.
			n.sendSubject(now, out, l, *ours)
		}
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

// withStanzaIDsOf returns the held message h with the stanza ids the
// upstream rooms gave its echo (XEP-0359), so that the history here knows
// it by them and drops a replay of the echo that crossed a rejoin.
func withStanzaIDsOf(h, echo *stanza.Message, room stanza.JID) *stanza.Message {
	ids := stanza.WithoutStanzaIDsBy(stanza.Children(echo, stanza.NSSID, "stanza-id"), room)
	if len(ids) == 0 {
		return h
	}
	c := stanza.Clone(h).(*stanza.Message)
	c.Children = append(c.Children[:len(c.Children):len(c.Children)], ids...)
	return c
}

// subjectNewer reports whether subject a, arriving, was set after b, the
// room's own (their Origin filled in). At the same stamp, a change from
// the same origin room is the newer (links keep each room's order);
// between origins, ties go by the setter's JID, then the text, so that
// every node decides alike.
func subjectNewer(a, b muc.Subject) bool {
	if !a.Set.Equal(b.Set) {
		return a.Set.After(b.Set)
	}
	if a.Origin.Bare() == b.Origin.Bare() {
		return true
	}
	if as, bs := a.JID.String(), b.JID.String(); as != bs {
		return as > bs
	}
	return a.Text > b.Text
}

// sendSubject sends this room's subject s to the peer of l, stamped with
// when it was set.
func (n *Node) sendSubject(now time.Time, out *Output, l *link, s muc.Subject) {
	from := n.room
	if s.Nick != "" {
		if f, err := n.room.WithResource(s.Nick); err == nil {
			from = f
		}
	}
	n.emit(now, out, l, &stanza.Message{
		Header:   stanza.Header{From: from, To: l.Peer, ID: n.svc.opts.NewID(), Type: stanza.MessageGroupchat},
		Children: []stanza.Element{stanza.TextElement("subject", s.Text), n.subjectDelay(s), fmucFrom(s.JID)},
	})
}

// withOrigin returns s with room as its Origin when it has none (a
// subject set in room).
func withOrigin(s muc.Subject, room stanza.JID) muc.Subject {
	if s.Origin.IsZero() {
		s.Origin = room
	}
	return s
}

// subjectDelay is the XEP-0203 delay of this room's subject s: when it
// was set, and in which room.
func (n *Node) subjectDelay(s muc.Subject) stanza.Element {
	return stanza.Delay{From: withOrigin(s, n.room).Origin, Stamp: s.Set}.Element()
}

// fromPeerRoom handles a stanza from a peer's bare room JID: <reject/>,
// <left/>, the room's destruction or shutdown, a path update, a resync.
func (n *Node) fromPeerRoom(now time.Time, out *Output, l *link, in stanza.Stanza, p peer) {
	if forgotten(l, in, p) {
		// The peer answers a compact message as a room answers a
		// stranger: it no longer has the link (its <left/> was lost).
		n.peerLeft(now, out, l, false, true)
		return
	}
	pres, ok := in.(*stanza.Presence)
	if !ok {
		return
	}
	switch {
	case p.resync != nil && l.Upstream:
		if !p.resync.ask {
			l.compact = p.compact
		}
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
		n.peerLeft(now, out, l, hasStatus(pres, stanza.StatusShutdown), p.fm != nil && p.fm.Left != nil)
	case p.hasPath && l.Upstream:
		l.Path = p.path
		n.sendPaths(out)
	}
	if p.hasPath && p.resync != nil && l.Upstream {
		l.Path = p.path
		n.sendPaths(out)
	}
}

// peerLeft ends the link l the peer left (XEP-0289 §4.4): with <left/>
// (left), or an unavailable presence, or as a shutdown of its service,
// after which the link waits to rejoin.
func (n *Node) peerLeft(now time.Time, out *Output, l *link, shutdown, left bool) {
	var codes []stanza.StatusCode
	if shutdown {
		codes = []stanza.StatusCode{stanza.StatusShutdown}
		if l.Upstream && l.State == LinkFederated {
			// The peer's service stops and will be back: its users
			// are gone, the link waits to rejoin.
			n.lose(now, out, l, "the peer's service shut down")
			if r := n.mucRoom(); r != nil {
				mo, err := r.DropVia(now, l.Peer, codes...)
				n.mucCall(now, out, mo, err)
			}
			return
		}
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
		if left {
			n.federateAgain(now, out, l)
		}
	}
}

// forgotten reports whether in, from the peer's bare JID, is its answer
// to a compact message as to a stranger's: an error without <fmuc/>
// addressed to an occupant JID here (not-acceptable for a non-occupant,
// XEP-0045 §7.4, or item-not-found when the room is gone). Errors about a
// message the peer took carry <fmuc/> (encode); a server's bounce is a
// loss (isLoss), handled before.
func forgotten(l *link, in stanza.Stanza, p peer) bool {
	m, ok := in.(*stanza.Message)
	return ok && l.compact && p.fm == nil && m.Type == stanza.MessageError && m.To.Resource() != "" && errorCondition(m) != ""
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
	if via, in := n.holder(user); (!in || via != l.Peer) && !n.answerFromBare(l, q, user) {
		n.spoof(out, l, user, "an IQ from a user the peer does not hold")
		return
	}
	n.handleRemote(now, out, l, n.asUser(q, user, q.To.Resource()), false)
}

// stampSubject adds to a subject change this room relays the time the
// subject was set (XEP-0203), so that every node orders concurrent changes
// alike (subjectNewer).
func (n *Node) stampSubject(st stanza.Stanza) {
	m, ok := st.(*stanza.Message)
	if !ok || m.Type != stanza.MessageGroupchat || hasDelay(m) || hasChild(m, "", "body") {
		return
	}
	if _, isSubject := m.Subject(); !isSubject {
		return
	}
	r := n.mucRoom()
	if r == nil {
		return
	}
	s := r.Subject()
	if s.Set.IsZero() {
		return
	}
	m.Children = append(m.Children[:len(m.Children):len(m.Children)], n.subjectDelay(s))
}
