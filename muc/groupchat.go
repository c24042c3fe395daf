package muc

import (
	"github.com/xmppfmuc/fmuc/stanza"
)

// groupchat handles a message of type groupchat to the room (XEP-0045
// §7.4), or a subject change (§8.1).
func (r *Room) groupchat(tx *request, m *stanza.Message) {
	o := r.sender(tx)
	if o == nil {
		// §7.4: non-occupants SHOULD get not-acceptable.
		r.fail(tx, stanza.NotAcceptable, "")
		return
	}
	if isSubjectChange(m) {
		r.changeSubject(tx, o, m)
		return
	}
	if o.Role != stanza.RoleParticipant && o.Role != stanza.RoleModerator {
		// §7.4: a visitor (no voice) MUST get forbidden.
		r.fail(tx, stanza.Forbidden, "")
		return
	}
	// §7.4: reflect with the client's id (muc#stable_id), or one id for
	// all copies when it sent none. The payload slice is shared by all
	// copies: Elements are immutable.
	id := m.ID
	if id == "" {
		id = r.opts.NewID()
	}
	payload, sid := r.reflectPayloadID(o, m.Children)
	lang := m.Lang
	from := o.addr
	msgs := newSlab[stanza.Message](r.fanout())
	r.broadcast(tx, nil, o.JID, func(to stanza.JID, _ bool) stanza.Stanza {
		m := msgs.next()
		*m = stanza.Message{Header: stanza.Header{From: from, To: to, ID: id, Type: stanza.MessageGroupchat, Lang: lang}, Children: payload}
		return m
	})
	if storable(m) {
		r.appendHistory(tx, o, id, payload)
		r.archiveMessage(tx, o, id, sid, payload)
	}
}
