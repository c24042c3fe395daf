package muc

import (
	"github.com/xmppfmuc/fmuc/stanza"
)

// owner handles muc#owner IQs: configuration forms (XEP-0045 §10.1,
// §10.2) and destruction (§10.9).
func (r *Room) owner(tx *request, q *stanza.IQ, p stanza.Element) {
	ac := r.actorOf(tx)
	if ac.aff != stanza.AffiliationOwner {
		// §10.2, §10.9: only owners.
		r.fail(tx, stanza.Forbidden, "")
		return
	}
	var o stanza.MUCOwner
	if err := p.Decode(&o); err != nil {
		r.fail(tx, stanza.BadRequest, "")
		return
	}
	switch {
	case q.Type == stanza.IQGet && o.Form == nil && o.Destroy == nil:
		r.replyComposed(tx, q, stanza.MUCOwner{Form: r.configForm()}.Element())
	case q.Type == stanza.IQSet && o.Destroy != nil:
		r.destroyRoom(tx, q, ac, o.Destroy)
	case q.Type == stanza.IQSet && o.Form != nil:
		r.submitConfig(tx, q, ac, o.Form)
	default:
		r.fail(tx, stanza.BadRequest, "")
	}
}

// submitConfig handles a submitted or cancelled configuration form.
func (r *Room) submitConfig(tx *request, q *stanza.IQ, ac actor, f *stanza.Form) {
	switch f.Type {
	case stanza.FormCancel:
		r.reply(tx, r.result(q))
		if r.locked {
			// §10.1.3: cancelling the initial configuration destroys the
			// room; the owner gets unavailable presence with <destroy/>.
			r.evacuate(tx, &stanza.Destroy{})
			r.destroy(tx, "", stanza.JID{})
		}
		return
	case stanza.FormSubmit:
	default:
		r.fail(tx, stanza.BadRequest, "")
		return
	}
	// §10.1.2: an empty submit form accepts the defaults (instant room).
	c, owners, admins, fe := r.parseConfig(f)
	if fe != nil {
		r.fail(tx, fe.cond, fe.text)
		return
	}
	ext := r.extensionValues(f)
	if ext != nil {
		if err := r.opts.ConfigExtension.Check(r.jid, ext); err != nil {
			r.fail(tx, stanza.NotAcceptable, err.Error())
			return
		}
		r.opts.ConfigExtension.Apply(r.jid, ext)
	}
	old := r.config
	r.config = c
	if c.Whois != old.Whois || c.HidePresence != old.HidePresence {
		for _, o := range r.occupants {
			o.invalidate()
		}
	}
	r.trimHistory()
	var after []func()
	// §10.3-§10.8 via the form: the lists replace the current ones.
	for _, l := range []struct {
		list []stanza.JID
		aff  stanza.Affiliation
	}{{owners, stanza.AffiliationOwner}, {admins, stanza.AffiliationAdmin}} {
		if l.list == nil {
			continue
		}
		for _, j := range r.jidsWith(l.aff) {
			if !containsJID(l.list, j) {
				after = r.applyAffiliation(tx, ac, change{jid: j, it: stanza.Item{Affiliation: stanza.AffiliationNone}}, after)
			}
		}
		for _, j := range l.list {
			after = r.applyAffiliation(tx, ac, change{jid: j, it: stanza.Item{Affiliation: l.aff}}, after)
		}
	}
	if c.MembersOnly && !old.MembersOnly {
		// §10.2: non-members are removed with 322.
		for _, o := range append([]*Occupant(nil), r.occupants...) {
			if rank(o.Affiliation) >= rank(stanza.AffiliationMember) {
				continue
			}
			o := o
			it := item{aff: o.Affiliation, role: stanza.RoleNone}
			r.leaveSelf(tx, o, "", nil, it, nil, stanza.StatusMembersOnlyRemoved)
			r.removeOccupant(o)
			after = append(after, func() {
				r.leaveOthers(tx, o, nil, it, stanza.StatusMembersOnlyRemoved)
				tx.out.event(OccupantLeft{RoomJID: r.jid, Nick: o.Nick, JID: o.JID, Via: o.Via, Status: stanza.StatusMembersOnlyRemoved, At: tx.now})
			})
		}
	}
	r.reply(tx, r.result(q))
	for _, fn := range after {
		fn()
	}
	if r.locked {
		r.locked = false
		tx.out.event(RoomUnlocked{RoomJID: r.jid})
	}
	if c != old {
		tx.out.event(ConfigChanged{RoomJID: r.jid, Config: c})
		r.configNotify(tx, old)
	}
	r.maybeVanish(tx)
}

// destroyRoom handles an owner's <destroy/> (XEP-0045 §10.9): every
// occupant gets one unavailable presence carrying <destroy/>, then the
// owner gets the result.
func (r *Room) destroyRoom(tx *request, q *stanza.IQ, ac actor, d *stanza.Destroy) {
	alt := stanza.JID{}
	if d.JID != nil {
		alt = *d.JID
	}
	r.evacuate(tx, d)
	r.reply(tx, r.result(q))
	r.destroy(tx, d.Reason, alt)
}

// evacuate removes every occupant, each told with an unavailable presence
// carrying destroy.
//
// A node that reaches occupants gets one presence from the room itself
// carrying destroy, whatever the number of its users (XEP-0289: one copy
// per node).
func (r *Room) evacuate(tx *request, d *stanza.Destroy) {
	r.toNodes(tx, func(via stanza.JID) stanza.Stanza {
		return &stanza.Presence{Header: stanza.Header{From: r.jid, To: via, Type: stanza.PresenceUnavailable},
			Children: []stanza.Element{userX(nil, d)}}
	})
	for _, o := range r.occupants {
		if o.Remote() {
			tx.out.event(OccupantLeft{RoomJID: r.jid, Nick: o.Nick, JID: o.JID, Via: o.Via, At: tx.now})
			continue
		}
		it := item{aff: o.Affiliation, role: stanza.RoleNone}
		if r.canSee(o) || o.Remote() {
			it.jid = o.JID
		}
		x := userX(&it, d)
		r.send(tx, o, presenceOf(o, o.JID, stanza.PresenceUnavailable, "", r.withOID(o, []stanza.Element{x})))
		tx.out.event(OccupantLeft{RoomJID: r.jid, Nick: o.Nick, JID: o.JID, Via: o.Via, At: tx.now})
	}
	clear(r.occupants)
	r.occupants = r.occupants[:0]
	clear(r.byNick)
	clear(r.byJID)
	r.sessions = 0
	r.partAll()
}
