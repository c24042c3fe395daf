package muc

import (
	"fmt"

	"github.com/xmppfmuc/fmuc/stanza"
)

// PendingRegistration is a registration awaiting approval (XEP-0045
// §7.10, §9.9): the user's bare JID and the nick it asked for.
type PendingRegistration struct {
	JID  stanza.JID
	Nick string
}

// Invitation is a mediated invitation the room sent (XEP-0045 §7.8.2),
// remembered so that a bounce from the invitee reaches the inviter.
type Invitation struct {
	// To is the invitee, as addressed; ID the invitation message's id.
	To stanza.JID
	ID string
	// Inviter is the inviter's real JID; Via its node (zero when local).
	Inviter stanza.JID
	Via     stanza.JID
}

// extraState adds the pending registrations, remembered invitations and
// the subject setter's occupant id to st.
func (r *Room) extraState(st *State) {
	var js []stanza.JID
	for j := range r.regs {
		js = append(js, j)
	}
	sortJIDs(js)
	for _, j := range js {
		st.PendingRegistrations = append(st.PendingRegistrations, PendingRegistration{JID: j, Nick: r.regs[j].nick})
	}
	for _, si := range r.invited {
		st.Invitations = append(st.Invitations, Invitation{To: si.to, ID: si.id, Inviter: si.inviter, Via: si.via})
	}
	if r.subjectOID.XML != nil {
		var x struct {
			ID string `xml:"id,attr"`
		}
		if err := r.subjectOID.Decode(&x); err == nil {
			st.SubjectOccupantID = x.ID
		}
	}
}

// restoreExtra is the Restore side of extraState. Errors wrap ErrState.
func (r *Room) restoreExtra(st State) error {
	if len(st.PendingRegistrations) > maxPendingRegistrations {
		return fmt.Errorf("%w: %d pending registrations", ErrState, len(st.PendingRegistrations))
	}
	for _, p := range st.PendingRegistrations {
		if p.JID.IsZero() || !p.JID.IsBare() || !visibleNick(p.Nick) || nickKey(p.Nick) == "" {
			return fmt.Errorf("%w: pending registration of %q as %q", ErrState, p.JID.String(), p.Nick)
		}
		if _, err := r.addr(p.Nick); err != nil {
			return fmt.Errorf("%w: pending registration nick %q: %w", ErrState, p.Nick, err)
		}
		if _, dup := r.regs[p.JID]; dup {
			return fmt.Errorf("%w: pending registration of %q listed twice", ErrState, p.JID.String())
		}
		if r.regs == nil {
			r.regs = map[stanza.JID]*regRequest{}
		}
		r.regs[p.JID] = &regRequest{nick: p.Nick}
	}
	invs := st.Invitations
	if n := len(invs) - maxRememberedInvites; n > 0 {
		invs = invs[n:]
	}
	for _, in := range invs {
		if in.To.IsZero() || in.ID == "" || in.Inviter.IsZero() {
			return fmt.Errorf("%w: invitation %q to %q", ErrState, in.ID, in.To.String())
		}
		r.invited = append(r.invited, sentInvite{to: in.To, id: in.ID, inviter: in.Inviter, via: in.Via})
	}
	if st.SubjectOccupantID != "" && len(r.opts.OccupantIDKey) > 0 {
		if len(st.SubjectOccupantID) > 128 {
			// XEP-0421 §5.1: at most 128 characters.
			return fmt.Errorf("%w: subject occupant id too long", ErrState)
		}
		r.subjectOID = oidElement(st.SubjectOccupantID)
	}
	return nil
}
