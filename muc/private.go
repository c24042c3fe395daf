package muc

import (
	"github.com/xmppfmuc/fmuc/stanza"
)

// mayPM is the muc#roomconfig_allowpm rule (XEP-0045 §7.5).
func (r *Room) mayPM(o *Occupant) bool {
	switch r.config.AllowPM {
	case PMAnyone:
		return true
	case PMParticipants:
		return o.Role == stanza.RoleParticipant || o.Role == stanza.RoleModerator
	case PMModerators:
		return o.Role == stanza.RoleModerator
	}
	return false
}

// privateMessage handles a message to room/nick (XEP-0045 §7.5).
func (r *Room) privateMessage(tx *request, m *stanza.Message) {
	o := r.sender(tx)
	if o == nil {
		// §7.5: the sender is not an occupant.
		r.fail(tx, stanza.NotAcceptable, "")
		return
	}
	if m.Type == stanza.MessageGroupchat {
		// §7.5: a private message MUST NOT be of type groupchat.
		r.fail(tx, stanza.BadRequest, "")
		return
	}
	target := r.occupantByNick(m.To.Resource())
	if target == nil {
		// §7.5: no such occupant.
		r.fail(tx, stanza.ItemNotFound, "")
		return
	}
	if !r.mayPM(o) {
		r.fail(tx, stanza.Forbidden, "private messages are not allowed in this room")
		return
	}
	// XEP-0359 §5: never relay a stanza-id claiming to be the room's.
	payload := stanza.WithoutStanzaIDsBy(withoutOID(stanza.Without(m.Children, stanza.NSFMUC, "fmuc")), r.jid)
	if _, ok := stanza.Child(m, stanza.NSMUCUser, "x"); !ok {
		// §7.5: the service SHOULD add the muc#user <x/> (XEP-0280).
		payload = append(payload, stanza.EmptyElement(stanza.NSMUCUser, "x"))
	}
	payload = r.withOID(o, payload)
	r.sendAbout(tx, target, o.JID, &stanza.Message{
		Header:   stanza.Header{From: o.addr, To: target.JID, ID: m.ID, Type: m.Type, Lang: m.Lang, Attrs: m.Attrs},
		Children: payload,
	})
}
