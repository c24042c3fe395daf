package muc

import (
	"math"
	"time"
	"unicode/utf8"

	"github.com/xmppfmuc/fmuc/stanza"
)

// HistoryEntry is one message of the discussion history (XEP-0045
// §7.2.13).
type HistoryEntry struct {
	// ID is the message id as reflected.
	ID string
	// Nick is the sender's nick at the time.
	Nick string
	// JID is the sender's real JID.
	JID stanza.JID
	// Stamp is when the room received the message.
	Stamp time.Time
	// Payload are the message's children as reflected.
	Payload []stanza.Element
	// Origin is the room whose XEP-0203 delay the entry carries: zero for
	// this room; the federated node's room for history it replayed
	// (XEP-0289 §4.1 keeps the joined node's delay).
	Origin stanza.JID

	delayed []stanza.Element // Payload plus the XEP-0203 delay
	size    int              // characters of the encoded stanza without 'to'
	from    stanza.JID       // room@service/nick
}

// XEP-0334 message processing hints.
const nsHints = "urn:xmpp:hints"

// storable reports whether a reflected groupchat message goes into the
// history: it must have a body (chat states and other bodyless payloads
// are relayed only) or an XEP-0334 <store/> hint, and no <no-store/> or
// <no-permanent-store/> hint.
func storable(m *stanza.Message) bool {
	store := false
	for _, c := range m.Children {
		switch {
		case c.Is(nsHints, "no-store"), c.Is(nsHints, "no-permanent-store"):
			return false
		case c.Is("", "body"), c.Is(nsHints, "store"):
			store = true
		}
	}
	return store
}

// appendHistory stores a reflected message, bounded by the configured
// history length.
func (r *Room) appendHistory(tx *request, o *Occupant, id string, payload []stanza.Element) {
	limit := r.config.HistoryLength
	if limit <= 0 {
		return
	}
	e := HistoryEntry{ID: id, Nick: o.Nick, JID: o.JID, Stamp: tx.now.UTC(), Payload: payload, from: o.addr}
	r.prepare(&e)
	dropped := 0
	if len(r.history) >= limit {
		dropped = len(r.history) - limit + 1
		n := copy(r.history, r.history[dropped:])
		clear(r.history[n:])
		r.history = r.history[:n]
	}
	r.history = append(r.history, e)
	pub := e
	pub.delayed, pub.size, pub.from = nil, 0, stanza.JID{}
	tx.out.event(HistoryAppended{RoomJID: r.jid, Entry: pub, Dropped: dropped})
}

// prepare computes the cached delayed payload, occupant JID (unless
// set) and size of e.
func (r *Room) prepare(e *HistoryEntry) {
	// §7.2.13: history MUST carry an XEP-0203 delay from the room's JID.
	origin := e.Origin
	if origin.IsZero() {
		origin = r.jid
	}
	d := stanza.Delay{From: origin, Stamp: e.Stamp}.Element()
	e.delayed = make([]stanza.Element, 0, len(e.Payload)+1)
	e.delayed = append(e.delayed, e.Payload...)
	e.delayed = append(e.delayed, d)
	if e.from.IsZero() {
		e.from, _ = r.addr(e.Nick)
	}
	// §7.2.14: maxchars counts the characters of the complete stanzas,
	// encoded on the stack when they are small.
	var buf [1024]byte
	e.size = utf8.RuneCount(stanza.Append(buf[:0], &stanza.Message{Header: stanza.Header{From: e.from, ID: e.ID, Type: stanza.MessageGroupchat}, Children: e.delayed}))
}

// trimHistory drops entries beyond the configured length.
func (r *Room) trimHistory() {
	if n := len(r.history) - r.config.HistoryLength; n > 0 {
		k := copy(r.history, r.history[n:])
		clear(r.history[k:])
		r.history = r.history[:k]
	}
}

// History returns a copy of the stored discussion history, oldest first.
func (r *Room) History() []HistoryEntry {
	out := make([]HistoryEntry, len(r.history))
	for i, e := range r.history {
		out[i] = e
		out[i].delayed, out[i].size, out[i].from = nil, 0, stanza.JID{}
	}
	return out
}

// sendHistory sends o the discussion history its <history/> request asks
// for (XEP-0045 §7.2.14): the smallest amount that meets all of maxchars,
// maxstanzas, seconds and since, in whole stanzas, oldest first.
func (r *Room) sendHistory(tx *request, o *Occupant, h *stanza.History) {
	first := 0
	n := len(r.history)
	if h != nil {
		if h.MaxStanzas != nil {
			if *h.MaxStanzas <= 0 {
				return
			}
			if k := n - *h.MaxStanzas; k > first {
				first = k
			}
		}
		// More seconds than a Duration holds (about 292 years) is no limit.
		if h.Seconds != nil && int64(*h.Seconds) < int64(math.MaxInt64/time.Second) {
			if *h.Seconds <= 0 {
				return
			}
			cut := tx.now.Add(-time.Duration(*h.Seconds) * time.Second)
			for first < n && r.history[first].Stamp.Before(cut) {
				first++
			}
		}
		if h.Since != "" {
			if since, err := stanza.ParseTime(h.Since); err == nil {
				for first < n && r.history[first].Stamp.Before(since) {
					first++
				}
			}
		}
		if h.MaxChars != nil {
			budget := *h.MaxChars
			// The 'to' attribute the recipient sees: " to='...'".
			toLen := utf8.RuneCount(stanza.AppendEscaped(nil, o.JID.String(), true)) + 6
			k := n
			for k > first && budget >= r.history[k-1].size+toLen {
				budget -= r.history[k-1].size + toLen
				k--
			}
			first = k
		}
	}
	msgs := newSlab[stanza.Message](n - first)
	for i := range r.history[first:] {
		e := &r.history[first+i]
		m := msgs.next()
		*m = stanza.Message{Header: stanza.Header{From: e.from, To: o.JID, ID: e.ID, Type: stanza.MessageGroupchat}, Children: e.delayed}
		r.sendAbout(tx, o, e.JID, m)
	}
}
