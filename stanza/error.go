package stanza

import (
	"bytes"
	"encoding/xml"
	"fmt"
)

// NSStanzas is the namespace of RFC 6120 §8.3 stanza error conditions.
const NSStanzas = "urn:ietf:params:xml:ns:xmpp-stanzas"

// ErrorType is the type attribute of a stanza <error/> (RFC 6120 §8.3.2).
// The zero value is unset; Error.Element falls back to the condition's
// default type.
type ErrorType string

// The five error types of RFC 6120 §8.3.2.
const (
	ErrorAuth     ErrorType = "auth"
	ErrorCancel   ErrorType = "cancel"
	ErrorContinue ErrorType = "continue"
	ErrorModify   ErrorType = "modify"
	ErrorWait     ErrorType = "wait"
)

// Condition is a defined stanza error condition (RFC 6120 §8.3.3).
type Condition string

// The defined conditions of RFC 6120 §8.3.3.
const (
	BadRequest            Condition = "bad-request"
	Conflict              Condition = "conflict"
	FeatureNotImplemented Condition = "feature-not-implemented"
	Forbidden             Condition = "forbidden"
	Gone                  Condition = "gone"
	InternalServerError   Condition = "internal-server-error"
	ItemNotFound          Condition = "item-not-found"
	JIDMalformed          Condition = "jid-malformed"
	NotAcceptable         Condition = "not-acceptable"
	NotAllowed            Condition = "not-allowed"
	NotAuthorized         Condition = "not-authorized"
	PolicyViolation       Condition = "policy-violation"
	RecipientUnavailable  Condition = "recipient-unavailable"
	Redirect              Condition = "redirect"
	RegistrationRequired  Condition = "registration-required"
	RemoteServerNotFound  Condition = "remote-server-not-found"
	RemoteServerTimeout   Condition = "remote-server-timeout"
	ResourceConstraint    Condition = "resource-constraint"
	ServiceUnavailable    Condition = "service-unavailable"
	SubscriptionRequired  Condition = "subscription-required"
	UndefinedCondition    Condition = "undefined-condition"
	UnexpectedRequest     Condition = "unexpected-request"
)

// Conditions lists every defined condition, in RFC 6120 order.
var Conditions = []Condition{
	BadRequest, Conflict, FeatureNotImplemented, Forbidden, Gone,
	InternalServerError, ItemNotFound, JIDMalformed, NotAcceptable, NotAllowed,
	NotAuthorized, PolicyViolation, RecipientUnavailable, Redirect,
	RegistrationRequired, RemoteServerNotFound, RemoteServerTimeout,
	ResourceConstraint, ServiceUnavailable, SubscriptionRequired,
	UndefinedCondition, UnexpectedRequest,
}

// DefaultType returns the error type RFC 6120 §8.3.3 gives in its examples
// for the condition.
func (c Condition) DefaultType() ErrorType {
	switch c {
	case BadRequest, JIDMalformed, NotAcceptable, PolicyViolation, Redirect:
		return ErrorModify
	case Forbidden, NotAuthorized, RegistrationRequired, SubscriptionRequired:
		return ErrorAuth
	case RemoteServerTimeout, ResourceConstraint, RecipientUnavailable, InternalServerError:
		return ErrorWait
	case UnexpectedRequest:
		return ErrorWait
	}
	return ErrorCancel
}

// Defined reports whether c is one of the RFC 6120 conditions.
func (c Condition) Defined() bool {
	for _, d := range Conditions {
		if d == c {
			return true
		}
	}
	return false
}

// Error is a stanza error (RFC 6120 §8.3): the <error/> child of a stanza
// of type "error". It implements the error interface so that it can be
// returned and matched with errors.As.
type Error struct {
	// Type is the error type; "" means the condition's DefaultType.
	Type ErrorType
	// Condition is the defined condition.
	Condition Condition
	// Text is the optional human-readable description.
	Text string
	// Lang is the xml:lang of Text.
	Lang string
	// By is the entity that generated the error (RFC 6120 §8.3.2), if set.
	By JID
	// Redirect is the character data of <gone/> or <redirect/>: the new
	// address (RFC 6120 §8.3.3.5 and §8.3.3.14).
	Redirect string
	// App is an application-specific condition element, if any.
	App *Element
}

// NewError returns an Error with the condition's default type and text.
func NewError(c Condition, text string) *Error {
	return &Error{Type: c.DefaultType(), Condition: c, Text: text}
}

// Error implements error.
func (e *Error) Error() string {
	if e.Text != "" {
		return fmt.Sprintf("stanza error %s/%s: %s", e.errType(), e.Condition, e.Text)
	}
	return fmt.Sprintf("stanza error %s/%s", e.errType(), e.Condition)
}

func (e *Error) errType() ErrorType {
	if e.Type != "" {
		return e.Type
	}
	return e.Condition.DefaultType()
}

// Element serialises the error as the <error/> child of a stanza.
func (e *Error) Element() Element {
	var b bytes.Buffer
	b.WriteString("<error type='")
	escapeAttr(&b, string(e.errType()))
	b.WriteByte('\'')
	if !e.By.IsZero() {
		b.WriteString(" by='")
		escapeAttr(&b, e.By.String())
		b.WriteByte('\'')
	}
	b.WriteString("><")
	cond := e.Condition
	if !isConditionName(string(cond)) {
		// An empty or unwritable condition: RFC 6120 §8.3.3.21.
		cond = UndefinedCondition
	}
	b.WriteString(string(cond))
	b.WriteString(" xmlns='" + NSStanzas + "'")
	if e.Redirect != "" {
		b.WriteByte('>')
		escapeText(&b, e.Redirect)
		b.WriteString("</")
		b.WriteString(string(cond))
		b.WriteByte('>')
	} else {
		b.WriteString("/>")
	}
	if e.Text != "" {
		b.WriteString("<text xmlns='" + NSStanzas + "'")
		if e.Lang != "" {
			b.WriteString(" xml:lang='")
			escapeAttr(&b, e.Lang)
			b.WriteByte('\'')
		}
		b.WriteByte('>')
		escapeText(&b, e.Text)
		b.WriteString("</text>")
	}
	if e.App != nil {
		b.Write(e.App.XML)
	}
	b.WriteString("</error>")
	return Element{Name: xml.Name{Local: "error"}, XML: b.Bytes()}
}

// ParseError decodes an <error/> child. Unknown conditions are kept as they
// are (Condition.Defined reports false for them); the first child outside
// the stanzas namespace is the application condition.
func ParseError(el Element) (*Error, error) {
	var raw struct {
		Type  string `xml:"type,attr"`
		By    string `xml:"by,attr"`
		Inner []struct {
			XMLName xml.Name
			Lang    string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
			Text    string `xml:",chardata"`
			Raw     []byte `xml:",innerxml"`
		} `xml:",any"`
	}
	if err := el.Decode(&raw); err != nil {
		return nil, err
	}
	e := &Error{Type: ErrorType(raw.Type)}
	e.By, _ = Parse(raw.By)
	for i, in := range raw.Inner {
		switch {
		case in.XMLName.Space == NSStanzas && in.XMLName.Local == "text":
			e.Text, e.Lang = in.Text, in.Lang
		case in.XMLName.Space == NSStanzas && e.Condition == "":
			e.Condition = Condition(in.XMLName.Local)
			if e.Condition == Gone || e.Condition == Redirect {
				e.Redirect = in.Text
			}
		case in.XMLName.Space != NSStanzas && e.App == nil:
			app, err := childAt(el, i)
			if err == nil {
				e.App = &app
			}
		}
	}
	if e.Condition == "" {
		e.Condition = UndefinedCondition
	}
	return e, nil
}

// childAt re-parses el and returns its i-th child element.
func childAt(el Element, i int) (Element, error) {
	d := xml.NewDecoder(bytes.NewReader(el.XML))
	depth, n := 0, -1
	for {
		tok, err := d.Token()
		if err != nil {
			return Element{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == 2 {
				n++
				if n == i {
					r := reader{dec: d, lim: Limits{}.withDefaults(), begin: d.InputOffset()}
					return r.child(t, "", 2)
				}
			}
		case xml.EndElement:
			depth--
		}
	}
}

// ErrorOf returns the stanza's <error/> as an *Error, if it has one.
func ErrorOf(s Stanza) (*Error, bool) {
	el, ok := Child(s, "", "error")
	if !ok {
		return nil, false
	}
	e, err := ParseError(el)
	if err != nil {
		return nil, false
	}
	return e, true
}

// ErrorReply builds the error response to s (RFC 6120 §8.3.1): from and to
// swapped, the same id, type "error", the original payload kept (except any
// previous <error/>), and e appended. s is not modified. Callers must not
// answer a stanza of type "error" with an error; ErrorReply returns nil for
// one. A nil e stands for undefined-condition.
func ErrorReply(s Stanza, e *Error) Stanza {
	h := s.Head()
	if h.Type == "error" {
		return nil
	}
	if e == nil {
		e = &Error{Condition: UndefinedCondition}
	}
	rh := Header{ID: h.ID, From: h.To, To: h.From, Type: "error", Lang: h.Lang}
	payload := make([]Element, 0, len(s.Payload())+1)
	for _, c := range s.Payload() {
		if !c.Is("", "error") {
			payload = append(payload, c)
		}
	}
	payload = append(payload, e.Element())
	switch s.Kind() {
	case KindMessage:
		return &Message{Header: rh, Children: payload}
	case KindPresence:
		return &Presence{Header: rh, Children: payload}
	default:
		return &IQ{Header: rh, Children: payload}
	}
}

// isConditionName reports whether s can be written as a condition element
// name: an ASCII letter followed by letters, digits, '-', '_' or '.'.
func isConditionName(s string) bool {
	if s == "" || !('a' <= s[0] && s[0] <= 'z' || 'A' <= s[0] && s[0] <= 'Z') {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLDH(c) && c != '_' && c != '.' {
			return false
		}
	}
	return true
}
