package fmuc

import (
	"bytes"

	"github.com/xmppfmuc/fmuc/stanza"
)

// The compact envelope: XEP-0289 has every stanza about a user carry
// <fmuc from='real JID'/> (§4.1, §4.3), about 75 bytes on each message,
// which a constrained link pays for every line of chat. A live groupchat
// message comes from room/nick, and the peer holds the occupant with that
// nick already: its presence, which always keeps <fmuc from/>, crossed the
// same link first (a coalesced one is sent before any other stanza about
// its user), and a nick is never held by two occupants (collision.go).
//
// A room that can work the user out says so with <compact xmlns=NSExt/>:
// the joining room on its federation join, the joined room on the
// presence that names the link's session. Only then does the other side
// leave <fmuc from/> out of live groupchat messages; towards any other
// peer (one that does not know this package) every stanza keeps it. A
// room accepts the compact messages from any linked peer, and what it
// then checks (who holds the user, through which link) is checked as for
// an explicit 'from'. What a link's log keeps for a resync is the full
// stanza: replayed messages carry a delay, which history always does with
// its 'from'. Presence keeps <fmuc/>, so that a peer that dropped the
// link still recognises federation traffic and answers with <left/>.

// compactElement is <compact xmlns=NSExt/>.
var compactElement = stanza.EmptyElement(NSExt, "compact")

// compacted returns st as it goes to a peer that takes the compact
// envelope: a live groupchat message from an occupant without its
// <fmuc from/>, anything else as it is.
func compacted(st stanza.Stanza) stanza.Stanza {
	m, ok := st.(*stanza.Message)
	if !ok || m.Type != stanza.MessageGroupchat || m.From.Resource() == "" {
		return st
	}
	at := -1
	for i, c := range m.Children {
		switch {
		case c.Is(stanza.NSFMUC, "fmuc"):
			if at >= 0 || !bytes.Contains(c.XML, []byte(" from=")) || bytes.Contains(c.XML, []byte("</")) {
				return st
			}
			at = i
		case c.Name.Space == NSExt, c.Is("", "subject"), stanza.IsDelay(c):
			// Echoes, private messages, replays, history and subjects
			// keep their 'from'.
			return st
		}
	}
	if at < 0 {
		return st
	}
	c := *m
	c.Children = make([]stanza.Element, 0, len(m.Children)-1)
	c.Children = append(c.Children, m.Children[:at]...)
	c.Children = append(c.Children, m.Children[at+1:]...)
	return &c
}

// derivedUser returns the user a peer's live groupchat message without
// <fmuc from/> is about: the occupant with its nick; zero when there is
// none, or for any other stanza.
func (n *Node) derivedUser(in stanza.Stanza) stanza.JID {
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
