package xmppclient

import "github.com/xmppfmuc/fmuc/stanza"

// Match is a predicate for Expect.
type Match = func(stanza.Stanza) bool

// ByID matches stanzas whose id attribute is id, such as the answer to an IQ.
func ByID(id string) Match {
	return func(s stanza.Stanza) bool { return s.Head().ID == id }
}

// MessageWithBody matches messages whose body is body.
func MessageWithBody(body string) Match {
	return func(s stanza.Stanza) bool {
		m, ok := s.(*stanza.Message)
		if !ok {
			return false
		}
		b, ok := m.Body()
		return ok && b == body
	}
}

// PresenceFrom matches presence stanzas from exactly from.
func PresenceFrom(from stanza.JID) Match {
	return func(s stanza.Stanza) bool {
		p, ok := s.(*stanza.Presence)
		return ok && p.From == from
	}
}

// SelfPresence matches the XEP-0045 §7.2.3 self-presence of a room join:
// a presence carrying muc#user status code 110.
func SelfPresence(room stanza.JID) Match {
	return func(s stanza.Stanza) bool {
		p, ok := s.(*stanza.Presence)
		if !ok || p.From.Bare() != room.Bare() {
			return false
		}
		var u stanza.MUCUser
		found, err := stanza.Find(p, stanza.NSMUCUser, "x", &u)
		return (found && err == nil && u.HasStatus(stanza.StatusSelf)) || p.Type == stanza.PresenceError
	}
}
