package muc

import (
	"encoding/xml"
	"strconv"
	"unicode/utf8"

	"github.com/xmppfmuc/fmuc/stanza"
)

// item is the <item/> of a muc#user <x/> the room generates.
type item struct {
	aff       stanza.Affiliation
	role      stanza.Role
	jid       stanza.JID // zero: omitted
	nick      string
	actorNick string
	actorJID  stanza.JID
	reason    string
}

// userX builds <x xmlns='http://jabber.org/protocol/muc#user'/> by hand:
// presence broadcasts build many of these, and encoding/xml is slow. The
// output is the canonical form stanza.MUCUser.Element gives (destroy, item, status; attributes in schema order).
func userX(it *item, destroy *stanza.Destroy, statuses ...stanza.StatusCode) stanza.Element {
	b := make([]byte, 0, 128)
	b = append(b, "<x xmlns='"+stanza.NSMUCUser+"'>"...)
	if destroy != nil {
		b = append(b, "<destroy"...)
		if destroy.JID != nil && !destroy.JID.IsZero() {
			b = attr(b, "jid", destroy.JID.String())
		}
		if destroy.Reason == "" && destroy.Password == "" {
			b = append(b, "/>"...)
		} else {
			b = append(b, '>')
			if destroy.Reason != "" {
				b = append(b, "<reason>"...)
				b = escape(b, destroy.Reason, false)
				b = append(b, "</reason>"...)
			}
			if destroy.Password != "" {
				b = append(b, "<password>"...)
				b = escape(b, destroy.Password, false)
				b = append(b, "</password>"...)
			}
			b = append(b, "</destroy>"...)
		}
	}
	if it != nil {
		b = append(b, "<item"...)
		if it.aff != "" {
			b = attr(b, "affiliation", string(it.aff))
		}
		if !it.jid.IsZero() {
			b = attr(b, "jid", it.jid.String())
		}
		if it.nick != "" {
			b = attr(b, "nick", it.nick)
		}
		if it.role != "" {
			b = attr(b, "role", string(it.role))
		}
		if it.actorNick == "" && it.actorJID.IsZero() && it.reason == "" {
			b = append(b, "/>"...)
		} else {
			b = append(b, '>')
			if it.actorNick != "" || !it.actorJID.IsZero() {
				b = append(b, "<actor"...)
				if !it.actorJID.IsZero() {
					b = attr(b, "jid", it.actorJID.String())
				}
				if it.actorNick != "" {
					b = attr(b, "nick", it.actorNick)
				}
				b = append(b, "/>"...)
			}
			if it.reason != "" {
				b = append(b, "<reason>"...)
				b = escape(b, it.reason, false)
				b = append(b, "</reason>"...)
			}
			b = append(b, "</item>"...)
		}
	}
	for _, s := range statuses {
		b = append(b, "<status code='"...)
		b = strconv.AppendInt(b, int64(s), 10)
		b = append(b, "'/>"...)
	}
	b = append(b, "</x>"...)
	return stanza.Element{Name: xml.Name{Space: stanza.NSMUCUser, Local: "x"}, XML: b}
}

func attr(b []byte, name, value string) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, "='"...)
	b = escape(b, value, true)
	return append(b, '\'')
}

// escape appends s escaped for XML character data or a single-quoted
// attribute, with the same rules as the stanza encoder.
func escape(b []byte, s string, isAttr bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '&':
			b = append(b, "&amp;"...)
		case c == '<':
			b = append(b, "&lt;"...)
		case c == '>':
			b = append(b, "&gt;"...)
		case c == '\'' && isAttr:
			b = append(b, "&apos;"...)
		case c == '"' && isAttr:
			b = append(b, "&quot;"...)
		case c == '\r':
			b = append(b, "&#xD;"...)
		case c == '\n' && isAttr:
			b = append(b, "&#xA;"...)
		case c == '\t' && isAttr:
			b = append(b, "&#x9;"...)
		case c < 0x20 && c != '\n' && c != '\t':
			b = append(b, "\uFFFD"...)
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(s[i:])
			if (r == utf8.RuneError && n == 1) || !(r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000) {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, s[i:i+n]...)
			}
			i += n
			continue
		default:
			b = append(b, c)
		}
		i++
	}
	return b
}
