package stanza

import (
	"bytes"
	"encoding/xml"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Append appends the XML serialisation of s to dst and returns the result.
//
// The output is deterministic: attributes in the order from, to, id, type,
// xml:lang, then any others as decoded; values in single quotes; children
// byte for byte as kept. The stanza element carries no xmlns, so it takes
// the default namespace of the stream it is written to (jabber:client,
// jabber:server or jabber:component:accept), and so do children in the
// stanza namespace.
func Append(dst []byte, s Stanza) []byte {
	h := s.Head()
	name := s.Kind().String()
	dst = append(dst, '<')
	dst = append(dst, name...)
	if !h.From.IsZero() {
		dst = appendJIDAttr(dst, "from", h.From)
	}
	if !h.To.IsZero() {
		dst = appendJIDAttr(dst, "to", h.To)
	}
	if h.ID != "" {
		dst = appendAttr(dst, "id", h.ID)
	}
	if h.Type != "" {
		dst = appendAttr(dst, "type", h.Type)
	}
	if h.Lang != "" {
		dst = appendAttr(dst, "xml:lang", h.Lang)
	}
	dst = appendExtraAttrs(dst, h.Attrs)
	children := s.Payload()
	if len(children) == 0 {
		return append(dst, "/>"...)
	}
	dst = append(dst, '>')
	for _, c := range children {
		dst = append(dst, c.XML...)
	}
	dst = append(dst, "</"...)
	dst = append(dst, name...)
	return append(dst, '>')
}

// Encode returns the serialisation of s; see Append.
func Encode(s Stanza) []byte { return Append(make([]byte, 0, sizeHint(s)), s) }

// sizeHint estimates the length of s's serialisation, so that Encode
// allocates once in the common case.
func sizeHint(s Stanza) int {
	h := s.Head()
	n := 2*len("presence") + 5 + len(h.ID) + len(h.Type) + len(h.Lang) + 64
	n += len(h.From.s) + len(h.To.s)
	for _, a := range h.Attrs {
		n += len(a.Name.Local) + len(a.Value) + 8
	}
	for _, c := range s.Payload() {
		n += len(c.XML)
	}
	return n
}

// jidLen is the length of j's string form.
func jidLen(j JID) int { return len(j.s) }

// appendJIDAttr appends name='j' without building j's string first.
func appendJIDAttr(dst []byte, name string, j JID) []byte {
	dst = append(dst, ' ')
	dst = append(dst, name...)
	dst = append(dst, '=', '\'')
	dst = appendEscaped(dst, j.s, true)
	return append(dst, '\'')
}

// appendExtraAttrs writes the stanza's other attributes in order. An
// attribute in the XML namespace keeps its xml: prefix; one in any other
// namespace gets a prefix nsN declared just before its first use.
func appendExtraAttrs(dst []byte, attrs []xml.Attr) []byte {
	var spaces []string
	for _, a := range attrs {
		switch a.Name.Space {
		case "":
			dst = appendAttr(dst, a.Name.Local, a.Value)
		case nsXML:
			dst = appendAttr(dst, "xml:"+a.Name.Local, a.Value)
		default:
			n := slices.Index(spaces, a.Name.Space)
			if n < 0 {
				n = len(spaces)
				spaces = append(spaces, a.Name.Space)
				dst = appendAttr(dst, "xmlns:ns"+strconv.Itoa(n), a.Name.Space)
			}
			dst = appendAttr(dst, "ns"+strconv.Itoa(n)+":"+a.Name.Local, a.Value)
		}
	}
	return dst
}

func appendAttr(dst []byte, name, value string) []byte {
	dst = append(dst, ' ')
	dst = append(dst, name...)
	dst = append(dst, '=', '\'')
	dst = appendEscaped(dst, value, true)
	return append(dst, '\'')
}

// AppendEscaped appends s to dst escaped as Encode and the Element
// builders escape text: as character data, or, when attr is set, as the
// value of a single-quoted attribute. Payload builders outside this
// package use it to give the same bytes.
func AppendEscaped(dst []byte, s string, attr bool) []byte {
	return appendEscaped(dst, s, attr)
}

// appendEscaped escapes s for character data or (attr) a single-quoted
// attribute value. White space other than ' ' is written as a character
// reference in attributes so that attribute-value normalisation keeps it.
// Characters XML 1.0 does not allow become U+FFFD.
func appendEscaped[T string | []byte](dst []byte, s T, attr bool) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		var esc string
		width := 1
		switch {
		case c == '&':
			esc = "&amp;"
		case c == '<':
			esc = "&lt;"
		case c == '>':
			esc = "&gt;"
		case c == '\'' && attr:
			esc = "&apos;"
		case c == '"' && attr:
			esc = "&quot;"
		case c == '\r':
			esc = "&#xD;"
		case c == '\n' && attr:
			esc = "&#xA;"
		case c == '\t' && attr:
			esc = "&#x9;"
		case c < 0x20 && c != '\n' && c != '\t':
			esc = "\uFFFD"
		case c >= utf8.RuneSelf:
			r, n := decodeRune(s[i:])
			width = n
			if !isXMLChar(r) || (r == utf8.RuneError && n == 1) {
				esc = "\uFFFD"
			}
		}
		if esc != "" {
			dst = append(dst, s[last:i]...)
			dst = append(dst, esc...)
			last = i + width
		}
		i += width
	}
	return append(dst, s[last:]...)
}

// isXMLChar reports whether r is allowed by XML 1.0 §2.2 (non-ASCII part).
func isXMLChar(r rune) bool {
	return r >= 0x80 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func escapeText(b *bytes.Buffer, s string) {
	b.Write(appendEscaped(b.AvailableBuffer(), s, false))
}

func escapeTextBytes(b *bytes.Buffer, s []byte) {
	b.Write(appendEscaped(b.AvailableBuffer(), s, false))
}

// decodeRune is utf8.DecodeRune for either kind of byte string.
func decodeRune[T string | []byte](s T) (rune, int) {
	switch v := any(s).(type) {
	case string:
		return utf8.DecodeRuneInString(v)
	case []byte:
		return utf8.DecodeRune(v)
	}
	return utf8.RuneError, 1
}

func escapeAttr(b *bytes.Buffer, s string) {
	b.Write(appendEscaped(b.AvailableBuffer(), s, true))
}

// xmlBuilder writes payload elements directly in canonical form (single
// quotes, empty elements self-closed, children inheriting their parent's
// namespace): the form ParseElement gives. It cannot fail, whatever the
// size of what it writes.
type xmlBuilder struct{ b []byte }

// start writes '<name', with an xmlns when space is not "".
func (w *xmlBuilder) start(name, space string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	if space != "" {
		w.b = appendAttr(w.b, "xmlns", space)
	}
}

// attr writes name='value' when value is not "".
func (w *xmlBuilder) attr(name, value string) {
	if value != "" {
		w.b = appendAttr(w.b, name, value)
	}
}

// jid writes name='j' when j is not nil (even for a zero JID, as
// encoding/xml does).
func (w *xmlBuilder) jid(name string, j *JID) {
	if j != nil {
		w.b = appendAttr(w.b, name, j.String())
	}
}

// content ends the start tag; the returned mark is for end.
func (w *xmlBuilder) content() int {
	w.b = append(w.b, '>')
	return len(w.b)
}

// end closes the element started with content at mark: '/>' when nothing
// was written since, else '</name>'.
func (w *xmlBuilder) end(name string, mark int) {
	if len(w.b) == mark {
		w.b = append(w.b[:mark-1], "/>"...)
		return
	}
	w.b = append(w.b, "</"...)
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

// chardata writes escaped character data.
func (w *xmlBuilder) chardata(s string) { w.b = appendEscaped(w.b, s, false) }

// text writes <name>s</name> (<name/> when s is "").
func (w *xmlBuilder) text(name, s string) {
	w.start(name, "")
	m := w.content()
	w.chardata(s)
	w.end(name, m)
}

// optText is text, omitted when s is "" (omitempty).
func (w *xmlBuilder) optText(name, s string) {
	if s != "" {
		w.text(name, s)
	}
}

// empty writes <name/>.
func (w *xmlBuilder) empty(name string) {
	w.start(name, "")
	w.b = append(w.b, "/>"...)
}

func (w *xmlBuilder) element(space, local string) Element {
	return Element{Name: xml.Name{Space: space, Local: local}, XML: w.b}
}
