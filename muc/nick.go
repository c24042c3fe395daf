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
	// §7.2.8: a nick change from one session changes the occupant's nick
	// for all of them; that session becomes the current one.
	o.makeCurrent(tx.from)
	r.setPresence(o, p)
	r.rename(tx, o, nick, p.To, p.ID)
}

// rename moves o to nick at addr (§7.6): an unavailable presence with 303
// and the new nick from the old occupant JID, to the others and then to
// o, then o's presence from the new one, to the others and then to o,
// with codes (210 when the service chose the nick). id is the id of the
// request that caused it, if any.
func (r *Room) rename(tx *request, o *Occupant, nick string, addr stanza.JID, id string, codes ...stanza.StatusCode) {
	old := o.Nick
	it := item{aff: o.Affiliation, role: o.Role, nick: nick}
	r.leaveOthers(tx, o, nil, it, stanza.StatusNickChanged)
	r.leaveSelf(tx, o, id, nil, it, nil, stanza.StatusNickChanged)
	r.unindexNick(o)
	o.Nick, o.addr = nick, addr
	r.indexNick(o)
	o.invalidate()
	r.broadcastPresence(tx, o, id, codes...)
	r.selfPresence(tx, o, "", id, item{aff: o.Affiliation, role: o.Role}, codes...)
	tx.out.event(NickChanged{RoomJID: r.jid, Old: old, New: nick, JID: o.JID})
}
