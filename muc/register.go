package muc

import (
	"encoding/xml"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Registration with a room (XEP-0045 §7.10, XEP-0077) and the
// muc#register FORM_TYPE (§16.5.1).
const (
	nsRegister     = "jabber:iq:register"
	nsRegisterForm = "http://jabber.org/protocol/muc#register"
	fRegisterNick  = "muc#register_roomnick"
	fRegisterAllow = "muc#register_allow"
)

// maxPendingRegistrations bounds the registrations awaiting approval.
const maxPendingRegistrations = 256

// Registration says whether and how users register with a room
// (XEP-0045 §7.10: registering reserves a nick and makes an unaffiliated
// user a member). The zero value is RegistrationAuto.
type Registration uint8

// Registration policies.
const (
	// RegistrationAuto is RegistrationOpen in open, unmoderated rooms and
	// RegistrationApproval in members-only rooms (where registering is how
	// one asks to become a member, §7.10) and in moderated rooms (where
	// membership brings voice, §5.1.2, so a visitor could otherwise give
	// itself voice).
	RegistrationAuto Registration = iota
	// RegistrationOpen registers at once.
	RegistrationOpen
	// RegistrationApproval forwards each request to the room's admins and
	// owners for approval (§9.9); admins and owners register at once.
	// Requests awaiting a decision are kept in State.PendingRegistrations,
	// so that a restart does not lose them.
	RegistrationApproval
	// RegistrationClosed refuses requests with not-allowed (§7.10: the
	// privilege is restricted); admins add members instead.
	RegistrationClosed
	// RegistrationNone: the room does not support registration
	// (service-unavailable, §7.10), nor advertises it.
	RegistrationNone
)

// RegisteredNick returns the nick registered by a user (bare JID), if any.
func (r *Room) RegisteredNick(j stanza.JID) (string, bool) {
	n, ok := r.nicks[j.Bare()]
	return n, ok
}

// regRequest is a registration awaiting approval (§9.9).
type regRequest struct {
	nick string
}

// registerQuery is <query xmlns='jabber:iq:register'/> (XEP-0077).
type registerQuery struct {
	XMLName      xml.Name     `xml:"jabber:iq:register query"`
	Instructions string       `xml:"instructions,omitempty"`
	Registered   *struct{}    `xml:"registered"`
	Username     string       `xml:"username,omitempty"`
	Remove       *struct{}    `xml:"remove"`
	Form         *stanza.Form `xml:"jabber:x:data x"`
}

// element builds the query in canonical form (XEP-0077 §3.1 order); it
// cannot fail.
func (q registerQuery) element() stanza.Element {
	b := []byte("<query xmlns='" + nsRegister + "'>")
	if q.Instructions != "" {
		b = append(b, "<instructions>"...)
		b = stanza.AppendEscaped(b, q.Instructions, false)
		b = append(b, "</instructions>"...)
	}
	if q.Registered != nil {
		b = append(b, "<registered/>"...)
	}
	if q.Username != "" {
		b = append(b, "<username>"...)
		b = stanza.AppendEscaped(b, q.Username, false)
		b = append(b, "</username>"...)
	}
	if q.Remove != nil {
		b = append(b, "<remove/>"...)
	}
	if q.Form != nil {
		b = append(b, q.Form.Element().XML...)
	}
	if len(b) == len("<query xmlns='"+nsRegister+"'>") {
		b = append(b[:len(b)-1], "/>"...)
	} else {
		b = append(b, "</query>"...)
	}
	return stanza.Element{Name: xml.Name{Space: nsRegister, Local: "query"}, XML: b}
}

func (r *Room) registrationPolicy() Registration {
	if r.config.Registration == RegistrationAuto {
		if r.config.MembersOnly || r.config.Moderated {
			return RegistrationApproval
		}
		return RegistrationOpen
	}
	return r.config.Registration
}

// register handles jabber:iq:register to the room (§7.10).
func (r *Room) register(tx *request, q *stanza.IQ, p stanza.Element) {
	if !r.visible(tx) {
		r.fail(tx, stanza.ItemNotFound, "") // §7.10: no such room
		return
	}
	pol := r.registrationPolicy()
	bare := tx.from.Bare()
	switch {
	case pol == RegistrationNone:
		r.fail(tx, stanza.ServiceUnavailable, "")
		return
	case pol == RegistrationClosed, r.Affiliation(bare) == stanza.AffiliationOutcast:
		r.fail(tx, stanza.NotAllowed, "")
		return
	}
	var rq registerQuery
	if err := p.Decode(&rq); err != nil {
		r.fail(tx, stanza.BadRequest, "")
		return
	}
	switch q.Type {
	case stanza.IQGet:
		r.registrationForm(tx, q, bare)
	case stanza.IQSet:
		if rq.Remove != nil {
			r.unregister(tx, q, bare)
			return
		}
		r.registerSubmit(tx, q, bare, pol, rq.Form)
	}
}

// registrationForm answers a get: <registered/> with the nick for a
// registered user (XEP-0077 §3.1, §7.10 MUST), else the muc#register form.
func (r *Room) registrationForm(tx *request, q *stanza.IQ, bare stanza.JID) {
	if nick, ok := r.nicks[bare]; ok {
		r.reply(tx, r.result(q, registerQuery{Registered: &struct{}{}, Username: nick}.element()))
		return
	}
	form := &stanza.Form{
		Type:         stanza.FormToFill,
		Title:        "Registration with " + r.Name(),
		Instructions: []string{"Choose the nickname to reserve in this room."},
		Fields: []stanza.Field{
			{Var: "FORM_TYPE", Type: "hidden", Values: []string{nsRegisterForm}},
			{Var: fRegisterNick, Type: fieldTextSingle, Label: "Desired Nickname", Required: &struct{}{}},
		},
	}
	r.reply(tx, r.result(q, registerQuery{Instructions: "Use the form to register with this room.", Form: form}.element()))
}

// registerSubmit handles a submitted registration form.
func (r *Room) registerSubmit(tx *request, q *stanza.IQ, bare stanza.JID, pol Registration, f *stanza.Form) {
	if f == nil || f.Type != stanza.FormSubmit && f.Type != stanza.FormCancel {
		r.fail(tx, stanza.BadRequest, "a muc#register form is required") // §7.10
		return
	}
	if f.Type == stanza.FormCancel {
		r.reply(tx, r.result(q))
		return
	}
	if ft := f.FormType(); ft != "" && ft != nsRegisterForm {
		r.fail(tx, stanza.BadRequest, "unexpected FORM_TYPE")
		return
	}
	nick, _ := f.Value(fRegisterNick)
	if _, err := r.addr(nick); err != nil || !visibleNick(nick) || nickKey(nick) == "" {
		// §17.1: no empty or invisible nicks.
		r.fail(tx, stanza.BadRequest, "a valid nickname is required")
		return
	}
	if r.nickTaken(bare, nick) {
		r.fail(tx, stanza.Conflict, "") // §7.10: reserved by someone else
		return
	}
	if cond, text := r.roomFor(bare); cond != "" {
		r.fail(tx, cond, text) // Limits.MaxAffiliations, Limits.MaxJIDLength
		return
	}
	ac := r.actorOf(tx)
	if pol == RegistrationApproval && rank(ac.aff) < rank(stanza.AffiliationAdmin) {
		if _, again := r.regs[bare]; !again && len(r.regs) >= maxPendingRegistrations {
			r.failType(tx, stanza.ErrorWait, stanza.ResourceConstraint, "")
			return
		}
		if r.regs == nil {
			r.regs = map[stanza.JID]*regRequest{}
		}
		r.regs[bare] = &regRequest{nick: nick}
		r.reply(tx, r.result(q)) // §7.10: "successfully received"
		r.askApproval(tx, bare, nick)
		return
	}
	after := r.registerNick(tx, ac, bare, nick)
	r.reply(tx, r.result(q))
	for _, fn := range after {
		fn()
	}
}

// nickTaken reports whether nick is registered by, awaiting approval
// for, or in use by someone other than bare (nicks compared with nickKey).
func (r *Room) nickTaken(bare stanza.JID, nick string) bool {
	if owner, ok := r.nickOwner(nick); ok && owner != bare {
		return true
	}
	if o := r.occupantByNick(nick); o != nil && o.JID.Bare() != bare {
		return true
	}
	for j, rr := range r.regs {
		if j != bare && sameNick(rr.nick, nick) {
			return true
		}
	}
	return false
}

// registerNick reserves nick for bare and, when bare is unaffiliated,
// makes it a member (§7.10), which updates its occupants' presence for
// everyone (queued in the returned functions).
func (r *Room) registerNick(tx *request, ac actor, bare stanza.JID, nick string) []func() {
	delete(r.regs, bare)
	if r.nicks[bare] != nick {
		r.nicks[bare] = nick
		tx.out.event(NickRegistered{RoomJID: r.jid, JID: bare, Nick: nick})
	}
	renames := r.lockdownRenames(tx, bare, nick)
	if r.Affiliation(bare) != stanza.AffiliationNone {
		return renames
	}
	return append(r.applyAffiliation(tx, ac, change{jid: bare, it: stanza.Item{Affiliation: stanza.AffiliationMember}}, nil), renames...)
}

// unregister handles <remove/> (XEP-0077 §3.2): the nick is released and a
// member becomes unaffiliated (in a members-only room its occupants are
// then removed with 321, §9.4).
func (r *Room) unregister(tx *request, q *stanza.IQ, bare stanza.JID) {
	_, registered := r.nicks[bare]
	if !registered && r.Affiliation(bare) != stanza.AffiliationMember {
		r.fail(tx, stanza.ItemNotFound, "not registered")
		return
	}
	if registered {
		delete(r.nicks, bare)
		tx.out.event(NickRegistered{RoomJID: r.jid, JID: bare})
	}
	var after []func()
	if r.Affiliation(bare) == stanza.AffiliationMember {
		after = r.applyAffiliation(tx, r.actorOf(tx), change{jid: bare, it: stanza.Item{Affiliation: stanza.AffiliationNone}}, nil)
	}
	r.reply(tx, r.result(q))
	for _, fn := range after {
		fn()
	}
}

// askApproval sends the §9.9 approval form to every owner and admin (bare
// JIDs, sorted), one id for all copies.
func (r *Room) askApproval(tx *request, bare stanza.JID, nick string) {
	form := (&stanza.Form{
		Type:         stanza.FormToFill,
		Title:        "Registration request",
		Instructions: []string{"To approve this registration request, select the \"Allow this person to register with the room?\" checkbox and click OK. To skip this request, click the cancel button."},
		Fields: []stanza.Field{
			{Var: "FORM_TYPE", Type: "hidden", Values: []string{nsRegisterForm}},
			{Var: fRegisterNick, Type: fieldTextSingle, Label: "Desired Nickname", Values: []string{nick}},
			{Var: fRequestJID, Type: "jid-single", Label: "User ID", Values: []string{bare.String()}},
			{Var: fRegisterAllow, Type: fieldBoolean, Label: "Allow this person to register with the room?", Values: []string{"0"}},
		},
	}).Element()
	id := r.opts.NewID()
	for _, a := range []stanza.Affiliation{stanza.AffiliationOwner, stanza.AffiliationAdmin} {
		for _, j := range r.jidsWith(a) {
			tx.out.Stanzas = append(tx.out.Stanzas, &stanza.Message{
				Header:   stanza.Header{From: r.jid, To: j, ID: id},
				Children: []stanza.Element{form},
			})
		}
	}
}

// registrationDecision applies an admin's submitted approval form (§9.9):
// the request of the user in muc#jid is granted (the nick reserved, the
// user made a member) when muc#register_allow is true, dropped otherwise.
func (r *Room) registrationDecision(tx *request, f *stanza.Form) {
	ac := r.actorOf(tx)
	if rank(ac.aff) < rank(stanza.AffiliationAdmin) {
		r.fail(tx, stanza.Forbidden, "only admins decide on registrations")
		return
	}
	switch f.Type {
	case stanza.FormCancel:
		return
	case stanza.FormSubmit:
	default:
		r.fail(tx, stanza.BadRequest, "")
		return
	}
	v, _ := f.Value(fRequestJID)
	j, err := stanza.Parse(v)
	if err != nil {
		r.fail(tx, stanza.BadRequest, "bad value for "+fRequestJID)
		return
	}
	bare := j.Bare()
	rr, ok := r.regs[bare]
	if !ok {
		r.fail(tx, stanza.ItemNotFound, "no such registration request")
		return
	}
	allow, ok := r.formBool(tx, f, fRegisterAllow)
	if !ok {
		return
	}
	if !allow {
		delete(r.regs, bare)
		return
	}
	if r.nickTaken(bare, rr.nick) {
		delete(r.regs, bare)
		r.fail(tx, stanza.Conflict, "the nickname is taken")
		return
	}
	if cond, text := r.roomFor(bare); cond != "" {
		r.fail(tx, cond, text)
		return
	}
	for _, fn := range r.registerNick(tx, ac, bare, rr.nick) {
		fn()
	}
}
