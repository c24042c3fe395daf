package muc

import "github.com/xmppfmuc/fmuc/stanza"

// Crowded rooms (Limits.MaxBroadcastPresence, ejabberd's
// max_users_presence). Above the limit, the presence that only informs
// (a status change, §7.7; a visitor entering or leaving, §7.1, §7.14)
// goes to the room's moderators and to the occupant itself, not to
// everyone: it would cost one stanza per occupant for every change of
// every occupant. What changes the room (roles, affiliations, nicks,
// kicks, bans) still reaches everyone. Clients see a roster that may
// lack some visitors and show older statuses; the occupant list sent on
// entry (§7.2.2: every occupant with its current presence) and the
// room's disco#items (§6.5, with Config.ListOccupants) are exact.
// Federation links get every presence, so that the other nodes keep the
// full list and apply their own limit to their users.

// crowded reports whether the room holds more occupants than
// Limits.MaxBroadcastPresence.
func (r *Room) crowded() bool {
	return len(r.occupants) > r.opts.Limits.MaxBroadcastPresence
}

// broadcastInforming is broadcastPresence for a presence that only
// informs: in a crowded room it reaches moderators (and federation
// links) only.
func (r *Room) broadcastInforming(tx *request, o *Occupant, id string) {
	if !r.crowded() {
		r.broadcastPresence(tx, o, id)
		return
	}
	tx.moderatorsOnly = true
	r.broadcastPresence(tx, o, id)
	tx.moderatorsOnly = false
}

// arrival broadcasts the presence of o entering: to everyone, or, for a
// visitor in a crowded room, as broadcastInforming.
func (r *Room) arrival(tx *request, o *Occupant, id string) {
	if o.Role == stanza.RoleVisitor {
		r.broadcastInforming(tx, o, id)
		return
	}
	r.broadcastPresence(tx, o, id)
}
