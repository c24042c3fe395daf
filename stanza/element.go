package stanza

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// Element is one child element of a stanza (a payload), kept as a complete,
// self-contained piece of XML so that payloads this library does not
// understand (XHTML-IM, OMEMO, reactions, receipts...) are relayed intact.
//
// Name.Space is "" for children in the stanza's own namespace (body,
// subject, thread, error, show, status, priority); such children are
// serialised without an xmlns attribute so that they take the namespace of
// whatever stream carries them. Any other child carries its xmlns on its
// own start tag, and every namespace prefix it uses is declared inside it.
//
// An Element is immutable once built: stanzas share Elements freely (a room
// fans one message out to a thousand occupants without copying payloads), so
// never modify XML in place.
type Element struct {
	// Name is the element's namespace and local name.
	Name xml.Name
	// XML is the element's serialisation, start tag to end tag.
	XML []byte
}

// Is reports whether e has the given namespace and local name.
func (e Element) Is(space, local string) bool {
	return e.Name.Local == local && e.Name.Space == space
}

// Decode unmarshals the element into v with encoding/xml.
func (e Element) Decode(v any) error {
	if err := xml.Unmarshal(e.XML, v); err != nil {
		return fmt.Errorf("stanza: decoding <%s xmlns=%q>: %w", e.Name.Local, e.Name.Space, err)
	}
	return nil
}

// Text returns the character data directly inside the element (not inside
// its children), as for <body/> or <subject/>.
func (e Element) Text() string {
	var v struct {
		Text string `xml:",chardata"`
	}
	if err := xml.Unmarshal(e.XML, &v); err != nil {
		return ""
	}
	return v.Text
}

// String returns the element's XML.
func (e Element) String() string { return string(e.XML) }

// NewElement marshals v with encoding/xml into an Element. v must marshal to
// exactly one element; its XMLName gives the namespace (a struct without a
// namespace yields a stanza-namespace child).
func NewElement(v any) (Element, error) {
	b, err := xml.Marshal(v)
	if err != nil {
		return Element{}, fmt.Errorf("stanza: encoding payload: %w", err)
	}
	return ParseElement(b)
}

// MustElement is like NewElement but panics on error. It is meant for
// constant payloads only: NewElement re-parses what it marshals under the
// decoder's default Limits, so anything built from what users send can
// fail to fit. Payload types of this package have an Element method that
// cannot fail instead (Form.Element, MUCUser.Element, MUCAdmin.Element,
// MUCOwner.Element, FMUC.Element).
func MustElement(v any) Element {
	e, err := NewElement(v)
	if err != nil {
		panic(err)
	}
	return e
}

// ParseElement parses b as exactly one XML element and returns it in the
// form stanzas keep their children in. Elements with no namespace are taken
// to be in the stanza namespace.
func ParseElement(b []byte) (Element, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := d.Token()
		if err != nil {
			return Element{}, fmt.Errorf("stanza: parsing element: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			r := reader{dec: d, lim: Limits{}.withDefaults()}
			e, err := r.child(t, "", 1)
			if err != nil {
				return Element{}, err
			}
			if err := onlyMisc(d); err != nil {
				return Element{}, fmt.Errorf("stanza: parsing element: %w", err)
			}
			return e, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return Element{}, fmt.Errorf("stanza: parsing element: text before the element")
			}
		case xml.ProcInst, xml.Comment:
			// An XML declaration or a comment ahead of the element is harmless.
		default:
			return Element{}, fmt.Errorf("stanza: parsing element: unexpected %T", tok)
		}
	}
}

// TextElement builds a stanza-namespace child holding only text, such as
// <body>text</body>.
func TextElement(local, text string) Element {
	var b bytes.Buffer
	b.Grow(2*len(local) + len(text) + 5)
	b.WriteByte('<')
	b.WriteString(local)
	b.WriteByte('>')
	escapeText(&b, text)
	b.WriteString("</")
	b.WriteString(local)
	b.WriteByte('>')
	return Element{Name: xml.Name{Local: local}, XML: b.Bytes()}
}

// EmptyElement builds an element with no attributes but its namespace and no
// content, such as <left xmlns='...'/>.
func EmptyElement(space, local string) Element {
	var b bytes.Buffer
	b.WriteByte('<')
	b.WriteString(local)
	if space != "" {
		b.WriteString(" xmlns='")
		escapeAttr(&b, space)
		b.WriteByte('\'')
	}
	b.WriteString("/>")
	return Element{Name: xml.Name{Space: space, Local: local}, XML: b.Bytes()}
}

// onlyMisc reads d to its end and reports an error unless what is left is
// white space, comments and processing instructions.
func onlyMisc(d *xml.Decoder) error {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return errors.New("text after the element")
			}
		case xml.Comment, xml.ProcInst:
		default:
			return fmt.Errorf("unexpected %T after the element", tok)
		}
	}
}
