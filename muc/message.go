package muc

import (
	"github.com/xmppfmuc/fmuc/stanza"
)

// payloadMessage handles a non-groupchat message to the bare room JID
// that carries a protocol payload, and reports whether it did:
//   - a muc#user <x/> with <invite/> or <decline/>: mediated invitations
//     (XEP-0045 §7.8.2, invitations);
//   - a data form of FORM_TYPE muc#request: a voice request or a
//     moderator's decision on one (§7.13, §8.6, voiceForm);
//   - a data form of FORM_TYPE muc#register: an admin's decision on a
//     registration request (§9.9, registrationDecision).
func (r *Room) payloadMessage(tx *request, m *stanza.Message) bool {
	if x, ok := stanza.Child(m, stanza.NSMUCUser, "x"); ok {
		return r.invitations(tx, m, x)
	}
	el, ok := stanza.Child(m, stanza.NSData, "x")
	if !ok {
		return false
	}
	var f stanza.Form
	if err := el.Decode(&f); err != nil {
		r.fail(tx, stanza.BadRequest, "malformed data form")
		return true
	}
	switch f.FormType() {
	case nsRequest:
		r.voiceForm(tx, &f)
		return true
	case nsRegisterForm:
		r.registrationDecision(tx, &f)
		return true
	}
	return false
}

// formBool returns the boolean value of field name of a submitted form;
// anything but a boolean (an absent field included) is answered with
// bad-request, and ok is false.
func (r *Room) formBool(tx *request, f *stanza.Form, name string) (v, ok bool) {
	s, _ := f.Value(name)
	v, ok = stanza.ParseBool(s)
	if !ok {
		r.fail(tx, stanza.BadRequest, "bad value for "+name)
	}
	return v, ok
}
