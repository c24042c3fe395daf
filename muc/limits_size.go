package muc

import (
	"strconv"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Sizes of what the room relays (Limits.MaxNick, MaxStatus, MaxBody,
// MaxStanza). Room names, descriptions and subjects are checked where
// they are set (config_form.go, subject.go), room localparts where rooms
// are created (Service.refuseCreate).

// payloadSize is the size in bytes of s's children as received.
func payloadSize(children []stanza.Element) int {
	n := 0
	for _, c := range children {
		n += len(c.XML)
	}
	return n
}

// textsTooLong reports whether one of children named local (no
// namespace: <body/>, <status/>) has more than n characters of text.
// An element's XML is at least as long as its text in characters.
func textsTooLong(children []stanza.Element, local string, n int) bool {
	for _, c := range children {
		if c.Is("", local) && len(c.XML) > n && tooLong(c.Text(), n) {
			return true
		}
	}
	return false
}

// refuseSize returns the condition and text refusing a message or
// presence with children because of its size, or a zero condition.
// nick is the nick a presence enters with or changes to, "" for a
// message.
func (r *Room) refuseSize(children []stanza.Element, nick string) (stanza.Condition, string) {
	lim := r.opts.Limits
	switch {
	case payloadSize(children) > lim.MaxStanza:
		return stanza.PolicyViolation, "stanzas this room relays are limited to " + strconv.Itoa(lim.MaxStanza) + " bytes of payload"
	case nick != "" && tooLong(nick, lim.MaxNick):
		return stanza.NotAcceptable, "nicks in this room are limited to " + strconv.Itoa(lim.MaxNick) + " characters"
	case textsTooLong(children, "status", lim.MaxStatus):
		return stanza.NotAcceptable, "status texts in this room are limited to " + strconv.Itoa(lim.MaxStatus) + " characters"
	case textsTooLong(children, "body", lim.MaxBody):
		return stanza.NotAcceptable, "message bodies in this room are limited to " + strconv.Itoa(lim.MaxBody) + " characters"
	}
	return "", ""
}
