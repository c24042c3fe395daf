package muc

import (
	"github.com/xmppfmuc/fmuc/stanza"
)

// The muc#request FORM_TYPE and its fields (XEP-0045 §16.5.2).
const (
	nsRequest       = "http://jabber.org/protocol/muc#request"
	fRequestRole    = "muc#role"
	fRequestJID     = "muc#jid"
	fRequestNick    = "muc#roomnick"
	fRequestAllow   = "muc#request_allow"
	roleParticipant = string(stanza.RoleParticipant)
)

// voiceForm handles a muc#request form sent to the room: with
// muc#request_allow it is a moderator's decision (§8.6), otherwise an
// occupant's request for voice (§7.13).
func (r *Room) voiceForm(tx *request, f *stanza.Form) {
	switch f.Type {
	case stanza.FormCancel:
		return // §8.6: "to skip this request, click the cancel button"
	case stanza.FormSubmit:
	default:
		r.fail(tx, stanza.BadRequest, "")
		return
	}
	if _, ok := f.Field(fRequestAllow); ok {
		r.voiceDecision(tx, f)
		return
	}
	r.voiceRequest(tx, f)
}

// voiceRequest forwards a visitor's request for voice (§7.13) to every
// moderator as the approval form of §8.6: the requested role, the real
// JID, the nick and muc#request_allow false. Requests from occupants who
// already have voice change nothing and are dropped, and so are repeated
// requests while one awaits a decision (§14.6: moderators are not to be
// flooded); a denial lets the visitor ask again.
func (r *Room) voiceRequest(tx *request, f *stanza.Form) {
	o := r.sender(tx)
	if o == nil {
		r.fail(tx, stanza.Forbidden, "only occupants may request voice") // §17.2 rule 2
		return
	}
	if role, _ := f.Value(fRequestRole); role != roleParticipant {
		r.fail(tx, stanza.BadRequest, "only voice (participant) may be requested")
		return
	}
	if o.Role != stanza.RoleVisitor || o.askedVoice {
		return
	}
	o.askedVoice = true
	form := (&stanza.Form{
		Type:         stanza.FormToFill,
		Title:        "Voice request",
		Instructions: []string{"To approve this request for voice, select the \"Grant voice to this person?\" checkbox and click OK. To skip this request, click the cancel button."},
		Fields: []stanza.Field{
			{Var: "FORM_TYPE", Type: "hidden", Values: []string{nsRequest}},
			{Var: fRequestRole, Type: fieldListSingle, Label: "Requested role", Values: []string{roleParticipant}},
			{Var: fRequestJID, Type: "jid-single", Label: "User ID", Values: []string{o.JID.String()}},
			{Var: fRequestNick, Type: fieldTextSingle, Label: "Room Nickname", Values: []string{o.Nick}},
			{Var: fRequestAllow, Type: fieldBoolean, Label: "Grant voice to this person?", Values: []string{"false"}},
		},
	}).Element()
	var id string
	for _, mod := range r.occupants {
		if mod.Role != stanza.RoleModerator {
			continue
		}
		if id == "" {
			id = r.opts.NewID()
		}
		r.send(tx, mod, &stanza.Message{
			Header:   stanza.Header{From: r.jid, To: mod.JID, ID: id},
			Children: []stanza.Element{form},
		})
	}
}

// voiceDecision applies a moderator's submitted approval form (§8.6):
// with muc#request_allow true the occupant named by muc#roomnick (and
// muc#jid, when given) becomes a participant, announced as in §8.3.
func (r *Room) voiceDecision(tx *request, f *stanza.Form) {
	ac := r.actorOf(tx)
	if ac.role != stanza.RoleModerator {
		r.fail(tx, stanza.Forbidden, "only moderators decide on voice requests")
		return
	}
	allow, ok := r.formBool(tx, f, fRequestAllow)
	if !ok {
		return
	}
	nick, _ := f.Value(fRequestNick)
	t := r.occupantByNick(nick)
	ok = t != nil
	if !allow {
		if ok {
			t.askedVoice = false
		}
		return
	}
	if !ok {
		r.fail(tx, stanza.ItemNotFound, "no such occupant")
		return
	}
	if j, has := f.Value(fRequestJID); has && j != "" {
		if pj, err := stanza.Parse(j); err != nil || pj != t.JID {
			r.fail(tx, stanza.ItemNotFound, "the occupant has changed")
			return
		}
	}
	if t.Role != stanza.RoleVisitor {
		return // voice already granted, or a moderator
	}
	c, cond := r.checkRole(ac, stanza.Item{Nick: nick, Role: stanza.RoleParticipant})
	if cond != "" {
		r.fail(tx, cond, "")
		return
	}
	for _, fn := range r.applyRole(tx, ac, c, nil) {
		fn()
	}
}
