package muc

import (
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Shutdown empties every room for a graceful stop of the service
// (XEP-0045 §11.2): each occupant gets its own unavailable presence with
// status codes 110 and 332. Other occupants are not told about each other
// (they are all leaving; that would be N² stanzas). Temporary rooms, and
// rooms still awaiting their initial configuration, are destroyed;
// persistent rooms stay, empty. Forwarded IQs still waiting for an answer
// are answered first, with recipient-unavailable ("the service is shutting
// down").
func (s *Service) Shutdown(now time.Time) Output {
	return s.eachRoom(func(r *Room) Output { return r.Shutdown(now) })
}

// Shutdown removes every occupant of the room with status 332 (see
// Service.Shutdown).
func (r *Room) Shutdown(now time.Time) Output {
	var out Output
	if r.destroyed {
		return out
	}
	tx := &request{now: now, out: &out}
	// The requesters are still occupants: answered before they leave.
	r.failIQs(tx, &stanza.Error{Type: stanza.ErrorWait, Condition: stanza.RecipientUnavailable, By: r.jid, Text: "the service is shutting down"},
		func(*pendingIQ) bool { return true })
	// Each node gets one presence from the room with 332 and tells its
	// own users (XEP-0289: one copy per node).
	r.toNodes(tx, func(via stanza.JID) stanza.Stanza {
		return &stanza.Presence{Header: stanza.Header{From: r.jid, To: via, Type: stanza.PresenceUnavailable},
			Children: []stanza.Element{userX(nil, nil, stanza.StatusShutdown)}}
	})
	for _, o := range r.occupants {
		if !o.Remote() {
			r.leaveSelf(tx, o, "", nil, item{aff: o.Affiliation, role: stanza.RoleNone}, nil, stanza.StatusShutdown)
		}
		out.event(OccupantLeft{RoomJID: r.jid, Nick: o.Nick, JID: o.JID, Via: o.Via, Status: stanza.StatusShutdown, At: now})
	}
	clear(r.occupants)
	r.occupants = r.occupants[:0]
	clear(r.byNick)
	clear(r.byJID)
	r.sessions = 0
	r.partAll()
	if r.locked {
		r.destroy(tx, "", stanza.JID{})
		return out
	}
	r.maybeVanish(tx)
	return out
}
