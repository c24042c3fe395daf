package muc

import (
	"encoding/xml"

	"github.com/xmppfmuc/fmuc/stanza"
)

// rawInvitations is the muc#user <x/> of an invitation or a decline, with
// the addresses as sent (a malformed JID is an error to report, not a
// payload that fails to decode as a whole).
type rawInvitations struct {
	XMLName xml.Name    `xml:"http://jabber.org/protocol/muc#user x"`
	Decline *rawInvite  `xml:"decline"`
	Invites []rawInvite `xml:"invite"`
}

type rawInvite struct {
	To       *string          `xml:"to,attr"`
	Reason   string           `xml:"reason"`
	Continue *stanza.Continue `xml:"continue"`
}

// target parses the 'to' of an invite or decline.
func (ri *rawInvite) target() (stanza.JID, stanza.Condition) {
	if ri.To == nil || *ri.To == "" {
		return stanza.JID{}, stanza.BadRequest
	}
	j, err := stanza.Parse(*ri.To)
	if err != nil {
		return stanza.JID{}, stanza.JIDMalformed
	}
	return j, ""
}

// invitations handles a muc#user <x/> in a message to the room: mediated
// invitations and declines (XEP-0045 §7.8.2). It reports false when the
// <x/> holds neither.
func (r *Room) invitations(tx *request, m *stanza.Message, el stanza.Element) bool {
	var x rawInvitations
	if err := el.Decode(&x); err != nil {
		r.fail(tx, stanza.BadRequest, "malformed muc#user payload")
		return true
	}
	switch {
	case len(x.Invites) > 0:
		r.invite(tx, m, x.Invites)
	case x.Decline != nil:
		r.decline(tx, m, x.Decline)
	default:
		return false
	}
	return true
}

// mayInvite is the §7.8.2 rule: in a members-only room invitations are
// for admins and owners (SHOULD), and for members too when
// muc#roomconfig_allowinvites is on; in an open room any occupant may
// invite, since the invitee may enter anyway (a direct invitation,
// XEP-0249, which the room neither needs nor can block, does the same).
func (r *Room) mayInvite(o *Occupant) bool {
	if !r.config.MembersOnly {
		return true
	}
	return rank(o.Affiliation) >= rank(stanza.AffiliationAdmin) || r.config.AllowInvites
}

// invite sends each invitee a message from the room with <invite
// from=inviter's real JID/>, the reason and <continue/> as given, and the
// room password when there is one (§7.8.2). In a members-only room each
// unaffiliated invitee is first added to the member list (§7.8.2 MAY), by
// the inviter, so that the invitation can be used.
func (r *Room) invite(tx *request, m *stanza.Message, invites []rawInvite) {
	o := r.sender(tx)
	if o == nil {
		// §7.8.2: one invites to a room one is in; §17.2 rule 2: a user
		// with role none gets forbidden.
		r.fail(tx, stanza.Forbidden, "only occupants may invite")
		return
	}
	if !r.mayInvite(o) {
		r.fail(tx, stanza.Forbidden, "only admins may invite to this room")
		return
	}
	if len(invites) > maxInvitesPerMessage {
		// §14.6: the room is not a spam relay.
		r.fail(tx, stanza.PolicyViolation, "too many invitations in one message")
		return
	}
	to := make([]stanza.JID, len(invites))
	for i := range invites {
		j, cond := invites[i].target()
		if cond != "" {
			r.fail(tx, cond, "bad invitee address")
			return
		}
		if j.Bare() == r.jid {
			r.fail(tx, stanza.BadRequest, "the room cannot be invited")
			return
		}
		to[i] = j
	}
	var after []func()
	if r.config.MembersOnly {
		var add []stanza.JID
		for _, j := range to {
			if r.Affiliation(j) == stanza.AffiliationNone {
				add = append(add, j.Bare())
			}
		}
		if cond, text := r.roomFor(add...); cond != "" {
			r.fail(tx, cond, text) // Limits.MaxAffiliations
			return
		}
		ac := r.actorOf(tx)
		for _, j := range to {
			if r.Affiliation(j) == stanza.AffiliationNone {
				after = r.applyAffiliation(tx, ac, change{jid: j.Bare(), it: stanza.Item{Affiliation: stanza.AffiliationMember}}, after)
			}
		}
	}
	for _, fn := range after {
		fn()
	}
	inviter := tx.from
	for i, j := range to {
		r.rememberInvite(sentInvite{to: j, id: m.ID, inviter: inviter, via: tx.via})
		u := stanza.MUCUser{Invites: []stanza.Invite{{From: &inviter, Reason: invites[i].Reason, Continue: invites[i].Continue}}}
		if r.config.PasswordProtected {
			u.Password = r.config.Password
		}
		tx.out.Stanzas = append(tx.out.Stanzas, &stanza.Message{
			Header:   stanza.Header{From: r.jid, To: j, ID: m.ID},
			Children: []stanza.Element{u.Element()},
		})
	}
}

// decline relays an invitee's <decline/> to the inviter from the room,
// with <decline from=invitee's bare JID/> (§7.8.2). The inviter may be
// named by a bare JID, in which case the occupants with that bare JID get
// it (as in the §7.8.2 example), or by an occupant JID of this room; a
// decline to an occupant JID must come from an occupant (this room's
// invitations name real JIDs, and anything else would let outsiders send
// private messages to nicks, which §7.5 refuses with not-acceptable).
// Any other address gets the decline as addressed.
func (r *Room) decline(tx *request, m *stanza.Message, d *rawInvite) {
	to, cond := d.target()
	if cond != "" {
		r.fail(tx, cond, "bad inviter address")
		return
	}
	from := tx.from.Bare()
	u := stanza.MUCUser{Decline: &stanza.Invite{From: &from, Reason: d.Reason}}.Element()
	msg := func(to stanza.JID) *stanza.Message {
		return &stanza.Message{Header: stanza.Header{From: r.jid, To: to, ID: m.ID}, Children: []stanza.Element{u}}
	}
	if to.Bare() == r.jid {
		if to.Resource() == "" || r.sender(tx) == nil {
			r.fail(tx, stanza.NotAcceptable, "")
			return
		}
		o := r.occupantByNick(to.Resource())
		if o == nil {
			r.fail(tx, stanza.ItemNotFound, "")
			return
		}
		r.send(tx, o, msg(o.JID))
		return
	}
	if to.IsBare() {
		sent := false
		for _, o := range r.occupants {
			if o.JID.Bare() == to {
				r.send(tx, o, msg(o.JID))
				sent = true
			}
		}
		if sent {
			return
		}
	}
	tx.out.Stanzas = append(tx.out.Stanzas, msg(to))
}

// maxInvitesPerMessage bounds the invitations one message may carry.
const maxInvitesPerMessage = 20

// maxRememberedInvites bounds the invitations a room remembers in order
// to report undeliverable ones.
const maxRememberedInvites = 64

// sentInvite is an invitation the room sent, remembered so that a bounce
// can be reported to the inviter.
type sentInvite struct {
	to      stanza.JID // the invitee, as addressed
	id      string     // the message id
	inviter stanza.JID // the inviter's real JID
	via     stanza.JID // the node the inviter is reached through
}

// rememberInvite records an invitation with an id (a bounce is matched
// by id and address), forgetting the oldest beyond the bound.
func (r *Room) rememberInvite(si sentInvite) {
	if si.id == "" {
		return
	}
	if len(r.invited) == maxRememberedInvites {
		copy(r.invited, r.invited[1:])
		r.invited = r.invited[:len(r.invited)-1]
	}
	r.invited = append(r.invited, si)
}

// inviteBounced reports an invitation that came back as an error from the
// invitee's address to its inviter: §7.8.2 says the room SHOULD answer an
// invitation to a non-existent JID with item-not-found, and the room only
// learns that from the bounce. Other stray errors are dropped.
func (r *Room) inviteBounced(tx *request, m *stanza.Message) {
	for i, si := range r.invited {
		if si.to != tx.from || si.id != m.ID {
			continue
		}
		r.invited = append(r.invited[:i], r.invited[i+1:]...)
		to := si.to
		u := stanza.MUCUser{Invites: []stanza.Invite{{To: &to}}}.Element()
		e := &stanza.Error{Type: stanza.ErrorCancel, Condition: stanza.ItemNotFound, By: r.jid}
		r.deliver(tx, si.inviter, si.via, stanza.JID{}, "", &stanza.Message{
			Header:   stanza.Header{From: r.jid, To: si.inviter, ID: si.id, Type: stanza.MessageError},
			Children: []stanza.Element{u, e.Element()},
		})
		return
	}
}
