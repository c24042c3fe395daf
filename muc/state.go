package muc

import (
	"fmt"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// State is what a room needs persisted to be rebuilt after a restart:
// everything but its occupants, who are transient.
type State struct {
	// JID is the room's bare JID.
	JID stanza.JID
	// Config is the room configuration.
	Config Config
	// Locked is true for a room awaiting its initial configuration.
	Locked bool
	// LockDeadline is when a locked room unlocks by itself
	// (ServiceOptions.LockTimeout, XEP-0045 §10.1.1); zero: never. Tick
	// unlocks a restored room whose deadline passed during the restart.
	LockDeadline time.Time
	// Affiliations are the users with an affiliation other than none, or
	// with a registered nick, sorted by JID.
	Affiliations []AffiliationEntry
	// Subject is the current subject.
	Subject Subject
	// History is the discussion history, oldest first.
	History []HistoryEntry
	// Archive is the XEP-0313 archive, oldest first (empty when the room
	// keeps none, see Options.Archive).
	Archive []ArchiveEntry
	// PendingRegistrations are the registrations awaiting approval by an
	// admin (XEP-0045 §7.10, §9.9), sorted by JID.
	PendingRegistrations []PendingRegistration
	// Invitations are the latest mediated invitations sent, oldest first
	// (§7.8.2), so that a bounce after a restart still reaches the inviter.
	Invitations []Invitation
	// SubjectOccupantID is the XEP-0421 occupant id of who set the
	// subject, replayed with it on entry; "" when none.
	SubjectOccupantID string
}

// AffiliationEntry is one user's affiliation and registered nick
// (XEP-0045 §7.10).
type AffiliationEntry struct {
	JID         stanza.JID
	Affiliation stanza.Affiliation
	Nick        string
}

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

// State returns the room's persistent state.
func (r *Room) State() State {
	seen := map[stanza.JID]bool{}
	var js []stanza.JID
	for j := range r.affs {
		seen[j] = true
		js = append(js, j)
	}
	for j := range r.nicks {
		if !seen[j] {
			js = append(js, j)
		}
	}
	sortJIDs(js)
	st := State{JID: r.jid, Config: r.config, Locked: r.locked, LockDeadline: r.lockDeadline, Subject: r.subject, History: r.History(), Archive: r.Archive()}
	for _, j := range js {
		st.Affiliations = append(st.Affiliations, AffiliationEntry{JID: j, Affiliation: r.Affiliation(j), Nick: r.nicks[j]})
	}
	r.addRemembered(&st)
	return st
}

// Restore rebuilds a room from a persisted State. Errors wrap ErrState or
// ErrConfig.
func Restore(st State, opts Options) (*Room, error) {
	r, err := NewRoom(st.JID, st.Config, opts)
	if err != nil {
		return nil, err
	}
	r.locked = st.Locked
	if st.Locked {
		r.lockDeadline = st.LockDeadline
	}
	nicks := map[string]bool{} // by nickKey
	for _, a := range st.Affiliations {
		if a.JID.IsZero() || !a.JID.IsBare() {
			return nil, fmt.Errorf("%w: affiliation for %q: not a bare JID", ErrState, a.JID.String())
		}
		if a.Affiliation != "" && !a.Affiliation.Valid() {
			return nil, fmt.Errorf("%w: affiliation %q", ErrState, a.Affiliation)
		}
		if _, dup := r.affs[a.JID]; dup {
			return nil, fmt.Errorf("%w: %q listed twice", ErrState, a.JID.String())
		}
		if a.Affiliation != "" && a.Affiliation != stanza.AffiliationNone {
			r.affs[a.JID] = a.Affiliation
		}
		if a.Nick != "" {
			k := nickKey(a.Nick)
			if k == "" {
				return nil, fmt.Errorf("%w: nick %q: not a nickname (RFC 8266)", ErrState, a.Nick)
			}
			if nicks[k] {
				return nil, fmt.Errorf("%w: nick %q registered twice", ErrState, a.Nick)
			}
			if _, err := r.addr(a.Nick); err != nil {
				return nil, fmt.Errorf("%w: nick %q: %w", ErrState, a.Nick, err)
			}
			nicks[k] = true
			r.nicks[a.JID] = a.Nick
		}
	}
	r.subject = st.Subject
	hist := st.History
	if n := len(hist) - st.Config.HistoryLength; n > 0 {
		hist = hist[n:]
	}
	for _, e := range hist {
		if _, err := r.addr(e.Nick); err != nil {
			return nil, fmt.Errorf("%w: history entry from %q: %w", ErrState, e.Nick, err)
		}
		e.Payload = append([]stanza.Element(nil), e.Payload...)
		r.prepare(&e)
		r.history = append(r.history, e)
	}
	if err := r.restoreRemembered(st); err != nil {
		return nil, err
	}
	if err := r.restoreArchive(st.Archive); err != nil {
		return nil, err
	}
	return r, nil
}

// addRemembered adds to st what the room remembers besides its lists and
// history: the pending registrations, the invitations sent and the subject
// setter's occupant id.
func (r *Room) addRemembered(st *State) {
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

// restoreRemembered is the Restore side of addRemembered. Errors wrap
// ErrState.
func (r *Room) restoreRemembered(st State) error {
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
