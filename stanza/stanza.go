package stanza

import "encoding/xml"

// Stanza is one of *Message, *Presence or *IQ: the three RFC 6120 §8 stanza
// kinds. They share a Header and keep every child element in document order.
type Stanza interface {
	// Kind reports which of the three stanza kinds this is.
	Kind() Kind
	// Head returns the stanza's header, which may be modified in place.
	Head() *Header
	// Payload returns the child elements in document order. The slice is the
	// stanza's own; Elements themselves are immutable.
	Payload() []Element
	// SetPayload replaces the child elements.
	SetPayload([]Element)
	// AppendXML appends the stanza's serialisation to dst; see Append.
	AppendXML(dst []byte) []byte
}

// Kind names a stanza kind. The zero value is not a kind.
type Kind uint8

// The three stanza kinds of RFC 6120 §8.
const (
	KindMessage Kind = iota + 1
	KindPresence
	KindIQ
)

// String returns the element name of the kind: "message", "presence", "iq".
func (k Kind) String() string {
	switch k {
	case KindMessage:
		return "message"
	case KindPresence:
		return "presence"
	case KindIQ:
		return "iq"
	}
	return "unknown"
}

// Header is what all stanzas share: the RFC 6120 §8.1 attributes.
type Header struct {
	// ID is the stanza's id attribute.
	ID string
	// From is the sender; the zero JID means the attribute is absent.
	From JID
	// To is the recipient; the zero JID means the attribute is absent.
	To JID
	// Type is the type attribute as sent ("" when absent).
	Type string
	// Lang is the xml:lang attribute ("" when absent).
	Lang string
	// Attrs are any other attributes on the stanza element, kept in order
	// so that extensions living in attributes survive a relay.
	Attrs []xml.Attr
}

// Message is a <message/> stanza (RFC 6120 §8.2.1).
type Message struct {
	Header
	// Children are the payload elements in document order.
	Children []Element
}

// Presence is a <presence/> stanza (RFC 6120 §8.2.2).
type Presence struct {
	Header
	// Children are the payload elements in document order.
	Children []Element
}

// IQ is an <iq/> stanza (RFC 6120 §8.2.3).
type IQ struct {
	Header
	// Children are the payload elements in document order.
	Children []Element
}

// Message types (RFC 6121 §5.2.2).
const (
	MessageChat      = "chat"
	MessageError     = "error"
	MessageGroupchat = "groupchat"
	MessageHeadline  = "headline"
	MessageNormal    = "normal"
)

// Presence types (RFC 6121 §4.7.1); "" is available presence.
const (
	PresenceAvailable    = ""
	PresenceUnavailable  = "unavailable"
	PresenceError        = "error"
	PresenceProbe        = "probe"
	PresenceSubscribe    = "subscribe"
	PresenceSubscribed   = "subscribed"
	PresenceUnsubscribe  = "unsubscribe"
	PresenceUnsubscribed = "unsubscribed"
)

// IQ types (RFC 6120 §8.2.3).
const (
	IQGet    = "get"
	IQSet    = "set"
	IQResult = "result"
	IQError  = "error"
)

// Kind implements Stanza.
func (*Message) Kind() Kind { return KindMessage }

// Kind implements Stanza.
func (*Presence) Kind() Kind { return KindPresence }

// Kind implements Stanza.
func (*IQ) Kind() Kind { return KindIQ }

// Head implements Stanza.
func (m *Message) Head() *Header { return &m.Header }

// Head implements Stanza.
func (p *Presence) Head() *Header { return &p.Header }

// Head implements Stanza.
func (q *IQ) Head() *Header { return &q.Header }

// Payload implements Stanza.
func (m *Message) Payload() []Element { return m.Children }

// Payload implements Stanza.
func (p *Presence) Payload() []Element { return p.Children }

// Payload implements Stanza.
func (q *IQ) Payload() []Element { return q.Children }

// SetPayload implements Stanza.
func (m *Message) SetPayload(c []Element) { m.Children = c }

// SetPayload implements Stanza.
func (p *Presence) SetPayload(c []Element) { p.Children = c }

// SetPayload implements Stanza.
func (q *IQ) SetPayload(c []Element) { q.Children = c }

// AppendXML implements Stanza.
func (m *Message) AppendXML(dst []byte) []byte { return Append(dst, m) }

// AppendXML implements Stanza.
func (p *Presence) AppendXML(dst []byte) []byte { return Append(dst, p) }

// AppendXML implements Stanza.
func (q *IQ) AppendXML(dst []byte) []byte { return Append(dst, q) }

// String returns the stanza's XML.
func (m *Message) String() string { return string(Append(nil, m)) }

// String returns the stanza's XML.
func (p *Presence) String() string { return string(Append(nil, p)) }

// String returns the stanza's XML.
func (q *IQ) String() string { return string(Append(nil, q)) }

// Child returns the first child with the given namespace ("" for the stanza
// namespace) and local name.
func Child(s Stanza, space, local string) (Element, bool) {
	for _, c := range s.Payload() {
		if c.Is(space, local) {
			return c, true
		}
	}
	return Element{}, false
}

// Children returns every child with the given namespace and local name.
func Children(s Stanza, space, local string) []Element {
	var out []Element
	for _, c := range s.Payload() {
		if c.Is(space, local) {
			out = append(out, c)
		}
	}
	return out
}

// Without returns a copy of the payload without the children with the given
// namespace and local name ("" local removes the whole namespace). The
// stanza itself is not modified.
func Without(payload []Element, space, local string) []Element {
	out := make([]Element, 0, len(payload))
	for _, c := range payload {
		if c.Name.Space == space && (local == "" || c.Name.Local == local) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// Clone returns a shallow copy of s: a new header and a new children slice
// holding the same (immutable) Elements.
func Clone(s Stanza) Stanza {
	switch v := s.(type) {
	case *Message:
		c := *v
		c.Attrs = append([]xml.Attr(nil), v.Attrs...)
		c.Children = append([]Element(nil), v.Children...)
		return &c
	case *Presence:
		c := *v
		c.Attrs = append([]xml.Attr(nil), v.Attrs...)
		c.Children = append([]Element(nil), v.Children...)
		return &c
	case *IQ:
		c := *v
		c.Attrs = append([]xml.Attr(nil), v.Attrs...)
		c.Children = append([]Element(nil), v.Children...)
		return &c
	}
	return nil
}

// Body returns the text of the first <body/> child and whether there is one.
func (m *Message) Body() (string, bool) {
	if e, ok := Child(m, "", "body"); ok {
		return e.Text(), true
	}
	return "", false
}

// Subject returns the text of the first <subject/> child and whether there
// is one (an empty subject is present and "").
func (m *Message) Subject() (string, bool) {
	if e, ok := Child(m, "", "subject"); ok {
		return e.Text(), true
	}
	return "", false
}

// Thread returns the text of the <thread/> child, "" when there is none.
func (m *Message) Thread() string {
	if e, ok := Child(m, "", "thread"); ok {
		return e.Text()
	}
	return ""
}

// Show returns the text of the <show/> child ("" for plain availability).
func (p *Presence) Show() string {
	if e, ok := Child(p, "", "show"); ok {
		return e.Text()
	}
	return ""
}

// Status returns the text of the first <status/> child.
func (p *Presence) Status() string {
	if e, ok := Child(p, "", "status"); ok {
		return e.Text()
	}
	return ""
}

// Query returns the IQ's payload element: the first child that is not an
// <error/>. An IQ of type get or set has exactly one (RFC 6120 §8.2.3).
func (q *IQ) Query() (Element, bool) {
	for _, c := range q.Children {
		if !c.Is("", "error") {
			return c, true
		}
	}
	return Element{}, false
}
