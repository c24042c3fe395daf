package muc

import (
	"github.com/xmppfmuc/fmuc/stanza"
)

// Multiple sessions under one nick (XEP-0045 §7.2.8, "Nickname
// Conflict"): "if the bare JID of the present occupant matches the bare
// JID of the user seeking to enter the room, then the service SHOULD
// allow entry to the user, so that the user has two (or more) in-room
// sessions with the same roomnick". Rules kept here:
//
//   - Only local users share a nick this way: an occupant reached through
//     another node has one session (its node merges its user's resources).
//   - A session joining gets the whole entry sequence (roster, its
//     self-presence with 110, history, subject); the others get nothing,
//     since no occupant came in.
//   - Everything sent to the occupant reaches every session: groupchat
//     (§7.2.8 MUST), private messages (§7.2.8 RECOMMENDED), self-presence
//     after nick, role or affiliation changes, kicks, bans, destruction.
//     The exceptions are the entry sequence and the exit of one session,
//     which concern that session only, and IQs forwarded to the occupant
//     (§17.4), which go to its current session (Occupant.JID) alone.
//   - The occupant's presence is that of its current session, the one
//     that sent the latest presence update, nick change or
//     resynchronisation. Presence broadcasts name that session's real JID
//     (§7.2.3), and so do self-presences sent to all sessions; the entry
//     and exit self-presence of one session names that session.
//   - A session leaving gets its unavailable self-presence (110); the
//     others see nothing, unless it was the current session: then the
//     last of the remaining ones (in Occupant.Sessions order) becomes
//     current and, when that changes
//     what the others see, they get its presence as an update (§7.7).
//     The last session leaving is the occupant's exit (§7.14).

// session is one further real full JID of an occupant.
type session struct {
	jid stanza.JID
	// presence is the session's last presence payload, as Occupant.Presence.
	presence []stanza.Element
}

// mayShare reports whether a user entering from tx may join o as a
// further session (§7.2.8): same bare JID, both local.
func (r *Room) mayShare(tx *request, o *Occupant) bool {
	return tx.via.IsZero() && o.Via.IsZero() && o.JID.Bare() == tx.from.Bare() && o.JID != tx.from
}

// narrow returns a copy of o whose only session is j, for stanzas meant
// for that session alone. The copy is never stored.
func (o *Occupant) narrow(j stanza.JID) *Occupant {
	if j == o.JID && len(o.others) == 0 {
		return o
	}
	c := *o
	c.JID = j
	c.others = nil
	return &c
}

// makeCurrent makes session j o's current session, its presence the
// occupant's, and reports whether that changed anything.
func (o *Occupant) makeCurrent(j stanza.JID) bool {
	if j == o.JID {
		return false
	}
	for i := range o.others {
		if o.others[i].jid == j {
			prev := o.others[i]
			o.others[i] = session{jid: o.JID, presence: o.Presence}
			o.JID, o.Presence = prev.jid, prev.presence
			o.invalidate()
			return true
		}
	}
	return false
}

// joinSession adds the user of tx to o as a further session and sends it
// the entry sequence of §7.1; extra are status codes besides the usual
// ones (210 when the nick was rewritten).
func (r *Room) joinSession(tx *request, o *Occupant, p *stanza.Presence, req *stanza.MUC, extra ...stanza.StatusCode) {
	o.others = append(o.others, session{jid: tx.from, presence: clientPresence(p.Children)})
	r.byJID[tx.from] = o
	r.joined(tx.from)
	r.sessions++
	s := o.narrow(tx.from)
	r.rosterTo(tx, s)
	codes := append(r.joinCodes(false), extra...)
	r.selfPresence(tx, s, "", p.ID, item{aff: o.Affiliation, role: o.Role}, codes...)
	r.sendHistory(tx, s, req.History)
	r.sendSubject(tx, s)
	tx.out.event(SessionJoined{RoomJID: r.jid, Nick: o.Nick, JID: tx.from})
}

// leaveSession removes session j of o, which has more than one: j gets
// its unavailable self-presence with 110 and codes; the other occupants
// only hear of it when j was the current session (see above).
func (r *Room) leaveSession(tx *request, o *Occupant, j stanza.JID, id string, status []stanza.Element, codes ...stanza.StatusCode) {
	r.leaveSelf(tx, o.narrow(j), id, status, item{aff: o.Affiliation, role: stanza.RoleNone}, nil, codes...)
	delete(r.byJID, j)
	r.parted(j)
	r.sessions--
	ev := SessionLeft{RoomJID: r.jid, Nick: o.Nick, JID: j, At: tx.now}
	if len(codes) > 0 {
		ev.Status = codes[0]
	}
	tx.out.event(ev)
	if j != o.JID {
		for i := range o.others {
			if o.others[i].jid == j {
				o.others = append(o.others[:i], o.others[i+1:]...)
				break
			}
		}
		return
	}
	before := [2][]stanza.Element{r.view(o, false), r.view(o, true)}
	last := o.others[len(o.others)-1]
	o.others = o.others[:len(o.others)-1]
	o.JID, o.Presence = last.jid, last.presence
	o.invalidate()
	if !sameElements(before[0], r.view(o, false)) || !sameElements(before[1], r.view(o, true)) {
		r.broadcastInforming(tx, o, "")
	}
}

// retarget returns a copy of s addressed to to (one copy per further
// session; the payload is shared).
func retarget(s stanza.Stanza, to stanza.JID) stanza.Stanza {
	switch v := s.(type) {
	case *stanza.Message:
		c := *v
		c.To = to
		return &c
	case *stanza.Presence:
		c := *v
		c.To = to
		return &c
	case *stanza.IQ:
		c := *v
		c.To = to
		return &c
	}
	return nil
}
