package stanza

import (
	"encoding/xml"
	"fmt"
)

// NSFMUC is the XEP-0289 namespace.
const NSFMUC = "http://isode.com/protocol/fmuc"

// FMUC is the XEP-0289 <fmuc/> payload. On stanzas relayed between nodes it
// carries From, the real JID of the occupant the stanza is about; on
// presence from one node's bare JID to another's it carries Reject or Left.
type FMUC struct {
	XMLName xml.Name `xml:"http://isode.com/protocol/fmuc fmuc"`
	// From is the real JID of the occupant (XEP-0289 §4); may be nil.
	From *JID `xml:"from,attr,omitempty"`
	// Reject refuses federation, with an optional human-readable text.
	Reject *Reject `xml:"reject"`
	// Left confirms that the joining node has left the FMUC set.
	Left *struct{} `xml:"left"`
}

// Reject is the <reject/> of an FMUC payload.
type Reject struct {
	Text string `xml:",chardata"`
}

// Element returns f as a stanza child, built directly in canonical form:
// it cannot fail, however long the reject text.
func (f FMUC) Element() Element {
	var w xmlBuilder
	w.start("fmuc", NSFMUC)
	w.jid("from", f.From)
	m := w.content()
	if f.Reject != nil {
		w.text("reject", f.Reject.Text)
	}
	if f.Left != nil {
		w.empty("left")
	}
	w.end("fmuc", m)
	return w.element(NSFMUC, "fmuc")
}

// FindFMUC decodes the stanza's <fmuc/> payload, if it has one.
func FindFMUC(s Stanza) (*FMUC, bool, error) {
	c, ok := Child(s, NSFMUC, "fmuc")
	if !ok {
		return nil, false, nil
	}
	if f, ok := readFMUC(c); ok {
		return f, true, nil
	}
	f, err := decodeFMUC(c)
	return f, true, err
}

// readFMUC reads the usual <fmuc from='...'/> without encoding/xml (see
// Element.attr); ok is false for anything else, a bad JID included.
func readFMUC(c Element) (*FMUC, bool) {
	if !c.selfClosing() {
		return nil, false
	}
	v, found, ok := c.attr("from")
	if !ok {
		return nil, false
	}
	f := &FMUC{XMLName: xml.Name{Space: NSFMUC, Local: "fmuc"}}
	if found {
		var j JID
		if j.UnmarshalText([]byte(v)) != nil {
			return nil, false
		}
		f.From = &j
	}
	return f, true
}

// decodeFMUC is FindFMUC's decoding with encoding/xml.
func decodeFMUC(c Element) (*FMUC, error) {
	var f FMUC
	if err := c.Decode(&f); err != nil {
		return nil, fmt.Errorf("stanza: bad fmuc payload: %w", err)
	}
	return &f, nil
}
