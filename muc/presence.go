package muc

import (
	"slices"

	"github.com/xmppfmuc/fmuc/stanza"
)

// updatePresence handles available presence from an occupant to its own
// occupant JID: a status change (XEP-0045 §7.7), or, with the muc <x/>, a
// resynchronisation request (§7.2.1).
//
// For a remote occupant the muc <x/> means nothing (its node resynchronises
// its own clients), and the muc#user item its node sends sets the role and
// affiliation shown (XEP-0289 §4.5, cosmetic).
func (r *Room) updatePresence(tx *request, o *Occupant, p *stanza.Presence) {
	if _, ok := stanza.Child(p, stanza.NSMUC, "x"); ok && !o.Remote() {
		r.resync(tx, o, p)
		return
	}
	// §7.2.8: the sending session becomes the occupant's current one.
	o.makeCurrent(tx.from)
	r.setPresence(o, p)
	if o.Remote() {
		announced(o, p)
	}
	// §7.7: the new presence goes to every occupant, the sender included
	// (its copy with 110).
	r.broadcastInforming(tx, o, p.ID)
	r.selfPresence(tx, o, "", p.ID, item{aff: o.Affiliation, role: o.Role})
}

// unavailableView builds the payload of o's unavailable presence: the
// client's status children (when it left by itself) and a muc#user <x/>
// with role none (§7.14, §17.3).
func unavailableView(status []stanza.Element, it item, full bool, codes ...stanza.StatusCode) []stanza.Element {
	p := make([]stanza.Element, 0, len(status)+1)
	p = append(p, status...)
	if !full {
		it.jid = stanza.JID{}
	}
	return append(p, userX(&it, nil, codes...))
}

// leaveOthers tells every other occupant that o has left, with the given
// item and status codes (§7.14, §8.2, §9.1). it.jid is shown only to
// those who may see it.
func (r *Room) leaveOthers(tx *request, o *Occupant, status []stanza.Element, it item, codes ...stanza.StatusCode) {
	if r.config.HidePresence.Has(o.Role) && len(codes) == 0 {
		return
	}
	if len(codes) == 0 && o.Role == stanza.RoleVisitor && r.crowded() {
		// A visitor leaving a crowded room (limits_crowd.go).
		tx.moderatorsOnly = true
		defer func() { tx.moderatorsOnly = false }()
	}
	it.jid = o.JID
	var views [2][]stanza.Element
	r.broadcast(tx, o, o.JID, func(to stanza.JID, full bool) stanza.Stanza {
		i := 0
		if full {
			i = 1
		}
		if views[i] == nil {
			views[i] = r.withOID(o, unavailableView(status, it, full, codes...))
		}
		return presenceOf(o, to, stanza.PresenceUnavailable, "", views[i])
	})
}

// leaveSelf sends o its unavailable self-presence with 110 and codes;
// destroy, when set, is the §10.9 <destroy/>.
func (r *Room) leaveSelf(tx *request, o *Occupant, id string, status []stanza.Element, it item, destroy *stanza.Destroy, codes ...stanza.StatusCode) {
	all := append([]stanza.StatusCode{stanza.StatusSelf}, codes...)
	slices.Sort(all)
	if r.canSee(o) || o.Via != (stanza.JID{}) {
		it.jid = o.JID
	}
	p := make([]stanza.Element, 0, len(status)+1)
	p = append(p, status...)
	p = append(p, userX(&it, destroy, all...))
	p = r.withOID(o, p)
	if o.Remote() && !tx.entry && destroy == nil {
		// Its node learns of the exit from the broadcast about o
		// (selfPresence).
		return
	}
	r.sendAbout(tx, o, o.JID, presenceOf(o, o.JID, stanza.PresenceUnavailable, id, p))
}

// removeOccupant drops o from the room's tables.
func (r *Room) removeOccupant(o *Occupant) {
	for i, x := range r.occupants {
		if x == o {
			copy(r.occupants[i:], r.occupants[i+1:])
			r.occupants[len(r.occupants)-1] = nil
			r.occupants = r.occupants[:len(r.occupants)-1]
			break
		}
	}
	r.unindexNick(o)
	delete(r.byJID, o.JID)
	r.parted(o.JID)
	for _, x := range o.others {
		delete(r.byJID, x.jid)
		r.parted(x.jid)
	}
	r.sessions -= len(o.others)
}

// probe answers a presence probe (XEP-0045 §17.3: a service MAY handle
// probes to the room JID or an occupant JID, e.g. from an occupant's
// server resynchronising presence). The prober must be an occupant: one
// of its sessions, or its bare JID as servers send probes (RFC 6121
// §4.3). A probe to an occupant JID is answered, to the prober alone,
// with the presence the room would broadcast to it: the probed
// occupant's current presence with the real JID only if the prober may
// see it (§7.2.3, §7.2.4), or the prober's own self-presence with 110.
// When there is no such occupant, or its role's presence is not
// broadcast (muc#roomconfig_presencebroadcast), the answer is an
// unavailable presence with role none, as a server answers for a contact
// that is offline (RFC 6121 §4.3.2). A probe to the bare room JID gets
// nothing.
//
// A non-occupant gets not-acceptable, the error §7.4 and §7.5 give
// non-occupants sending to the room: RFC 6121 §4.3.2 forbids revealing
// presence to an entity not entitled to it.
func (r *Room) probe(tx *request, p *stanza.Presence) {
	prober := r.prober(tx)
	if prober == nil {
		r.fail(tx, stanza.NotAcceptable, "only occupants may probe presence in this room")
		return
	}
	nick := p.To.Resource()
	if nick == "" {
		return
	}
	answer := &stanza.Presence{Header: stanza.Header{From: p.To, To: tx.from, ID: p.ID}}
	t := r.occupantByNick(nick)
	switch ok := t != nil; {
	case ok && t == prober:
		it := item{aff: t.Affiliation, role: t.Role}
		if r.canSee(t) || t.Remote() {
			it.jid = t.JID
		}
		payload := make([]stanza.Element, 0, len(t.Presence)+2)
		payload = append(payload, t.Presence...)
		payload = append(payload, userX(&it, nil, stanza.StatusSelf))
		answer.Children = r.withOID(t, payload)
	case ok && !r.config.HidePresence.Has(t.Role):
		answer.Children = r.view(t, r.canSee(prober) || prober.Remote())
	default:
		answer.Type = stanza.PresenceUnavailable
		answer.Children = []stanza.Element{userX(&item{aff: stanza.AffiliationNone, role: stanza.RoleNone}, nil)}
	}
	r.reply(tx, answer)
}

// prober returns the occupant a probe comes from: the sender, or, for a
// probe from a bare JID, the first occupant of that bare JID reached the
// same way.
func (r *Room) prober(tx *request) *Occupant {
	if o := r.sender(tx); o != nil || tx.from.Resource() != "" {
		return o
	}
	for _, o := range r.occupants {
		if o.JID.Bare() == tx.from && o.Via == tx.via {
			return o
		}
	}
	return nil
}
