package muc

import (
	"github.com/xmppfmuc/fmuc/stanza"
)

// outOfRoom reports whether s is one of the stanzas a room legitimately
// sends to someone who is not an occupant (for the fuzz invariants):
// mediated invitations and declines (§7.8.2), registration approval forms
// to admins (§9.9), and IQs forwarded to an occupant's account, such as
// vCard requests to its bare JID (§17.4).
func outOfRoom(s stanza.Stanza) bool {
	switch s.Kind() {
	case stanza.KindMessage:
		if x, ok := stanza.Child(s, stanza.NSMUCUser, "x"); ok {
			var u stanza.MUCUser
			return x.Decode(&u) == nil && (len(u.Invites) > 0 || u.Decline != nil)
		}
		_, form := stanza.Child(s, stanza.NSData, "x")
		return form
	case stanza.KindIQ:
		return s.Head().To.IsBare() && s.Head().From.Resource() != ""
	}
	return false
}
