package fmuc

import (
	"time"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// Nick collisions (XEP-0289 leaves them open): two users of different
// nodes can take the same nick, at once or while a link is broken. Every
// node applies one rule when a peer presents a user whose nick another
// user holds here: the user whose real JID sorts first (as a string)
// keeps the nick, everywhere, whatever the order the presences arrive in.
// The other leaves the room with status 333 and a reason saying why: a
// local loser is told directly, a remote one through the removal its node
// receives and enacts. The nick is never held by two occupants.

// collisionText is the reason a loser is given.
const collisionText = "Another user of the federated room has this nick; choose another one."

// collides applies the rule to the presence s of user, announced by l, and
// reports whether s was refused (user lost).
func (n *Node) collides(now time.Time, out *Output, l *link, s *stanza.Presence, user stanza.JID) bool {
	r := n.mucRoom()
	if r == nil {
		return false
	}
	holder, taken := r.Occupant(s.From.Resource())
	if !taken || holder.JID == user {
		return false
	}
	if user.String() < holder.JID.String() {
		// The newcomer wins: the holder leaves, here and (through the
		// removal) on its own node.
		if holder.Via == l.Peer {
			return false // the peer's own two users: its room decided
		}
		mo, err := r.Remove(now, l.Peer, holder.JID, muc.Removal{Statuses: []stanza.StatusCode{stanza.StatusErrorRemoved}, Reason: collisionText})
		n.mucCall(now, out, mo, err)
		return false
	}
	// The holder wins: the newcomer's node removes it.
	from, err := n.room.WithResource(holder.Nick)
	if err != nil {
		return true
	}
	n.emit(now, out, l, &stanza.Presence{
		Header: stanza.Header{From: from, To: l.Peer, Type: stanza.PresenceUnavailable},
		Children: []stanza.Element{
			stanza.MUCUser{Items: []stanza.Item{{Affiliation: stanza.AffiliationNone, Role: stanza.RoleNone, JID: &user, Reason: collisionText}},
				Statuses: []stanza.Status{{Code: stanza.StatusErrorRemoved}}}.Element(),
			fmucFrom(user),
		},
	})
	return true
}
