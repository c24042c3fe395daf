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
	e, ok := stanza.ErrorOf(s)
	return ok && ghostConditions[e.Condition]
}

// onPresenceError handles a presence error from an occupant's real JID
// (XEP-0045 §11.1, "Service removes user because of error response"): the
// room can no longer keep that session's presence in step, whatever the
// condition, so the session is removed as a ghost (§18.1.2), with 333.
// Unlike messages, presence is never refused for blocking (XEP-0191 §3.5:
// blocked presence is dropped, not bounced), so no condition is spared.
func (r *Room) onPresenceError(tx *request, p *stanza.Presence) {
	if o := r.sender(tx); o != nil {
		r.removeGhostSession(tx, o, p)
	}
}

// onMessageError handles a message error: when an occupant's real JID
// bounces a groupchat or private message the room delivered with a
// delivery-related error, the occupant is a ghost and is removed (§18.1.2,
// §11.1). Errors to IQs the room forwarded are not considered: there an
// error is the answer of the occupant's client (XEP-0410 §3.2 reads
// item-not-found and service-unavailable that way) and is relayed to the
// requester instead.
func (r *Room) onMessageError(tx *request, m *stanza.Message) {
	o := r.sender(tx)
	if o == nil {
		r.inviteBounced(tx, m)
		return
	}
	if isGhostError(m) {
		r.removeGhostSession(tx, o, m)
	}
}

// removeGhostSession removes the session of o that sent the error s: the
// occupant itself when it was its only session (§7.2.8). The unavailable
// presences carry 333 and a <status/> naming the error (ghostStatus).
func (r *Room) removeGhostSession(tx *request, o *Occupant, s stanza.Stanza) {
	status := []stanza.Element{r.ghostStatus(s)}
	if len(o.others) > 0 {
		r.leaveSession(tx, o, tx.from, "", status, stanza.StatusErrorRemoved)
		return
	}
	r.removeGhost(tx, o, status)
}

// ghostStatus is the <status/> of a ghost's unavailable presence: the
// error's condition (undefined-condition when the stanza has no valid
// <error/>) and, in non-anonymous rooms, ": " and the error's text. The
// text comes from the occupant's server and may name its real JID, which
// a semi-anonymous room hides (§7.2.4).
func (r *Room) ghostStatus(s stanza.Stanza) stanza.Element {
	text := string(stanza.UndefinedCondition)
	if e, ok := stanza.ErrorOf(s); ok {
		text = string(e.Condition)
		if e.Text != "" && r.config.NonAnonymous() {
			text += ": " + e.Text
		}
	}
	return stanza.TextElement("status", text)
}

// removeGhost removes o as if it had sent unavailable presence (§18.1.2),
// with status 333 (§11.1: removed because of an error) in its own
// unavailable presence (with 110) and in the one the others get; status
// are the presence's <status/> children.
//
// The node of a remote ghost, which only relayed the error, gets the
// broadcast too and tells its user.
func (r *Room) removeGhost(tx *request, o *Occupant, status []stanza.Element) {
	tx.toOrigin = o.Remote()
	it := item{aff: o.Affiliation, role: stanza.RoleNone}
	r.leaveSelf(tx, o, "", status, it, nil, stanza.StatusErrorRemoved)
	r.removeOccupant(o)
	r.leaveOthers(tx, o, status, it, stanza.StatusErrorRemoved)
	tx.out.event(OccupantLeft{RoomJID: r.jid, Nick: o.Nick, JID: o.JID, Via: o.Via, Status: stanza.StatusErrorRemoved, At: tx.now})
	if r.locked {
		// §10.1.2: the creator is gone before configuring the room.
		r.destroy(tx, "", stanza.JID{})
		return
	}
	r.maybeVanish(tx)
}
