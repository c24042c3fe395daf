package muc

import (
	"strconv"

	"github.com/xmppfmuc/fmuc/stanza"
)

// admin handles muc#admin IQs: role and affiliation changes and list
// queries (XEP-0045 §8, §9, §10.3-§10.8).
func (r *Room) admin(tx *request, q *stanza.IQ, p stanza.Element) {
	var a stanza.MUCAdmin
	if err := p.Decode(&a); err != nil || len(a.Items) == 0 {
		r.fail(tx, stanza.BadRequest, "")
		return
	}
	for _, it := range a.Items {
		// §17.4: role and affiliation never change in the same item.
		if it.Role != "" && it.Affiliation != "" || it.Role == "" && it.Affiliation == "" {
			r.fail(tx, stanza.BadRequest, "an item changes either a role or an affiliation")
			return
		}
		if it.Role != "" && !it.Role.Valid() || it.Affiliation != "" && !it.Affiliation.Valid() {
			r.fail(tx, stanza.BadRequest, "unknown role or affiliation")
			return
		}
	}
	switch q.Type {
	case stanza.IQGet:
		if len(a.Items) != 1 {
			r.fail(tx, stanza.BadRequest, "")
			return
		}
		r.adminList(tx, q, a.Items[0])
	case stanza.IQSet:
		if n := r.opts.Limits.MaxAdminItems; len(a.Items) > n {
			r.fail(tx, stanza.PolicyViolation, "at most "+strconv.Itoa(n)+" items per request")
			return
		}
		r.adminSet(tx, q, a.Items)
	}
}

// actor describes who sent a muc#admin request.
type actor struct {
	jid  stanza.JID
	occ  *Occupant // nil when not in the room
	aff  stanza.Affiliation
	role stanza.Role // highest role among the user's occupants
}

func (r *Room) actorOf(tx *request) actor {
	bare := tx.from.Bare()
	a := actor{jid: tx.from, occ: r.sender(tx), aff: r.Affiliation(bare), role: stanza.RoleNone}
	// §8: the request comes from the bare JID of a moderator, so any
	// resource of a moderator may act.
	for _, o := range r.occupants {
		if o.JID.Bare() == bare && o.Via == tx.via && roleRank(o.Role) > roleRank(a.role) {
			a.role = o.Role
			if a.occ == nil {
				a.occ = o
			}
		}
	}
	return a
}

func roleRank(r stanza.Role) int {
	switch r {
	case stanza.RoleModerator:
		return 3
	case stanza.RoleParticipant:
		return 2
	case stanza.RoleVisitor:
		return 1
	}
	return 0
}

func (a actor) nick() string {
	if a.occ != nil {
		return a.occ.Nick
	}
	return ""
}

// change is one validated item of a muc#admin set.
type change struct {
	target *Occupant  // role changes
	jid    stanza.JID // affiliation changes (bare)
	it     stanza.Item
}

// adminSet validates every item first and applies none unless all are
// allowed (§9.2: "SHOULD NOT apply any of the requested changes").
func (r *Room) adminSet(tx *request, q *stanza.IQ, items []stanza.Item) {
	ac := r.actorOf(tx)
	changes := make([]change, 0, len(items))
	owners := map[stanza.JID]bool{}
	for _, j := range r.jidsWith(stanza.AffiliationOwner) {
		owners[j] = true
	}
	for _, it := range items {
		var c change
		var cond stanza.Condition
		if it.Role != "" {
			c, cond = r.checkRole(ac, it)
		} else {
			c, cond = r.checkAffiliation(ac, it)
			if cond == "" {
				owners[c.jid] = it.Affiliation == stanza.AffiliationOwner
			}
		}
		if cond != "" {
			r.fail(tx, cond, "")
			return
		}
		changes = append(changes, c)
	}
	var add []stanza.JID
	for _, c := range changes {
		if c.target == nil && c.it.Affiliation != stanza.AffiliationNone {
			add = append(add, c.jid)
		}
	}
	if cond, text := r.roomFor(add...); cond != "" {
		r.fail(tx, cond, text)
		return
	}
	n := 0
	for _, isOwner := range owners {
		if isOwner {
			n++
		}
	}
	if n == 0 {
		// §10.4, §10.5: a room keeps at least one owner.
		r.fail(tx, stanza.Conflict, "a room needs an owner")
		return
	}
	var after []func()
	for _, c := range changes {
		if c.target != nil {
			after = r.applyRole(tx, ac, c, after)
		} else {
			after = r.applyAffiliation(tx, ac, c, after)
		}
	}
	// §8.2, §9.1: removed occupants first, then the requester's result,
	// then the others.
	r.reply(tx, r.result(q))
	for _, f := range after {
		f()
	}
	r.maybeVanish(tx)
}

// checkRole applies the role rules of XEP-0045 §5.1.3 and §8.
func (r *Room) checkRole(ac actor, it stanza.Item) (change, stanza.Condition) {
	if it.Nick == "" {
		return change{}, stanza.BadRequest
	}
	if ac.role != stanza.RoleModerator {
		return change{}, stanza.Forbidden
	}
	t := r.occupantByNick(it.Nick)
	if t == nil {
		return change{}, stanza.ItemNotFound
	}
	c := change{target: t, it: it}
	switch it.Role {
	case stanza.RoleNone:
		// §8.2: nobody is kicked by a moderator of lower affiliation.
		if rank(t.Affiliation) > rank(ac.aff) {
			return c, stanza.NotAllowed
		}
	case stanza.RoleVisitor:
		// §8.4: voice is never revoked from admins and owners, nor from
		// anyone at or above the moderator's affiliation.
		if rank(t.Affiliation) >= rank(stanza.AffiliationAdmin) || t.JID.Bare() != ac.jid.Bare() && rank(t.Affiliation) >= rank(ac.aff) {
			return c, stanza.NotAllowed
		}
		if t.Role == stanza.RoleModerator && rank(ac.aff) < rank(stanza.AffiliationAdmin) {
			return c, stanza.NotAllowed
		}
	case stanza.RoleParticipant:
		if t.Role == stanza.RoleModerator {
			// §9.7: revoking moderator status is for admins and owners,
			// and never from an admin or owner.
			if rank(ac.aff) < rank(stanza.AffiliationAdmin) {
				return c, stanza.Forbidden
			}
			if rank(t.Affiliation) >= rank(stanza.AffiliationAdmin) {
				return c, stanza.NotAllowed
			}
		}
	case stanza.RoleModerator:
		// §9.6: only admins and owners grant moderator status.
		if rank(ac.aff) < rank(stanza.AffiliationAdmin) {
			return c, stanza.Forbidden
		}
	}
	return c, ""
}

// checkAffiliation applies the affiliation rules of XEP-0045 §5.2.2, §9
// and §10.
func (r *Room) checkAffiliation(ac actor, it stanza.Item) (change, stanza.Condition) {
	var j stanza.JID
	switch {
	case it.JID != nil && !it.JID.IsZero():
		// §9.1, §10.3: affiliations are held by bare JIDs.
		j = it.JID.Bare()
	case it.Nick != "":
		t := r.occupantByNick(it.Nick)
		if t == nil {
			return change{}, stanza.ItemNotFound
		}
		j = t.JID.Bare()
	default:
		return change{}, stanza.BadRequest
	}
	c := change{jid: j, it: it}
	cur := r.Affiliation(j)
	if it.JID != nil && it.Nick != "" && it.Affiliation != stanza.AffiliationOutcast {
		// §9.5: an item naming both a JID and a nick sets the user's
		// reserved nick, which must not be someone else's.
		if _, err := r.addr(it.Nick); err != nil || !visibleNick(it.Nick) || nickKey(it.Nick) == "" {
			return c, stanza.JIDMalformed
		}
		if r.nickTaken(j, it.Nick) {
			return c, stanza.Conflict
		}
	}
	switch it.Affiliation {
	case stanza.AffiliationOwner, stanza.AffiliationAdmin:
		// §10.3, §10.6: only owners grant owner or admin status.
		if ac.aff != stanza.AffiliationOwner {
			return c, stanza.Forbidden
		}
	default:
		// §9: admins and owners manage members and outcasts.
		if rank(ac.aff) < rank(stanza.AffiliationAdmin) {
			return c, stanza.Forbidden
		}
		// §5.2.2: only an owner changes an admin's or owner's affiliation.
		if rank(cur) >= rank(stanza.AffiliationAdmin) && ac.aff != stanza.AffiliationOwner {
			return c, stanza.NotAllowed
		}
		if it.Affiliation == stanza.AffiliationOutcast && j == ac.jid.Bare() {
			// §9.1: banning oneself MUST be refused with conflict.
			return c, stanza.Conflict
		}
	}
	return c, ""
}

// applyRole changes an occupant's role; broadcasts are queued in after.
func (r *Room) applyRole(tx *request, ac actor, c change, after []func()) []func() {
	o := c.target
	if r.occupantByNick(o.Nick) != o {
		return after // already removed by an earlier item
	}
	from := o.Role
	ev := RoleChanged{RoomJID: r.jid, Nick: o.Nick, JID: o.JID, From: from, To: c.it.Role, Actor: ac.jid, Reason: c.it.Reason}
	if c.it.Role == stanza.RoleNone {
		// §8.2: kick, status 307.
		it := item{aff: o.Affiliation, role: stanza.RoleNone, actorNick: ac.nick(), reason: c.it.Reason}
		r.leaveSelf(tx, o, "", nil, it, nil, stanza.StatusKicked)
		r.removeOccupant(o)
		tx.out.event(ev)
		return append(after, func() {
			r.leaveOthers(tx, o, nil, it, stanza.StatusKicked)
			tx.out.event(OccupantLeft{RoomJID: r.jid, Nick: o.Nick, JID: o.JID, Via: o.Via, Status: stanza.StatusKicked, At: tx.now})
		})
	}
	if from == c.it.Role {
		return after
	}
	o.Role = c.it.Role
	o.invalidate()
	tx.out.event(ev)
	return append(after, func() { r.announce(tx, o) })
}

// announce sends o's updated presence to everyone, o included (§8.3 ff.).
func (r *Room) announce(tx *request, o *Occupant) {
	if r.occupantByNick(o.Nick) != o {
		return
	}
	r.broadcastPresence(tx, o, "")
	r.selfPresence(tx, o, "", "", item{aff: o.Affiliation, role: o.Role})
}

// applyAffiliation changes a user's affiliation and the roles of its
// occupants (§9, §10).
func (r *Room) applyAffiliation(tx *request, ac actor, c change, after []func()) []func() {
	to := c.it.Affiliation
	from := r.Affiliation(c.jid)
	if c.it.JID != nil && c.it.Nick != "" && to != stanza.AffiliationOutcast && r.nicks[c.jid] != c.it.Nick {
		// §9.5: the reserved nick given with the member list item.
		r.nicks[c.jid] = c.it.Nick
		tx.out.event(NickRegistered{RoomJID: r.jid, JID: c.jid, Nick: c.it.Nick})
	}
	if from == to {
		return after
	}
	r.setAff(c.jid, to)
	tx.out.event(AffiliationChanged{RoomJID: r.jid, JID: c.jid, From: from, To: to, Actor: ac.jid, Reason: c.it.Reason})
	if !r.hasOccupant(c.jid) {
		return append(after, func() { r.affiliationNotice(tx, c.jid, from, to) })
	}
	for _, o := range append([]*Occupant(nil), r.occupants...) {
		if o.JID.Bare() != c.jid {
			continue
		}
		o.Affiliation = to
		o.invalidate()
		var code stanza.StatusCode
		switch {
		case to == stanza.AffiliationOutcast:
			code = stanza.StatusBanned // §9.1
		case r.config.MembersOnly && rank(to) < rank(stanza.AffiliationMember):
			code = stanza.StatusAffiliationRemoved // §9.4
		}
		if code != 0 {
			o := o
			it := item{aff: to, role: stanza.RoleNone, actorNick: ac.nick(), reason: c.it.Reason}
			r.leaveSelf(tx, o, "", nil, it, nil, code)
			r.removeOccupant(o)
			after = append(after, func() {
				r.leaveOthers(tx, o, nil, it, code)
				tx.out.event(OccupantLeft{RoomJID: r.jid, Nick: o.Nick, JID: o.JID, Via: o.Via, Status: code, At: tx.now})
			})
			continue
		}
		// §5.1.3: the role gained with an affiliation is stable; the one
		// lost is the default role of the new affiliation.
		role := o.Role
		switch {
		case rank(to) >= rank(stanza.AffiliationAdmin):
			role = stanza.RoleModerator
		case rank(from) >= rank(stanza.AffiliationAdmin):
			role = defaultRole(to, r.config.Moderated)
		case to == stanza.AffiliationMember && role == stanza.RoleVisitor:
			role = stanza.RoleParticipant
		}
		if role != o.Role {
			tx.out.event(RoleChanged{RoomJID: r.jid, Nick: o.Nick, JID: o.JID, From: o.Role, To: role, Actor: ac.jid})
			o.Role = role
		}
		o := o
		after = append(after, func() { r.announce(tx, o) })
	}
	return after
}

// adminList answers a muc#admin list query (§8.5 voice list, §9.2 ban
// list, §9.5 member list, §9.8 moderator list, §10.5 owner list, §10.8
// admin list).
func (r *Room) adminList(tx *request, q *stanza.IQ, want stanza.Item) {
	ac := r.actorOf(tx)
	var items []stanza.Item
	if want.Role != "" {
		switch want.Role {
		case stanza.RoleParticipant:
			if ac.role != stanza.RoleModerator {
				r.fail(tx, stanza.Forbidden, "")
				return
			}
		case stanza.RoleModerator:
			if rank(ac.aff) < rank(stanza.AffiliationAdmin) {
				r.fail(tx, stanza.Forbidden, "")
				return
			}
		default:
			r.fail(tx, stanza.BadRequest, "")
			return
		}
		for _, o := range r.occupants {
			if o.Role == want.Role {
				j := o.JID
				// §17.4: role results carry nick, role, affiliation, jid.
				items = append(items, stanza.Item{Affiliation: o.Affiliation, JID: &j, Nick: o.Nick, Role: o.Role})
			}
		}
	} else {
		if !r.mayList(ac, want.Affiliation) {
			r.fail(tx, stanza.Forbidden, "")
			return
		}
		for _, j := range r.jidsWith(want.Affiliation) {
			j := j
			it := stanza.Item{Affiliation: want.Affiliation, JID: &j}
			if want.Affiliation != stanza.AffiliationOutcast {
				it.Nick = r.nicks[j]
			}
			items = append(items, it)
		}
	}
	r.replyComposed(tx, q, stanza.MUCAdmin{Items: items}.Element())
}

// mayList says who may read an affiliation list.
func (r *Room) mayList(ac actor, a stanza.Affiliation) bool {
	switch a {
	case stanza.AffiliationOutcast:
		return rank(ac.aff) >= rank(stanza.AffiliationAdmin) // §9.2
	case stanza.AffiliationMember:
		// §9.5: admins; the roles of muc#roomconfig_getmemberlist; and
		// members of non-anonymous members-only rooms.
		return rank(ac.aff) >= rank(stanza.AffiliationAdmin) ||
			ac.occ != nil && r.config.GetMemberList.Has(ac.role) ||
			r.config.NonAnonymous() && r.config.MembersOnly && ac.aff == stanza.AffiliationMember
	case stanza.AffiliationOwner, stanza.AffiliationAdmin:
		// §10.5, §10.8: owners; in non-anonymous rooms the service MAY
		// answer others, and this one answers admins.
		return ac.aff == stanza.AffiliationOwner || r.config.NonAnonymous() && ac.aff == stanza.AffiliationAdmin
	}
	return false
}
