package muc

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"

	"github.com/xmppfmuc/fmuc/stanza"
)

// nsOccupantID is the XEP-0421 namespace (also its disco feature).
const nsOccupantID = "urn:xmpp:occupant-id:0"

// occupantID derives the XEP-0421 occupant id of the user with the given
// real JID: HMAC-SHA-256 keyed with Options.OccupantIDKey over the room
// JID and the real bare JID. XEP-0421 §5.1: stable (same user, same room,
// same id), unique, pseudonymous (a secret key, and the room JID so that
// ids differ between rooms), at most 128 characters (43 here).
func occupantID(key []byte, room, real stanza.JID) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(room.String()))
	m.Write([]byte{0})
	m.Write([]byte(real.Bare().String()))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// oidOf returns o's <occupant-id/> element, computed once per occupant,
// and false when the room does not add occupant ids.
func (r *Room) oidOf(o *Occupant) (stanza.Element, bool) {
	if len(r.opts.OccupantIDKey) == 0 {
		return stanza.Element{}, false
	}
	if o.oid.XML == nil {
		o.oid = oidElement(occupantID(r.opts.OccupantIDKey, r.jid, o.JID))
	}
	return o.oid, true
}

// oidElement builds <occupant-id xmlns=... id=.../>.
func oidElement(id string) stanza.Element {
	b := make([]byte, 0, 48+len(id))
	b = append(b, "<occupant-id xmlns='"+nsOccupantID+"'"...)
	b = attr(b, "id", id)
	b = append(b, "/>"...)
	return stanza.Element{Name: xml.Name{Space: nsOccupantID, Local: "occupant-id"}, XML: b}
}

// withOID appends o's occupant id to a payload the room builds for a
// presence or message from o (XEP-0421 §5: every presence and every
// message the room sends from an occupant). p must be the caller's own
// slice; it is returned unchanged when occupant ids are off.
func (r *Room) withOID(o *Occupant, p []stanza.Element) []stanza.Element {
	if e, ok := r.oidOf(o); ok {
		return append(p, e)
	}
	return p
}

// withoutOID returns a copy of a client's payload without any
// <occupant-id/>: XEP-0421 §5, the room replaces what a client sent, and
// never relays a forged one.
func withoutOID(p []stanza.Element) []stanza.Element {
	out := make([]stanza.Element, 0, len(p)+2)
	for _, c := range p {
		if !c.Is(nsOccupantID, "occupant-id") {
			out = append(out, c)
		}
	}
	return out
}
