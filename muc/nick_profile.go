package muc

import (
	"strings"
	"unicode"

	"golang.org/x/text/secure/precis"
)

// visibleNick reports whether nick may be used as a room nickname:
// XEP-0045 §17.1 says a service MUST NOT allow empty or invisible
// nicknames (only spaces; here also only format characters such as
// zero-width joiners, which render as nothing).
func visibleNick(nick string) bool {
	for _, c := range nick {
		if !unicode.IsSpace(c) && !unicode.Is(unicode.Cf, c) {
			return true
		}
	}
	return false
}

// nickKey returns the key room nicknames are compared by, or "" when the
// nick is not allowed: the comparison of the RFC 8266 Nickname profile
// (§2.4: spaces mapped, trimmed and collapsed, case folded, NFKC, so that
// width variants and composed or decomposed accents are one nick).
// XEP-0045 §7.2.8 leaves how nick conflicts are found to the service, and
// §14 (Security Considerations) warns that nicks differing in ways users
// do not see allow impersonation; §17.1 lets the service restrict nicks
// further. The nick itself is kept as the user typed it (after RFC 7622,
// which makes resourceparts NFC): it is the resourcepart of the occupant
// JID the user addressed, and clients match their self-presence by it. A
// nick the profile refuses is refused (jid-malformed on entry, §7.2.1;
// not-acceptable for a nick change, §7.6), and so are registrations of
// one (§7.10) and States holding one.
func nickKey(nick string) string {
	if printableASCII(nick) {
		// The profile maps nothing in printable ASCII but case.
		return strings.ToLower(nick)
	}
	k, err := precis.Nickname.CompareKey(nick)
	if err != nil {
		return ""
	}
	return k
}

// printableASCII reports whether s is made of '!' to '~' only.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '!' || s[i] > '~' {
			return false
		}
	}
	return s != ""
}

// sameNick reports whether a and b are one nick (see nickKey).
func sameNick(a, b string) bool {
	ka := nickKey(a)
	return ka != "" && ka == nickKey(b)
}

// occupantByNick returns the occupant whose nick is the same as nick
// (nickKey), or nil.
func (r *Room) occupantByNick(nick string) *Occupant {
	k := nickKey(nick)
	if k == "" {
		return nil
	}
	return r.byNick[k]
}

// indexNick and unindexNick add and remove o under its nick.
func (r *Room) indexNick(o *Occupant)   { r.byNick[nickKey(o.Nick)] = o }
func (r *Room) unindexNick(o *Occupant) { delete(r.byNick, nickKey(o.Nick)) }
