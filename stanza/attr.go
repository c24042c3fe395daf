package stanza

import (
	"bytes"
	"strings"
)

// attr returns the value of the unprefixed attribute name on e's start
// tag without encoding/xml. It reads the form this package writes
// (the decoder re-serialises every child so): single-quoted values
// holding only the entities appendEscaped writes. On anything else (a
// double quote, a prefixed attribute, another entity, a tag it cannot
// follow) ok is false, and the caller decodes the element with
// encoding/xml instead. Only the start tag is read.
func (e Element) attr(name string) (value string, found, ok bool) {
	b := e.XML
	if len(b) < 2 || b[0] != '<' {
		return "", false, false
	}
	i := 1
	for i < len(b) && !isTagSpace(b[i]) && b[i] != '/' && b[i] != '>' {
		i++
	}
	for {
		for i < len(b) && isTagSpace(b[i]) {
			i++
		}
		if i >= len(b) {
			return "", false, false
		}
		if b[i] == '/' || b[i] == '>' {
			return value, found, true
		}
		start := i
		for i < len(b) && b[i] != '=' && !isTagSpace(b[i]) {
			i++
		}
		key := string(b[start:i])
		if i+1 >= len(b) || b[i] != '=' || b[i+1] != '\'' {
			return "", false, false
		}
		i += 2
		end := i
		for end < len(b) && b[end] != '\'' {
			end++
		}
		if end >= len(b) {
			return "", false, false
		}
		raw := b[i:end]
		i = end + 1
		if strings.IndexByte(key, ':') >= 0 && !strings.HasPrefix(key, "xmlns:") {
			// encoding/xml matches a prefixed attribute by its local name.
			return "", false, false
		}
		if key != name {
			continue
		}
		if found {
			return "", false, false
		}
		v, good := unescapeAttr(raw)
		if !good {
			return "", false, false
		}
		value, found = v, true
	}
}

// selfClosing reports whether e is one empty-element tag, <name .../>. It
// may say false for one whose attribute values hold a raw '>'.
func (e Element) selfClosing() bool {
	return bytes.HasSuffix(e.XML, []byte("/>")) && bytes.IndexByte(e.XML, '>') == len(e.XML)-1
}

func isTagSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// attrEntities are the references appendEscaped writes in attributes.
var attrEntities = []struct{ ref, char string }{
	{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&apos;", "'"}, {"&quot;", `"`},
	{"&#xD;", "\r"}, {"&#xA;", "\n"}, {"&#x9;", "\t"},
}

// unescapeAttr undoes appendEscaped for an attribute value; good is
// false on a reference it does not write, on '<' and on raw white space
// other than ' ' (which attribute-value normalisation would change).
func unescapeAttr(raw []byte) (string, bool) {
	if !strings.ContainsAny(string(raw), "&<\t\n\r\"") {
		return string(raw), true
	}
	var sb strings.Builder
	for i := 0; i < len(raw); {
		c := raw[i]
		switch c {
		case '<', '\t', '\n', '\r', '"':
			return "", false
		case '&':
			matched := false
			for _, e := range attrEntities {
				if strings.HasPrefix(string(raw[i:]), e.ref) {
					sb.WriteString(e.char)
					i += len(e.ref)
					matched = true
					break
				}
			}
			if !matched {
				return "", false
			}
			continue
		}
		sb.WriteByte(c)
		i++
	}
	return sb.String(), true
}

// sidAttrs returns the id and by attributes of a XEP-0359 element; ok is
// false when it does not parse.
func sidAttrs(c Element) (id, by string, ok bool) {
	id, _, okID := c.attr("id")
	by, _, okBy := c.attr("by")
	if okID && okBy {
		return id, by, true
	}
	return decodeSID(c)
}

// decodeSID is sidAttrs with encoding/xml.
func decodeSID(c Element) (id, by string, ok bool) {
	var raw struct {
		ID string `xml:"id,attr"`
		By string `xml:"by,attr"`
	}
	if c.Decode(&raw) != nil {
		return "", "", false
	}
	return raw.ID, raw.By, true
}
