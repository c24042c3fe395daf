package muc

import (
	"github.com/xmppfmuc/fmuc/stanza"
)

// affiliationNotice tells the occupants that the affiliation of bare, a
// user with no occupant in the room, changed from from to to (XEP-0045
// §9.3-§9.5, §10.3-§10.7: "If the user is not in the room, the service MAY
// send a message from the room itself to the room occupants", with a
// muc#user <item/> carrying the new affiliation). It runs after the
// requester's IQ result, where the presence of an occupant would go. As in
// the XEP's example, the message has no type and the item has role none
// and the bare JID; the JID only for occupants who may see real JIDs
// (§7.2.3, §7.2.4): the others learn that a list changed, not whose entry.
// Changes to or from outcast are not announced: the ban list is for admins
// and owners only (§9.2).
func (r *Room) affiliationNotice(tx *request, bare stanza.JID, from, to stanza.Affiliation) {
	if len(r.occupants) == 0 || from == stanza.AffiliationOutcast || to == stanza.AffiliationOutcast {
		return
	}
	id := r.opts.NewID()
	var payloads [2][]stanza.Element
	r.broadcast(tx, nil, bare, func(addr stanza.JID, full bool) stanza.Stanza {
		i := 0
		if full {
			i = 1
		}
		if payloads[i] == nil {
			it := item{aff: to, role: stanza.RoleNone}
			if full {
				it.jid = bare
			}
			payloads[i] = []stanza.Element{userX(&it, nil)}
		}
		return &stanza.Message{Header: stanza.Header{From: r.jid, To: addr, ID: id}, Children: payloads[i]}
	})
}

// hasOccupant reports whether any occupant's real JID has the bare JID
// bare.
func (r *Room) hasOccupant(bare stanza.JID) bool {
	for _, o := range r.occupants {
		if o.JID.Bare() == bare {
			return true
		}
	}
	return false
}
