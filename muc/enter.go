package muc

import (
	"github.com/xmppfmuc/fmuc/stanza"
)

// enter handles available presence to room/nick from a non-occupant
// (XEP-0045 §7.2).
func (r *Room) enter(tx *request, p *stanza.Presence) {
	x, hasX := stanza.Child(p, stanza.NSMUC, "x")
	remote := !tx.via.IsZero()
	if !hasX && !remote {
		// Decision (XEP-0045 §7.2.18, Groupchat 1.0 Protocol): presence
		// without the muc <x/> from a non-occupant is indistinguishable
		// from a presence update of a desynchronised client, so it is NOT
		// a join. As RECOMMENDED since version 1.32, the service answers
		// with an explicit kick carrying 110, 307 and 333.
		r.notInRoom(tx, p)
		return
	}
	var req stanza.MUC
	if hasX {
		if err := x.Decode(&req); err != nil {
			r.fail(tx, stanza.BadRequest, "malformed muc payload")
			return
		}
	}
	// XEP-0289 §4.1: the first user of a node enters with the muc <x/>
	// and gets the occupants, history and subject; every later one (and
	// any user the node only announces, without the <x/>) is fanned out
	// to the others and nothing goes back: its node has all of it.
	announce := remote && (!hasX || r.reaches(tx.via))
	if remote && r.claimedElsewhere(tx) {
		return
	}
	if tx.from.Resource() == "" {
		// XEP-0045 §4.1: an occupant is a real full JID present in the
		// room (§7.2: the user's client enters); every session has a
		// resource. A bare JID (a peer node speaking for a user, or a
		// server on its behalf) cannot enter.
		r.fail(tx, stanza.NotAcceptable, "entering a room needs a full JID")
		return
	}
	nick, addr := p.To.Resource(), p.To
	bare := tx.from.Bare()
	aff := r.Affiliation(bare)
	var extra []stanza.StatusCode
	if n, ok := r.lockedNick(bare); ok && n != nick {
		// §7.10: nick lockdown; §7.2.2: the service MAY rewrite the
		// roomnick, MUST admit the user and include 210.
		if a, err := r.addr(n); err == nil {
			nick, addr, extra = n, a, []stanza.StatusCode{stanza.StatusNickAssigned}
		}
	}
	creating := r.created || r.locked && len(r.occupants) == 0 && aff == stanza.AffiliationOwner
	switch {
	case r.locked && !creating && aff != stanza.AffiliationOwner:
		// §7.2.10: a locked room does not (yet) exist for others.
		r.fail(tx, stanza.ItemNotFound, "")
		return
	case aff == stanza.AffiliationOutcast:
		// §7.2.7: banned users are refused.
		r.fail(tx, stanza.Forbidden, "")
		return
	case r.config.MembersOnly && rank(aff) < rank(stanza.AffiliationMember):
		// §7.2.6: members-only rooms.
		r.fail(tx, stanza.RegistrationRequired, "")
		return
	case r.config.PasswordProtected && req.Password != r.config.Password:
		// §7.2.5: missing or wrong password. Owners and admins are not
		// exempt: the XEP grants no exemption.
		r.fail(tx, stanza.NotAuthorized, "")
		return
	}
	if other := r.occupantByNick(nick); other != nil && other.JID != tx.from {
		if r.mayShare(tx, other) && r.byJID[tx.from] == nil {
			// §7.2.8: the same bare JID SHOULD be allowed in under the
			// same nick: a further session (joinSession). A nick written
			// otherwise (nickKey) is the occupant's: §7.2.2, 210.
			if other.Nick != nick && len(extra) == 0 {
				extra = []stanza.StatusCode{stanza.StatusNickAssigned}
			}
			if typ, cond, text := r.refuseSession(tx.from); cond != "" {
				r.failType(tx, typ, cond, text)
				return
			}
			r.joinSession(tx, other, p, &req, extra...)
			return
		}
		// §7.2.8: the nick is in use by another user.
		r.fail(tx, stanza.Conflict, "")
		return
	}
	if _, ok := r.byJID[tx.from]; ok {
		// The same real JID is already in the room through another node
		// (or locally); one real JID is one occupant.
		r.fail(tx, stanza.Conflict, "already in the room through another node")
		return
	}
	if owner, ok := r.nickOwner(nick); ok && owner != bare {
		// §7.2.8: the nick is registered by another user.
		r.fail(tx, stanza.Conflict, "")
		return
	}
	if typ, cond, text := r.refuseSession(tx.from); cond != "" {
		r.failType(tx, typ, cond, text)
		return
	}
	if r.config.MaxUsers > 0 && len(r.occupants) >= r.config.MaxUsers {
		// §7.2.9: full; admins and owners may still enter, up to a
		// reasonable number of extra occupants.
		if rank(aff) < rank(stanza.AffiliationAdmin) || len(r.occupants) >= r.config.MaxUsers+r.opts.MaxExtraOccupants {
			r.failType(tx, stanza.ErrorWait, stanza.ServiceUnavailable, "")
			return
		}
	}
	o := &Occupant{
		Nick:        nick,
		JID:         tx.from,
		Via:         tx.via,
		Role:        defaultRole(aff, r.config.Moderated),
		Affiliation: aff,
		Presence:    clientPresence(p.Children),
		addr:        addr,
	}
	if remote {
		// XEP-0289 §4.5: roles and affiliations from another node are
		// shown as that node states them; they grant nothing here, since
		// a remote user's admin and owner requests never reach this room
		// (the fmuc package refuses them).
		announced(o, p)
		tx.entry = !announce
	}
	if announce {
		r.occupants = append(r.occupants, o)
		r.indexNick(o)
		r.byJID[tx.from] = o
		r.joined(tx.from)
		r.arrival(tx, o, p.ID)
		tx.out.event(OccupantJoined{RoomJID: r.jid, Nick: nick, JID: tx.from, Via: tx.via, Role: o.Role, Affiliation: o.Affiliation})
		return
	}
	// §7.1 order: others' presence, the newcomer's presence to the others,
	// self-presence, history, subject.
	r.rosterTo(tx, o)
	r.occupants = append(r.occupants, o)
	r.indexNick(o)
	r.byJID[tx.from] = o
	r.joined(tx.from)
	r.arrival(tx, o, p.ID)
	r.selfPresence(tx, o, "", p.ID, item{aff: o.Affiliation, role: o.Role}, append(r.joinCodes(creating), extra...)...)
	r.sendHistory(tx, o, req.History)
	r.sendSubject(tx, o)
	tx.entry = false
	tx.out.event(OccupantJoined{RoomJID: r.jid, Nick: nick, JID: tx.from, Via: tx.via, Role: o.Role, Affiliation: o.Affiliation})
}

// joinCodes are the status codes of the self-presence on entry besides 110.
func (r *Room) joinCodes(creating bool) []stanza.StatusCode {
	var codes []stanza.StatusCode
	if r.config.NonAnonymous() {
		codes = append(codes, stanza.StatusNonAnonymous) // §7.2.3
	}
	if r.config.EnableLogging {
		codes = append(codes, stanza.StatusLoggingEnabled) // §7.2.12
	}
	if creating {
		codes = append(codes, stanza.StatusCreated) // §10.1.1
	}
	return codes
}

// resync answers a muc-tagged join from an occupant already in the room
// under that nick: XEP-0045 §7.2.1 and §17.3 say to send exactly what a
// new join gets, and to update the others if the presence changed.
//
// With several sessions (§7.2.8) only the session that asked is
// resynchronised; it becomes the occupant's current session. extra are
// further status codes (210 under nick lockdown).
func (r *Room) resync(tx *request, o *Occupant, p *stanza.Presence, extra ...stanza.StatusCode) {
	var req stanza.MUC
	if x, ok := stanza.Child(p, stanza.NSMUC, "x"); ok {
		if err := x.Decode(&req); err != nil {
			r.fail(tx, stanza.BadRequest, "malformed muc payload")
			return
		}
	}
	changed := o.makeCurrent(tx.from)
	changed = r.setPresence(o, p) || changed
	s := o.narrow(tx.from)
	r.rosterTo(tx, s)
	if changed {
		r.broadcastInforming(tx, o, p.ID)
	}
	r.selfPresence(tx, s, "", p.ID, item{aff: o.Affiliation, role: o.Role}, append(r.joinCodes(false), extra...)...)
	r.sendHistory(tx, s, req.History)
	r.sendSubject(tx, s)
	if changed {
		// The occupant's other sessions see its new presence as after a
		// presence update (§7.7, with 110).
		// Like every self-presence to all sessions, it names the current
		// session.
		it := item{aff: o.Affiliation, role: o.Role}
		if r.canSee(o) {
			it.jid = o.JID
		}
		for _, x := range o.others {
			r.selfPresence(tx, o.narrow(x.jid), "", p.ID, it)
		}
	}
}

// rosterTo sends o the presence of every other occupant whose presence is
// broadcast (§7.2.2).
func (r *Room) rosterTo(tx *request, o *Occupant) {
	full := r.canSee(o)
	if !o.Via.IsZero() {
		full = true
	}
	ps := newSlab[stanza.Presence](len(r.occupants))
	for _, other := range r.occupants { // o may be narrowed: compare addresses
		if other.addr == o.addr || r.config.HidePresence.Has(other.Role) {
			continue
		}
		p := ps.next()
		*p = stanza.Presence{Header: stanza.Header{From: other.addr, To: o.JID}, Children: r.view(other, full)}
		r.sendAbout(tx, o, other.JID, p)
	}
}

// notInRoom is the §7.2.18 answer to presence from a non-occupant that is
// not a join: an unavailable self-presence with 110, 307 and 333.
func (r *Room) notInRoom(tx *request, p *stanza.Presence) {
	x := userX(&item{aff: r.Affiliation(tx.from), role: stanza.RoleNone, reason: "You are not in the room."}, nil, stanza.StatusSelf, stanza.StatusKicked, stanza.StatusErrorRemoved)
	r.reply(tx, &stanza.Presence{
		Header:   stanza.Header{From: p.To, To: tx.from, Type: stanza.PresenceUnavailable},
		Children: []stanza.Element{x},
	})
}

// clientPresence is the part of a client's presence the room relays: all
// children except the muc and muc#user <x/> (XEP-0045 §17.3: the service
// MUST NOT reflect client-generated muc#user data).
func clientPresence(children []stanza.Element) []stanza.Element {
	n := 0
	for _, c := range children {
		if relayable(c) {
			n++
		}
	}
	out := make([]stanza.Element, 0, n)
	for _, c := range children {
		if relayable(c) {
			out = append(out, c)
		}
	}
	return out
}

// relayable reports whether a child of a client's presence is relayed:
// not the muc or muc#user <x/>, an error, an occupant id (the room adds
// its own, XEP-0421 §5) or an XEP-0289 <fmuc/> (never from a client,
// never to one).
func relayable(c stanza.Element) bool {
	return !c.Is(stanza.NSMUC, "x") && !c.Is(stanza.NSMUCUser, "x") && !c.Is("", "error") &&
		!c.Is(nsOccupantID, "occupant-id") && !c.Is(stanza.NSFMUC, "fmuc")
}

// setPresence stores p as o's presence and reports whether it changed.
func (r *Room) setPresence(o *Occupant, p *stanza.Presence) bool {
	np := clientPresence(p.Children)
	if sameElements(np, o.Presence) {
		return false
	}
	o.Presence = np
	o.invalidate()
	return true
}

func sameElements(a, b []stanza.Element) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || string(a[i].XML) != string(b[i].XML) {
			return false
		}
	}
	return true
}

// nickOwner returns the bare JID that registered nick (§7.10), if any;
// nicks are compared with nickKey, and no two registered nicks are the
// same.
func (r *Room) nickOwner(nick string) (stanza.JID, bool) {
	for j, n := range r.nicks {
		if sameNick(n, nick) {
			return j, true
		}
	}
	return stanza.JID{}, false
}
