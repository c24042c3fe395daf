package muc

import (
	"encoding/xml"
	"strconv"

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

// userX builds <x xmlns='http://jabber.org/protocol/muc#user'/> from the
// room's own item type, without the pointers and copies a stanza.MUCUser
// needs: presence broadcasts build many of these. The bytes are those
// stanza.MUCUser.Element gives (TestUserXSameBytes).
func userX(it *item, destroy *stanza.Destroy, statuses ...stanza.StatusCode) stanza.Element {
	b := make([]byte, 0, 128)
	const start = "<x xmlns='" + stanza.NSMUCUser + "'>"
	b = append(b, start...)
	if destroy != nil {
		b = append(b, "<destroy"...)
		if destroy.JID != nil && !destroy.JID.IsZero() {
			b = attr(b, "jid", destroy.JID.String())
		}
		if destroy.Reason == "" && destroy.Password == "" {
			b = append(b, "/>"...)
		} else {
			b = append(b, '>')
			// The order of the muc#owner schema (XEP-0045 §19.4), the only
			// one with both: the muc#user <destroy/> has no <password/>.
			if destroy.Password != "" {
				b = append(b, "<password>"...)
				b = stanza.AppendEscaped(b, destroy.Password, false)
				b = append(b, "</password>"...)
			}
			if destroy.Reason != "" {
				b = append(b, "<reason>"...)
				b = stanza.AppendEscaped(b, destroy.Reason, false)
				b = append(b, "</reason>"...)
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
				b = stanza.AppendEscaped(b, it.reason, false)
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
	if len(b) == len(start) {
		b = append(b[:len(b)-1], "/>"...)
	} else {
		b = append(b, "</x>"...)
	}
	return stanza.Element{Name: xml.Name{Space: stanza.NSMUCUser, Local: "x"}, XML: b}
}

func attr(b []byte, name, value string) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, "='"...)
	b = stanza.AppendEscaped(b, value, true)
	return append(b, '\'')
}
