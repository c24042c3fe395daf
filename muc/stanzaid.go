package muc

import (
	"github.com/xmppfmuc/fmuc/stanza"
)

// reflectPayloadID builds, once per message, the payload every copy of a
// groupchat message (or subject change) from o carries (XEP-0045 §7.4,
// §8.1):
//   - the client's children, minus any XEP-0289 <fmuc/> (a client cannot
//     speak for anyone, and fmuc payloads never reach clients), any XEP-0359 <stanza-id/> claiming to
//     be by this room (XEP-0359 §5: an entity adding stanza ids MUST
//     remove the ones that carry its own 'by') and any XEP-0421
//     <occupant-id/> (XEP-0421 §5: replaced by the room's);
//   - a fresh <stanza-id id=... by=room/> from Options.NewID (XEP-0359 §4;
//     in groupchat the assigning entity is the room);
//   - o's <occupant-id/> when the room adds them.
//
// The same payload goes into the history and the archive, so history
// replays and archive results carry both. It also returns the stanza id.
func (r *Room) reflectPayloadID(o *Occupant, children []stanza.Element) ([]stanza.Element, string) {
	p := make([]stanza.Element, 0, len(children)+2)
	for _, c := range children {
		if c.Is(nsOccupantID, "occupant-id") || c.Is(stanza.NSFMUC, "fmuc") || c.Is(stanza.NSSID, "stanza-id") && claimsRoom(c, r.jid) {
			continue
		}
		p = append(p, c)
	}
	sid := r.opts.NewID()
	p = append(p, stanza.StanzaID{ID: sid, By: r.jid}.Element())
	p = r.withOID(o, p)
	// Clipped: every copy of the message shares this slice (stanza
	// documents that each stanza owns its slice as far as appends go).
	return p[:len(p):len(p)], sid
}

// claimsRoom reports whether a <stanza-id/> says it is by room (or is
// unreadable: a malformed one cannot be trusted either way and is
// dropped, as stanza.WithoutStanzaIDsBy does).
func claimsRoom(c stanza.Element, room stanza.JID) bool {
	kept := stanza.WithoutStanzaIDsBy([]stanza.Element{c}, room)
	return len(kept) == 0
}
