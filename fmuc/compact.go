package fmuc

import (
	"bytes"
	"slices"

	"github.com/xmppfmuc/fmuc/stanza"
)

// The compact envelope: XEP-0289 has every stanza about a user carry
// <fmuc from='real JID'/> (§4.1, §4.3), about 75 bytes on each message,
// which a constrained link pays for every line of chat. A live groupchat
// message comes from room/nick, and the peer holds the occupant with that
// nick already: its presence crossed the same link first (a coalesced one
// is sent before any other stanza about its user), and a nick is never
// held by two occupants (collision.go).
//
// A room that can work the user out says so with <compact xmlns=NSExt/>:
// the joining room on its federation join, the joined room on the
// presence that names the link's session. Only then does the other side
// leave <fmuc from/> out of live groupchat messages (and its 'from' out
// of presence, below); towards any other peer (one that does not know
// this package) every stanza keeps it. A
// room accepts the compact messages from any linked peer, and what it
// then checks (who holds the user, through which link) is checked as for
// an explicit 'from'. What a link's log keeps for a resync is the full
// stanza. History and replayed messages keep their <fmuc from/> (the user
// may have left since); their delay loses its 'from' when that is the
// sending room, which is what a peer takes a delay without one for. A presence names its user in its muc#user item already: it
// keeps a bare <fmuc/> (so that a peer that dropped the link still
// recognises federation traffic and answers with <left/>), and the peer
// takes the user from the item. A federation join keeps its 'from'.
//
// The same message's XEP-0359 <stanza-id/> of the room it was said in
// (the federation-wide id, which the peer keeps) loses its 'by' when that
// room is the sender's, the bare JID of the message's 'from'; the peer
// puts it back (withStanzaIDsBy) before anything else reads the message.
// Every peer's copy loses the XEP-0421 <occupant-id/> (encode): the room
// that receives it replaces it with its own (XEP-0421 §5).

// compactElement is <compact xmlns=NSExt/>.
var compactElement = stanza.EmptyElement(NSExt, "compact")

// compacted returns st as it goes to a peer that takes the compact
// envelope: a live groupchat message from an occupant without its
// <fmuc from/> and with its sender room's <stanza-id/> without 'by'; a
// history or replayed message with its <fmuc from/>, without that 'by'
// and without its delay's 'from' when it is the sender room; a presence
// whose muc#user item names its user with a bare <fmuc/>; anything else
// as it is.
func compacted(st stanza.Stanza) stanza.Stanza {
	if p, ok := st.(*stanza.Presence); ok {
		return compactedPresence(p)
	}
	m, ok := st.(*stanza.Message)
	if !ok || m.Type != stanza.MessageGroupchat || m.From.Resource() == "" {
		return st
	}
	// The attributes as this package writes them (appendAttr).
	room := m.From.Bare().String()
	by := appendAttr(nil, "by", room)
	at, sid, delay := -1, -1, -1
	for i, c := range m.Children {
		switch {
		case c.Is(stanza.NSFMUC, "fmuc"):
			if at >= 0 || !isFMUCFrom(c) {
				return st
			}
			at = i
		case c.Is(stanza.NSSID, "stanza-id") && sid < 0 && bytes.Contains(c.XML, by):
			sid = i
		case c.Is(stanza.NSDelay, "delay") && delay < 0:
			delay = i
		case c.Is(NSExt, "seq"):
		case c.Name.Space == NSExt, c.Is("", "subject"), stanza.IsDelay(c):
			// Echoes, private messages, subjects and the delay forms of
			// other servers stay as they are.
			return st
		}
	}
	if at < 0 {
		return st
	}
	if delay >= 0 {
		// History, or a replay: the user may have left since, so the
		// 'from' stays; the delay's 'from', the sender room, goes (the
		// 'from' is optional, XEP-0203 §4, and the peer takes a delay
		// without one for the sending room's: MergeHistory's origin).
		at = -1
	}
	c := *m
	c.Children = make([]stanza.Element, 0, len(m.Children))
	for i, e := range m.Children {
		switch i {
		case at:
			continue
		case sid:
			e.XML = bytes.Replace(e.XML, by, nil, 1)
		case delay:
			e.XML = bytes.Replace(e.XML, appendAttr(nil, "from", room), nil, 1)
		}
		c.Children = append(c.Children, e)
	}
	return &c
}

// isFMUCFrom reports whether the <fmuc/> element c is an empty one with
// a 'from' (not a <reject/> or <left/>).
func isFMUCFrom(c stanza.Element) bool {
	return bytes.Contains(c.XML, []byte(" from=")) && !bytes.Contains(c.XML, []byte("</"))
}

// compactedPresence returns p with a bare <fmuc/> for its <fmuc from/>
// when its muc#user item carries the same JID; p itself otherwise. A
// federation join, a presence error and one with this package's
// extensions keep theirs.
func compactedPresence(p *stanza.Presence) stanza.Stanza {
	if p.From.Resource() == "" || p.Type != stanza.PresenceAvailable && p.Type != stanza.PresenceUnavailable {
		return p
	}
	at := -1
	for i, c := range p.Children {
		switch {
		case c.Is(stanza.NSFMUC, "fmuc"):
			if at >= 0 || !isFMUCFrom(c) {
				return p
			}
			at = i
		case c.Name.Space == NSExt, c.Is(stanza.NSMUC, "x"):
			return p
		}
	}
	if at < 0 {
		return p
	}
	user := aboutUser(p)
	if user.IsZero() || itemJID(p) != user {
		return p
	}
	c := *p
	c.Children = slices.Clone(p.Children)
	c.Children[at] = fmucFrom(stanza.JID{})
	return &c
}

// itemJID returns the jid of the one muc#user item of p; zero when there
// is none.
func itemJID(p *stanza.Presence) stanza.JID {
	var u stanza.MUCUser
	if ok, err := stanza.Find(p, stanza.NSMUCUser, "x", &u); !ok || err != nil || len(u.Items) != 1 || u.Items[0].JID == nil {
		return stanza.JID{}
	}
	return *u.Items[0].JID
}

// withStanzaIDsBy returns m with the 'by' of a compact <stanza-id/> put
// back: the room the message comes from; m itself when none lacks it.
func withStanzaIDsBy(m *stanza.Message) *stanza.Message {
	p, changed := stanza.WithStanzaIDsBy(m.Children, m.From.Bare())
	if !changed {
		return m
	}
	c := *m
	c.Children = p
	return &c
}

// derivedUser returns the user a peer's stanza without an <fmuc from/>
// is about: for a live groupchat message without <fmuc/>, the occupant
// with its nick; for a presence with a bare <fmuc/>, the JID of its
// muc#user item; zero when there is none, or for any other stanza.
func (n *Node) derivedUser(in stanza.Stanza, p peer) stanza.JID {
	if pres, ok := in.(*stanza.Presence); ok {
		if p.fm == nil || p.fm.From != nil || p.fm.Reject != nil || p.fm.Left != nil || pres.From.Resource() == "" {
			return stanza.JID{}
		}
		if pres.Type != stanza.PresenceAvailable && pres.Type != stanza.PresenceUnavailable {
			return stanza.JID{}
		}
		return itemJID(pres)
	}
	if p.fm != nil {
		return stanza.JID{}
	}
	m, ok := in.(*stanza.Message)
	if !ok || m.Type != stanza.MessageGroupchat || m.From.Resource() == "" || hasDelay(m) || hasChild(m, "", "subject") {
		return stanza.JID{}
	}
	r := n.mucRoom()
	if r == nil {
		return stanza.JID{}
	}
	if o, ok := r.Occupant(m.From.Resource()); ok {
		return o.JID
	}
	return stanza.JID{}
}
