package stanza

import "encoding/xml"

// NSSID is the XEP-0359 unique and stable stanza IDs namespace.
const NSSID = "urn:xmpp:sid:0"

// StanzaID is an XEP-0359 <stanza-id/>: an id assigned by the entity By
// (for a room, the room's bare JID).
type StanzaID struct {
	ID string
	By JID
}

// Element returns the <stanza-id xmlns='urn:xmpp:sid:0'/> element.
func (s StanzaID) Element() Element {
	b := make([]byte, 0, 48+len(s.ID)+jidLen(s.By))
	b = append(b, "<stanza-id xmlns='"+NSSID+"'"...)
	b = appendAttr(b, "id", s.ID)
	b = appendJIDAttr(b, "by", s.By)
	b = append(b, "/>"...)
	return Element{Name: xml.Name{Space: NSSID, Local: "stanza-id"}, XML: b}
}

// StanzaIDs returns the stanza-id elements of s with a usable id and by.
func StanzaIDs(s Stanza) []StanzaID {
	var out []StanzaID
	for _, c := range Children(s, NSSID, "stanza-id") {
		id, rawBy, ok := sidAttrs(c)
		if !ok || id == "" {
			continue
		}
		by, err := Parse(rawBy)
		if err != nil {
			continue
		}
		out = append(out, StanzaID{ID: id, By: by})
	}
	return out
}

// WithoutStanzaIDsBy returns the payload without <stanza-id/> elements
// claiming to be by the given entity. XEP-0359 §5: an entity that adds a
// stanza-id MUST remove any it did not add that carry its own 'by'.
func WithoutStanzaIDsBy(payload []Element, by JID) []Element {
	out := payload[:0:0]
	for _, c := range payload {
		if c.Is(NSSID, "stanza-id") {
			_, rawBy, ok := sidAttrs(c)
			if !ok {
				continue
			}
			if j, err := Parse(rawBy); err == nil && j == by {
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// WithStanzaIDsBy returns the payload with by given to every <stanza-id/>
// that has an id and no 'by' (a peer that left out what the receiver can
// tell, such as fmuc's compact envelope), and whether there was one; the
// payload itself when there was none.
func WithStanzaIDsBy(payload []Element, by JID) ([]Element, bool) {
	var out []Element
	for i, c := range payload {
		if !c.Is(NSSID, "stanza-id") {
			continue
		}
		id, rawBy, ok := sidAttrs(c)
		if !ok || id == "" || rawBy != "" {
			continue
		}
		if out == nil {
			out = append([]Element(nil), payload...)
		}
		out[i] = StanzaID{ID: id, By: by}.Element()
	}
	if out == nil {
		return payload, false
	}
	return out, true
}

// OriginIDElement returns an <origin-id xmlns='urn:xmpp:sid:0'/> element.
func OriginIDElement(id string) Element {
	b := []byte("<origin-id xmlns='" + NSSID + "'")
	b = appendAttr(b, "id", id)
	b = append(b, "/>"...)
	return Element{Name: xml.Name{Space: NSSID, Local: "origin-id"}, XML: b}
}

// OriginID returns the id of the stanza's XEP-0359 <origin-id/>, if any.
func OriginID(s Stanza) (string, bool) {
	c, ok := Child(s, NSSID, "origin-id")
	if !ok {
		return "", false
	}
	id, _, ok := sidAttrs(c)
	if !ok || id == "" {
		return "", false
	}
	return id, true
}
