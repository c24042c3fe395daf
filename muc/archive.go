package muc

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Archive bounds the room's XEP-0313 message archive (its retention).
// The zero value keeps no archive and does not advertise urn:xmpp:mam:2.
type Archive struct {
	// MaxMessages is how many messages the archive keeps, the oldest
	// dropped first; 0: no archive.
	MaxMessages int
	// MaxAge drops messages older than this when a message is archived
	// and hides them from queries before; 0: no age limit.
	MaxAge time.Duration
}

func (a Archive) validate() error {
	if a.MaxMessages < 0 || a.MaxAge < 0 {
		return fmt.Errorf("%w: negative Archive bound", ErrConfig)
	}
	return nil
}

// ArchiveEntry is one message of the room's XEP-0313 archive: a groupchat
// message as the room reflected it.
type ArchiveEntry struct {
	// StanzaID is the XEP-0359 stanza id the room gave the message (by the
	// room JID), which is also its archive UID (XEP-0313 §3.5, §6.2).
	StanzaID string
	// ID is the message id as reflected.
	ID string
	// Nick is the sender's nick at the time.
	Nick string
	// JID is the sender's real JID.
	JID stanza.JID
	// Stamp is when the room received the message; entries are in
	// non-decreasing Stamp order.
	Stamp time.Time
	// Payload are the message's children as reflected, without any
	// muc#user <x/> (XEP-0313 §6.1.2, §8.4: the archive strips them, so that
	// none can be spoofed into results).
	Payload []stanza.Element
}

// MessageArchived: a groupchat message went into the room's archive
// (XEP-0313 §6.1.2); Expired is how many of the oldest entries fell out of
// it at the same time (retention by count or age, see Archive).
type MessageArchived struct {
	RoomJID stanza.JID
	Entry   ArchiveEntry
	Expired int
}

// Room implements Event.
func (e MessageArchived) Room() stanza.JID { return e.RoomJID }

func (MessageArchived) isEvent() {}

// archive is the room's XEP-0313 archive: entries oldest first, and the
// position of every entry by stanza id. Positions are absolute (base is
// the position of entries[0]) so that dropping old entries moves nothing.
type archive struct {
	entries []ArchiveEntry
	base    int
	byID    map[string]int
}

// len returns the number of entries.
func (a *archive) len() int { return len(a.entries) }

// index returns the slice index of the entry with stanza id sid.
func (a *archive) index(sid string) (int, bool) {
	p, ok := a.byID[sid]
	if !ok {
		return 0, false
	}
	return p - a.base, true
}

// add appends e, keeping stamps non-decreasing, and drops from the front
// what max and maxAge say must go. It returns how many were dropped.
func (a *archive) add(e ArchiveEntry, maxN int, maxAge time.Duration) int {
	if a.byID == nil {
		a.byID = map[string]int{}
	}
	if n := len(a.entries); n > 0 && e.Stamp.Before(a.entries[n-1].Stamp) {
		e.Stamp = a.entries[n-1].Stamp
	}
	if _, dup := a.byID[e.StanzaID]; dup {
		// XEP-0313 §6.2: UIDs are unique; a repeated id (an embedder's
		// NewID gone wrong) replaces nothing and is not archived.
		return 0
	}
	a.byID[e.StanzaID] = a.base + len(a.entries)
	a.entries = append(a.entries, e)
	drop := len(a.entries) - maxN
	if maxAge > 0 {
		cut := e.Stamp.Add(-maxAge)
		k := sort.Search(len(a.entries), func(i int) bool { return !a.entries[i].Stamp.Before(cut) })
		drop = max(drop, k)
	}
	return a.drop(drop)
}

// drop removes the n oldest entries.
func (a *archive) drop(n int) int {
	if n <= 0 {
		return 0
	}
	for i := range a.entries[:n] {
		delete(a.byID, a.entries[i].StanzaID)
	}
	clear(a.entries[:n])
	a.entries = a.entries[n:]
	a.base += n
	if cap(a.entries) > 2*len(a.entries)+64 {
		a.entries = slices.Clone(a.entries)
	}
	return n
}

// archiveMessage adds a reflected groupchat message to the archive, when
// the room keeps one (XEP-0313 §6.1.2: messages with a body, once each,
// the same ones the history keeps, and subject changes).
func (r *Room) archiveMessage(tx *request, o *Occupant, id, sid string, payload []stanza.Element) {
	lim := r.opts.Archive
	if lim.MaxMessages <= 0 || sid == "" {
		return
	}
	p := make([]stanza.Element, 0, len(payload))
	for _, c := range payload {
		if !c.Is(stanza.NSMUCUser, "x") {
			p = append(p, c)
		}
	}
	e := ArchiveEntry{StanzaID: sid, ID: id, Nick: o.Nick, JID: o.JID, Stamp: tx.now.UTC(), Payload: p[:len(p):len(p)]}
	before := r.archive.len()
	dropped := r.archive.add(e, lim.MaxMessages, lim.MaxAge)
	if r.archive.len() == before-dropped {
		return // not archived (a repeated id)
	}
	tx.out.event(MessageArchived{RoomJID: r.jid, Entry: r.archive.entries[r.archive.len()-1], Expired: dropped})
}

// Archive returns a copy of the room's archive, oldest first.
func (r *Room) Archive() []ArchiveEntry { return slices.Clone(r.archive.entries) }

// restoreArchive is the Restore side of State.Archive. Errors wrap
// ErrState.
func (r *Room) restoreArchive(entries []ArchiveEntry) error {
	lim := r.opts.Archive
	if lim.MaxMessages <= 0 {
		return nil
	}
	if n := len(entries) - lim.MaxMessages; n > 0 {
		entries = entries[n:]
	}
	r.archive.entries = make([]ArchiveEntry, 0, len(entries))
	r.archive.byID = make(map[string]int, len(entries))
	nicks := map[string]bool{} // nicks already checked
	for i, e := range entries {
		if e.StanzaID == "" {
			return fmt.Errorf("%w: archive entry without a stanza id", ErrState)
		}
		if _, dup := r.archive.byID[e.StanzaID]; dup {
			return fmt.Errorf("%w: archive stanza id %q twice", ErrState, e.StanzaID)
		}
		if i > 0 && e.Stamp.Before(entries[i-1].Stamp) {
			return fmt.Errorf("%w: archive entry %q out of order", ErrState, e.StanzaID)
		}
		if !nicks[e.Nick] {
			if _, err := r.addr(e.Nick); err != nil {
				return fmt.Errorf("%w: archive entry from %q: %w", ErrState, e.Nick, err)
			}
			nicks[e.Nick] = len(nicks) < 4096
		}
		e.Payload = slices.Clone(e.Payload)
		r.archive.byID[e.StanzaID] = len(r.archive.entries)
		r.archive.entries = append(r.archive.entries, e)
	}
	return nil
}
