package stanza

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Namespaces of the stanza element itself. Children in any of these (or in
// no namespace) are in "the stanza namespace" and are kept with an empty
// Element.Name.Space.
const (
	NSClient    = "jabber:client"
	NSServer    = "jabber:server"
	NSComponent = "jabber:component:accept"
	nsXML       = "http://www.w3.org/XML/1998/namespace"
)

// Limits bound what the decoder accepts from the network. Zero fields take
// the defaults.
type Limits struct {
	// MaxSize is the largest stanza, in bytes of input, that is decoded.
	// Default 256 KiB (RFC 6120 §13.12 asks for at least 10,000 bytes).
	MaxSize int64
	// MaxDepth is the deepest element nesting accepted, the stanza element
	// being depth 1. Default 32.
	MaxDepth int
}

// DefaultLimits are the limits used when a field of Limits is zero.
var DefaultLimits = Limits{MaxSize: 256 << 10, MaxDepth: 32}

func (l Limits) withDefaults() Limits {
	if l.MaxSize <= 0 {
		l.MaxSize = DefaultLimits.MaxSize
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultLimits.MaxDepth
	}
	return l
}

// Errors the decoder wraps in a *DecodeError.
var (
	// ErrTooLarge: the stanza is bigger than Limits.MaxSize.
	ErrTooLarge = errors.New("stanza: too large")
	// ErrTooDeep: the stanza nests deeper than Limits.MaxDepth.
	ErrTooDeep = errors.New("stanza: nested too deep")
	// ErrNotStanza: the element is not a message, presence or iq.
	ErrNotStanza = errors.New("stanza: not a stanza element")
	// ErrInvalid: the element is XML but not a valid stanza (bad address,
	// bad IQ type, missing IQ id).
	ErrInvalid = errors.New("stanza: invalid stanza")
)

// DecodeError reports a stanza that could not be decoded. When Aligned is
// true the whole element was consumed, so a stream decoder can go on to the
// next stanza; Reply then builds the error stanza to send back, if any.
type DecodeError struct {
	// Kind is the stanza kind when the element was message, presence or iq.
	Kind Kind
	// ID, From, To and Type are the raw attribute values, as far as read.
	ID, From, To, Type string
	// Condition is the RFC 6120 stanza error condition that fits.
	Condition Condition
	// Aligned is true when the decoder consumed the whole element.
	Aligned bool
	// Err is the cause: ErrTooLarge, ErrTooDeep, ErrNotStanza, ErrInvalid
	// (possibly wrapping a JID error) or an XML syntax error.
	Err error
}

// Error implements error.
func (e *DecodeError) Error() string {
	name := e.Kind.String()
	return fmt.Sprintf("stanza: decoding <%s id=%q from=%q>: %v", name, e.ID, e.From, e.Err)
}

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// Reply builds the error stanza that answers the undecodable stanza, or
// reports false when none should be sent: errors are never answered with
// errors (RFC 6120 §8.3.1), the sender's address must be usable (so a
// malformed 'from' cannot be answered), the kind must be known, and an IQ
// must have had an id.
func (e *DecodeError) Reply() (Stanza, bool) {
	if e.Kind == 0 || e.Type == "error" {
		return nil, false
	}
	if e.Kind == KindIQ && e.ID == "" {
		// RFC 6120 §8.1.3: a response carries the request's id; an IQ
		// error without one would be invalid itself.
		return nil, false
	}
	to, err := Parse(e.From)
	if err != nil {
		return nil, false
	}
	from, _ := Parse(e.To) // a bad 'to' leaves the reply without 'from'
	h := Header{ID: e.ID, From: from, To: to, Type: "error"}
	errEl := (&Error{Type: e.Condition.DefaultType(), Condition: e.Condition, Text: e.Err.Error()}).Element()
	switch e.Kind {
	case KindMessage:
		return &Message{Header: h, Children: []Element{errEl}}, true
	case KindPresence:
		return &Presence{Header: h, Children: []Element{errEl}}, true
	default:
		return &IQ{Header: h, Children: []Element{errEl}}, true
	}
}

// Decode decodes one stanza from b with the default limits.
func Decode(b []byte) (Stanza, error) { return DecodeLimits(b, Limits{}) }

// DecodeLimits decodes one stanza from b. XML declarations, comments and
// white space before and after the stanza are skipped; anything else
// around it (text, a second element, a DTD) is an error.
func DecodeLimits(b []byte, lim Limits) (Stanza, error) {
	lim = lim.withDefaults()
	if int64(len(b)) > lim.MaxSize {
		return nil, &DecodeError{Condition: PolicyViolation, Err: ErrTooLarge}
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, &DecodeError{Condition: BadRequest, Err: err}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			s, err := DecodeElement(d, t, lim)
			if err != nil {
				return nil, err
			}
			if err := onlyMisc(d); err != nil {
				return nil, &DecodeError{Condition: BadRequest, Err: fmt.Errorf("%w: after the stanza: %w", ErrInvalid, err)}
			}
			return s, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return nil, &DecodeError{Condition: BadRequest, Err: fmt.Errorf("%w: text before the stanza", ErrInvalid)}
			}
		case xml.Directive:
			// RFC 6120 §11.1: no DTDs in XMPP.
			return nil, &DecodeError{Condition: BadRequest, Err: fmt.Errorf("%w: DTD or directive before the stanza", ErrInvalid)}
		}
	}
}

// DecodeElement decodes the stanza whose start tag the caller has just read
// from d with d.Token() (as a stream reader does for each top-level element
// of an XMPP stream). On success, and on any *DecodeError whose Aligned is
// true, d is positioned after the element's end tag.
//
// MaxSize is checked after each token (the start tag's size is estimated),
// so one huge token is read whole before it is refused: a transport should
// also bound what it reads from the network.
func DecodeElement(d *xml.Decoder, start xml.StartElement, lim Limits) (Stanza, error) {
	lim = lim.withDefaults()
	// The start tag has been read already; count its approximate size
	// against MaxSize too.
	r := reader{dec: d, lim: lim, begin: d.InputOffset() - startTagSize(start), stanzaNS: start.Name.Space}
	return r.stanza(start)
}

// startTagSize estimates the length in bytes of start as it was sent.
func startTagSize(start xml.StartElement) int64 {
	n := len(start.Name.Local) + 2
	for _, a := range start.Attr {
		n += len(a.Name.Local) + len(a.Value) + 4
	}
	return int64(n)
}

type reader struct {
	dec   *xml.Decoder
	lim   Limits
	begin int64
	// stanzaNS is the namespace of the enclosing stanza element.
	stanzaNS string
	buf      bytes.Buffer
	// scope is the stack of prefix declarations written so far in the
	// element being serialised.
	scope []prefixDecl
	// outer are the prefix declarations made on the stanza element itself.
	// A child that uses one of them gets it re-declared on its own start
	// tag, since an Element must be self-contained.
	outer []prefixDecl
}

type prefixDecl struct {
	prefix, uri string
	depth       int
}

func (r *reader) stanza(start xml.StartElement) (Stanza, error) {
	de := &DecodeError{Condition: BadRequest}
	switch start.Name.Local {
	case "message":
		de.Kind = KindMessage
	case "presence":
		de.Kind = KindPresence
	case "iq":
		de.Kind = KindIQ
	}
	if !isStanzaNS(start.Name.Space) {
		de.Kind = 0
	}
	var h Header
	startErr := checkStart(start)
	for _, a := range start.Attr {
		switch {
		case a.Name.Space == "" && a.Name.Local == "id":
			h.ID, de.ID = a.Value, a.Value
		case a.Name.Space == "" && a.Name.Local == "from":
			de.From = a.Value
		case a.Name.Space == "" && a.Name.Local == "to":
			de.To = a.Value
		case a.Name.Space == "" && a.Name.Local == "type":
			h.Type, de.Type = a.Value, a.Value
		case a.Name.Space == nsXML && a.Name.Local == "lang":
			h.Lang = a.Value
		case a.Name.Space == "xmlns":
			// Prefix declarations are re-derived on output; remember them
			// for the children that use them.
			r.outer = append(r.outer, prefixDecl{prefix: a.Name.Local, uri: a.Value})
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			// The default namespace is that of the stream on output.
		default:
			h.Attrs = append(h.Attrs, a)
		}
	}
	children, err := r.children(start)
	if err != nil {
		de.Err = err
		de.Aligned = consumed(err)
		if errors.Is(err, ErrTooLarge) {
			de.Condition = PolicyViolation
		}
		return nil, de
	}
	de.Aligned = true
	if startErr != nil {
		de.Err = startErr
		return nil, de
	}
	if de.Kind == 0 {
		de.Condition = FeatureNotImplemented
		de.Err = fmt.Errorf("%w: <%s xmlns=%q>", ErrNotStanza, start.Name.Local, start.Name.Space)
		return nil, de
	}
	if h.From, err = parseAttrJID(de.From); err != nil {
		de.Condition, de.Err = JIDMalformed, fmt.Errorf("%w: from: %w", ErrInvalid, err)
		return nil, de
	}
	if h.To, err = parseAttrJID(de.To); err != nil {
		de.Condition, de.Err = JIDMalformed, fmt.Errorf("%w: to: %w", ErrInvalid, err)
		return nil, de
	}
	switch de.Kind {
	case KindMessage:
		return &Message{Header: h, Children: children}, nil
	case KindPresence:
		return &Presence{Header: h, Children: children}, nil
	}
	// RFC 6120 §8.1.3 and §8.2.3: an IQ has an id and one of four types.
	switch h.Type {
	case IQGet, IQSet, IQResult, IQError:
	default:
		de.Err = fmt.Errorf("%w: iq type %q", ErrInvalid, h.Type)
		return nil, de
	}
	if h.ID == "" {
		de.Err = fmt.Errorf("%w: iq without id", ErrInvalid)
		return nil, de
	}
	return &IQ{Header: h, Children: children}, nil
}

func parseAttrJID(s string) (JID, error) {
	if s == "" {
		return JID{}, nil
	}
	return Parse(s)
}

func isStanzaNS(ns string) bool {
	return ns == "" || ns == NSClient || ns == NSServer || ns == NSComponent
}

// children reads up to and including the end tag of start, returning its
// child elements. On ErrTooLarge or ErrTooDeep it still consumes the rest of
// the element so that a stream stays aligned.
func (r *reader) children(start xml.StartElement) ([]Element, error) {
	var out []Element
	var limitErr error
	for {
		tok, err := r.dec.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		if limitErr == nil && r.dec.InputOffset()-r.begin > r.lim.MaxSize {
			limitErr = ErrTooLarge
		}

		switch t := tok.(type) {
		case xml.StartElement:
			if limitErr != nil {
				if err := r.dec.Skip(); err != nil {
					return nil, err
				}
				continue
			}
			e, err := r.child(t, start.Name.Space, 2)
			if err != nil {
				if consumed(err) {
					limitErr = err
					continue
				}
				return nil, err
			}
			out = append(out, e)
		case xml.EndElement:
			if limitErr != nil {
				return nil, limitErr
			}
			return out, nil
		}
		// Character data between children is insignificant; comments,
		// processing instructions and directives are not allowed in
		// stanzas (RFC 6120 §11.1) and are dropped.
	}
}

// child serialises the element whose start tag was just read, with all its
// descendants, into a self-contained Element. stanzaNS is the namespace of
// the enclosing stanza ("" when there is none).
func (r *reader) child(start xml.StartElement, stanzaNS string, depth int) (Element, error) {
	r.buf.Reset()
	r.scope = r.scope[:0]
	name := start.Name
	if isStanzaNS(name.Space) || name.Space == stanzaNS {
		name.Space = ""
	}
	if err := r.element(start, name.Space, depth, ""); err != nil {
		return Element{}, err
	}
	b := make([]byte, r.buf.Len())
	copy(b, r.buf.Bytes())
	return Element{Name: name, XML: b}, nil
}

// element writes start, its content and its end tag. parentNS is the
// default namespace in force in the output at this point.
func (r *reader) element(start xml.StartElement, ns string, depth int, parentNS string) error {
	if depth > r.lim.MaxDepth {
		if err := r.dec.Skip(); err != nil {
			return err
		}
		return ErrTooDeep
	}
	if err := checkStart(start); err != nil {
		if serr := r.dec.Skip(); serr != nil {
			return serr
		}
		return err
	}
	// Prefix declarations made on this element are in scope for its name
	// and attributes.
	mark := len(r.scope)
	for _, a := range start.Attr {
		if a.Name.Space == "xmlns" && a.Name.Local != "" {
			r.scope = append(r.scope, prefixDecl{prefix: a.Name.Local, uri: a.Value, depth: depth})
		}
	}
	b := &r.buf
	b.WriteByte('<')
	qname := start.Name.Local
	declareDefault := false
	if ns != parentNS {
		p := ""
		if !hasDefaultDecl(start) {
			p = r.usablePrefix(ns, mark, depth)
		}
		if p != "" {
			qname = p + ":" + start.Name.Local
			ns = parentNS // the default namespace does not change
		} else {
			declareDefault = true
		}
	}
	// Prefixes for namespaced attributes, declaring any that are missing,
	// so that every declaration is written ahead of the attributes: the
	// canonical form a second decode reproduces.
	var prefixes []string
	for _, a := range start.Attr {
		if a.Name.Space == "" || a.Name.Space == "xmlns" || a.Name.Space == nsXML {
			continue
		}
		p := r.usablePrefix(a.Name.Space, mark, depth)
		if p == "" {
			p = r.freshPrefix()
			r.scope = append(r.scope, prefixDecl{prefix: p, uri: a.Name.Space, depth: depth})
		}
		prefixes = append(prefixes, p)
	}
	b.WriteString(qname)
	if declareDefault {
		b.WriteString(" xmlns='")
		escapeAttr(b, ns)
		b.WriteByte('\'')
	}
	for _, d := range r.scope[mark:] {
		// The element's own declarations, then those borrowed from the
		// stanza element or generated for attributes.
		b.WriteString(" xmlns:")
		b.WriteString(d.prefix)
		b.WriteString("='")
		escapeAttr(b, d.uri)
		b.WriteByte('\'')
	}
	for _, a := range start.Attr {
		switch {
		case a.Name.Space == "xmlns", a.Name.Space == "" && a.Name.Local == "xmlns":
			continue
		case a.Name.Space == "":
			b.WriteByte(' ')
			b.WriteString(a.Name.Local)
		case a.Name.Space == nsXML:
			b.WriteString(" xml:")
			b.WriteString(a.Name.Local)
		default:
			b.WriteByte(' ')
			b.WriteString(prefixes[0])
			prefixes = prefixes[1:]
			b.WriteByte(':')
			b.WriteString(a.Name.Local)
		}
		b.WriteString("='")
		escapeAttr(b, a.Value)
		b.WriteByte('\'')
	}
	open := true // the start tag still lacks its closing '>'
	for {
		tok, err := r.dec.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
		if r.dec.InputOffset()-r.begin > r.lim.MaxSize {
			return r.abandon(tok, ErrTooLarge)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if open {
				b.WriteByte('>')
				open = false
			}
			cns := t.Name.Space
			if ns == "" && isStanzaNS(cns) || cns == r.stanzaNS && ns == "" {
				cns = ""
			}
			if err := r.element(t, cns, depth+1, ns); err != nil {
				if consumed(err) {
					// The child consumed itself; consume the rest of this one.
					if serr := r.dec.Skip(); serr != nil {
						return serr
					}
				}
				return err
			}
		case xml.CharData:
			if len(t) == 0 {
				continue
			}
			if open {
				b.WriteByte('>')
				open = false
			}
			escapeTextBytes(b, t)
		case xml.EndElement:
			if open {
				b.WriteString("/>")
			} else {
				b.WriteString("</")
				b.WriteString(qname)
				b.WriteByte('>')
			}
			r.scope = r.scope[:mark]
			return nil
		}
	}
}

// abandon consumes the rest of the element being written, given the token
// just read inside it, and returns cause.
func (r *reader) abandon(tok xml.Token, cause error) error {
	switch tok.(type) {
	case xml.EndElement:
		return cause
	case xml.StartElement:
		if err := r.dec.Skip(); err != nil { // the child just opened
			return err
		}
	}
	if err := r.dec.Skip(); err != nil { // the element itself
		return err
	}
	return cause
}

// errNotWellFormed is wrapped by the errors of checkStart.
var errNotWellFormed = fmt.Errorf("%w: XML not namespace-well-formed", ErrInvalid)

// consumed reports whether err came from an element that the decoder read
// to its end before giving up, so that the stream is still aligned.
func consumed(err error) bool {
	return errors.Is(err, ErrTooLarge) || errors.Is(err, ErrTooDeep) || errors.Is(err, errNotWellFormed)
}

// checkStart rejects what encoding/xml lets through but XML 1.0 and
// Namespaces in XML 1.0 forbid, so that the encoder never writes XML a
// server would close the stream over: duplicate attributes, names with an
// empty prefix or local part, reserved prefixes misused, a prefix
// undeclared with an empty xmlns:p.
func checkStart(start xml.StartElement) error {
	bad := func(what string, n xml.Name) error {
		return fmt.Errorf("%w: %s %q", errNotWellFormed, what, n.Space+" "+n.Local)
	}
	if !isLocalName(start.Name.Local) || start.Name.Space == "xmlns" || start.Name.Space == nsXML {
		return bad("element name", start.Name)
	}
	for i, a := range start.Attr {
		if !isLocalName(a.Name.Local) {
			return bad("attribute name", a.Name)
		}
		for _, b := range start.Attr[:i] {
			if b.Name == a.Name {
				return bad("duplicate attribute", a.Name)
			}
		}
		switch {
		case a.Name.Space == "xmlns":
			if a.Value == "" || a.Name.Local == "xmlns" || (a.Name.Local == "xml") != (a.Value == nsXML) || a.Value == nsXMLNS {
				return bad("namespace declaration", a.Name)
			}
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			if a.Value == nsXML || a.Value == nsXMLNS {
				return bad("namespace declaration", a.Name)
			}
		}
	}
	return nil
}

// nsXMLNS is the namespace Namespaces in XML 1.0 §3 reserves for xmlns.
const nsXMLNS = "http://www.w3.org/2000/xmlns/"

// isLocalName reports whether s can be the local part of a qualified name
// (an NCName). encoding/xml has checked the characters of the whole
// qualified name, but lets "a:", ":a" and "a:0" through: the part after the
// colon must start like a name too.
func isLocalName(s string) bool {
	if s == "" || strings.Contains(s, ":") {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Nl, r)
}

func hasDefaultDecl(start xml.StartElement) bool {
	for _, a := range start.Attr {
		if a.Name.Space == "" && a.Name.Local == "xmlns" {
			return true
		}
	}
	return false
}

// usablePrefix returns a prefix bound to uri for use on the element being
// written at depth: one already declared in the output, or else one the
// stanza element declared, which is then declared again here (appended to
// r.scope; the caller writes it). mark is where this element's own
// declarations start in r.scope. It returns "" when there is none.
func (r *reader) usablePrefix(uri string, mark, depth int) string {
	if p := r.prefixFor(uri); p != "" {
		return p
	}
	if uri == "" {
		return ""
	}
outer:
	for i := len(r.outer) - 1; i >= 0; i-- {
		d := r.outer[i]
		if d.uri != uri || d.prefix == "" || d.prefix == "xml" || d.prefix == "xmlns" {
			continue
		}
		// The element's own declarations win over the stanza's.
		for _, own := range r.scope[mark:] {
			if own.prefix == d.prefix {
				continue outer
			}
		}
		r.scope = append(r.scope, prefixDecl{prefix: d.prefix, uri: uri, depth: depth})
		return d.prefix
	}
	return ""
}

// freshPrefix returns a prefix of the form nsN that is bound nowhere in the
// output scope.
func (r *reader) freshPrefix() string {
	for n := 0; ; n++ {
		p := "ns" + strconv.Itoa(n)
		used := false
		for _, d := range r.scope {
			if d.prefix == p {
				used = true
				break
			}
		}
		if !used {
			return p
		}
	}
}

// prefixFor returns the innermost prefix declared in the output for uri.
func (r *reader) prefixFor(uri string) string {
	if uri == "" {
		return ""
	}
	for i := len(r.scope) - 1; i >= 0; i-- {
		if r.scope[i].uri == uri {
			// A prefix is usable only if it is not shadowed further in.
			p := r.scope[i].prefix
			shadowed := false
			for _, d := range r.scope[i+1:] {
				if d.prefix == p {
					shadowed = true
				}
			}
			if !shadowed {
				return p
			}
		}
	}
	return ""
}
