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
		r.resync(tx, o, p, stanza.StatusNickAssigned)
		return true
	}
	r.fail(tx, stanza.NotAcceptable, "nicks are locked down to registered nicks in this room")
	return true
}

// lockdownRenames returns the renames a registration of nick by bare
// entails under the lockdown: §7.10, "if the user's nickname is modified
// by the service as a result of registration and the user is in the
// room, the service SHOULD include status code 210 in the updated
// presence notification that it sends to all users". An occupant of bare
// under another nick is renamed, unless bare also holds nick under
// another occupant.
func (r *Room) lockdownRenames(tx *request, bare stanza.JID, nick string) []func() {
	if !r.config.NickLockdown {
		return nil
	}
	if r.occupantByNick(nick) != nil {
		return nil
	}
	for _, o := range r.occupants {
		if o.JID.Bare() == bare && o.Nick != nick {
			o := o
			return []func(){func() { r.lockdownRename(tx, o, nick) }}
		}
	}
	return nil
}

// lockdownRename renames o to nick as a nick change does (rename), with
// 210 in the new presence for everyone. Like the effects of admin requests
// it also reaches the node the request came through.
func (r *Room) lockdownRename(tx *request, o *Occupant, nick string) {
	addr, err := r.addr(nick)
	if err != nil || r.occupantByNick(nick) != nil || r.occupantByNick(o.Nick) != o {
		return
	}
	origin := tx.toOrigin
	tx.toOrigin = true
	defer func() { tx.toOrigin = origin }()
	r.rename(tx, o, nick, addr, "", stanza.StatusNickAssigned)
}
