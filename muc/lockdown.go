package muc

import (
	"github.com/xmppfmuc/fmuc/stanza"
)

// lockedNick returns the nick bare must use under Config.NickLockdown
// (XEP-0045 §7.10: "the room MAY choose to restrict the user to use of
// the registered nickname only in that room"), if any.
func (r *Room) lockedNick(bare stanza.JID) (string, bool) {
	if !r.config.NickLockdown {
		return "", false
	}
	n, ok := r.nicks[bare]
	return n, ok && n != ""
}

// lockedNickChange handles available presence from occupant o to another
// nick while o's nick is locked down (§7.10). A muc-tagged presence is a
// client rejoining under the nick it asked for: it is resynchronised
// under its registered nick with 210 (§7.2.2), like a join. Anything else
// is a nick change, refused with not-acceptable (the error §7.10 names
// for the lockdown). It reports whether the lockdown applied.
func (r *Room) lockedNickChange(tx *request, o *Occupant, p *stanza.Presence) bool {
	n, ok := r.lockedNick(o.JID.Bare())
	if !ok || n != o.Nick {
		return false
	}
	if _, ok := stanza.Child(p, stanza.NSMUC, "x"); ok {
		r.resync(tx, o, p, 210)
		return true
	}
	r.fail(tx, stanza.NotAcceptable, "nicks are locked down to registered nicks in this room")
	return true
}
