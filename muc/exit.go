package muc

import (
	"github.com/xmppfmuc/fmuc/stanza"
)

// exit handles unavailable presence from an occupant (XEP-0045 §7.14):
// self-presence with 110 first, then the others; the client's <status/>
// (its exit message) is kept.
//
// With several sessions (§7.2.8) only the sending session leaves
// (session.go) unless it is the last one.
func (r *Room) exit(tx *request, o *Occupant, p *stanza.Presence) {
	status := clientPresence(p.Children)
	if len(o.others) > 0 {
		r.leaveSession(tx, o, tx.from, p.ID, status)
		return
	}
	it := item{aff: o.Affiliation, role: stanza.RoleNone}
	if r.locked {
		// §10.1.3: the creator left before configuring; the room is
		// destroyed and the unavailable presence carries <destroy/>.
		r.leaveSelf(tx, o, p.ID, status, it, &stanza.Destroy{})
		r.removeOccupant(o)
		r.leaveOthers(tx, o, status, it)
		tx.out.event(OccupantLeft{RoomJID: r.jid, Nick: o.Nick, JID: o.JID, Via: o.Via, At: tx.now})
		r.destroy(tx, "", stanza.JID{})
		return
	}
	r.leaveSelf(tx, o, p.ID, status, it, nil)
	r.removeOccupant(o)
	r.leaveOthers(tx, o, status, it)
	tx.out.event(OccupantLeft{RoomJID: r.jid, Nick: o.Nick, JID: o.JID, Via: o.Via, At: tx.now})
	r.maybeVanish(tx)
}

// maybeVanish destroys a temporary room whose last occupant is gone
// (§7.14: "the service is responsible for destroying the room").
func (r *Room) maybeVanish(tx *request) {
	if len(r.occupants) == 0 && !r.config.Persistent && !r.destroyed {
		r.destroy(tx, "", stanza.JID{})
	}
}

// destroy marks the room destroyed and reports it. Occupants must have
// been told already.
func (r *Room) destroy(tx *request, reason string, alt stanza.JID) {
	r.destroyed = true
	r.uncount()
	tx.out.event(RoomDestroyed{RoomJID: r.jid, Reason: reason, Alternate: alt})
}
