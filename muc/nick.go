package muc

import (
	"github.com/xmppfmuc/fmuc/stanza"
)

// changeNick handles available presence from an occupant to a new
// occupant JID (XEP-0045 §7.6).
func (r *Room) changeNick(tx *request, o *Occupant, p *stanza.Presence) {
	nick := p.To.Resource()
	if other := r.occupantByNick(nick); other != nil && other != o {
		// §7.6: the nick is in use by someone else.
		r.fail(tx, stanza.Conflict, "")
		return
	}
	if owner, ok := r.nickOwner(nick); ok && owner != o.JID.Bare() {
		// §7.6: the nick is registered by another user.
		r.fail(tx, stanza.Conflict, "")
		return
	}
	old := o.Nick
	// §7.2.8: a nick change from one session changes the occupant's nick
	// for all of them; that session becomes the current one.
	o.makeCurrent(tx.from)
	// §7.6: unavailable from the old nick with 303 and the new nick...
	it := item{aff: o.Affiliation, role: o.Role, nick: nick}
	r.leaveOthers(tx, o, nil, it, stanza.StatusNickChanged)
	r.leaveSelf(tx, o, p.ID, nil, it, nil, stanza.StatusNickChanged)
	// ...then available from the new nick.
	r.unindexNick(o)
	o.Nick = nick
	o.addr = p.To
	r.indexNick(o)
	r.setPresence(o, p)
	o.invalidate()
	r.broadcastPresence(tx, o, p.ID)
	r.selfPresence(tx, o, "", p.ID, item{aff: o.Affiliation, role: o.Role})
	tx.out.event(NickChanged{RoomJID: r.jid, Old: old, New: nick, JID: o.JID})
}
