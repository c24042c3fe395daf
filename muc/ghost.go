package muc

import (
	"github.com/xmppfmuc/fmuc/stanza"
)

// ghostConditions are the delivery-related errors of XEP-0045 §18.1.2
// (Ghost Users): gone, item-not-found, recipient-unavailable, redirect,
// remote-server-not-found and remote-server-timeout.
//
// service-unavailable is deliberately not one of them, as in the XEP:
// servers also answer it for stanzas a user blocks (RFC 6121 §8.5,
// XEP-0191), so an occupant who blocks private messages from a nick would
// otherwise be thrown out of the room; XEP-0410 §3.2 too reads it as "joined,
// but the feature is not implemented".
var ghostConditions = map[stanza.Condition]bool{
	stanza.Gone:                 true,
	stanza.ItemNotFound:         true,
	stanza.RecipientUnavailable: true,
	stanza.Redirect:             true,
	stanza.RemoteServerNotFound: true,
	stanza.RemoteServerTimeout:  true,
}

// isGhostError reports whether s, a stanza of type error, says that its
// sender can no longer be reached.
func isGhostError(s stanza.Stanza) bool {
	e, ok := stanza.StanzaError(s)
	return ok && ghostConditions[e.Condition]
}

// onPresenceError handles a presence error: when an occupant's real JID
// bounces a presence the room sent it with a delivery-related error, the
// occupant is a ghost and is removed (§18.1.2, §11.1).
func (r *Room) onPresenceError(tx *request, p *stanza.Presence) {
	r.ghostCheck(tx, p)
}

// onMessageError handles a message error: like onPresenceError, for a
// groupchat or private message the room delivered. Errors to IQs the room
// forwarded are not considered: there an error is the answer of the
// occupant's client (XEP-0410 §3.2 reads item-not-found and
// service-unavailable that way) and is relayed to the requester instead.
func (r *Room) onMessageError(tx *request, m *stanza.Message) {
	if r.sender(tx) == nil {
		r.inviteBounced(tx, m) // invite.go
		return
	}
	r.ghostCheck(tx, m)
}

func (r *Room) ghostCheck(tx *request, s stanza.Stanza) {
	o := r.sender(tx)
	if o == nil || !isGhostError(s) {
		return // errors from non-occupants are never answered
	}
	if len(o.others) > 0 {
		// §7.2.8: only the session that bounced is gone (session.go).
		r.leaveSession(tx, o, tx.from, "", nil, 333)
		return
	}
	r.removeGhost(tx, o)
}

// removeGhost removes o as if it had sent unavailable presence (§18.1.2),
// with status 333 (§11.1: removed because of an error) in its own
// unavailable presence (with 110) and in the one the others get.
//
// The node of a remote ghost, which only relayed the error, gets the
// broadcast too and tells its user.
func (r *Room) removeGhost(tx *request, o *Occupant) {
	tx.toOrigin = o.Remote()
	it := item{aff: o.Affiliation, role: stanza.RoleNone}
	r.leaveSelf(tx, o, "", nil, it, nil, 333)
	r.removeOccupant(o)
	r.leaveOthers(tx, o, nil, it, 333)
	tx.out.event(OccupantLeft{RoomJID: r.jid, Nick: o.Nick, JID: o.JID, Via: o.Via, Status: 333, At: tx.now})
	if r.locked {
		// §10.1.2: the creator is gone before configuring the room.
		r.destroy(tx, "", stanza.JID{})
		return
	}
	r.maybeVanish(tx)
}
