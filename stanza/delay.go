package stanza

import (
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// Namespaces of delayed delivery.
const (
	// NSDelay is XEP-0203 delayed delivery.
	NSDelay = "urn:xmpp:delay"
	// NSLegacyDelay is the obsolete XEP-0091 namespace, accepted on input.
	NSLegacyDelay = "jabber:x:delay"
)

// Delay is a delayed-delivery note (XEP-0203): who delayed the stanza and
// when it was originally sent.
type Delay struct {
	// From is the entity that delayed the stanza (optional).
	From JID
	// Stamp is the original time, in UTC.
	Stamp time.Time
	// Reason is the optional natural-language reason.
	Reason string
}

// Element returns the XEP-0203 <delay/> element with an XEP-0082 UTC
// DateTime stamp (fractional seconds only when present).
func (d Delay) Element() Element {
	b := make([]byte, 0, 96+jidLen(d.From)+len(d.Reason))
	b = append(b, "<delay xmlns='"+NSDelay+"'"...)
	if !d.From.IsZero() {
		b = appendJIDAttr(b, "from", d.From)
	}
	// The stamp needs no escaping.
	b = append(b, " stamp='"...)
	b = appendTime(b, d.Stamp)
	b = append(b, '\'')
	if d.Reason == "" {
		b = append(b, "/>"...)
	} else {
		b = append(b, '>')
		b = appendEscaped(b, d.Reason, false)
		b = append(b, "</delay>"...)
	}
	return Element{Name: xml.Name{Space: NSDelay, Local: "delay"}, XML: b}
}

// IsDelay reports whether e is any of the delay forms ParseDelay accepts.
func IsDelay(e Element) bool {
	return e.Is(NSDelay, "delay") || e.Is(NSDelay, "x") || e.Is(NSLegacyDelay, "x")
}

// ParseDelay decodes a delay element. Being liberal in what it accepts, it
// takes XEP-0203 <delay xmlns='urn:xmpp:delay'/>, the
// <x xmlns='urn:xmpp:delay'/> that XEP-0289's examples use, and XEP-0091
// <x xmlns='jabber:x:delay'/>, with XEP-0082 or legacy CCYYMMDDThh:mm:ss
// stamps.
func ParseDelay(e Element) (Delay, error) {
	if !IsDelay(e) {
		return Delay{}, fmt.Errorf("stanza: <%s xmlns=%q> is not a delay", e.Name.Local, e.Name.Space)
	}
	var raw struct {
		From   string `xml:"from,attr"`
		Stamp  string `xml:"stamp,attr"`
		Reason string `xml:",chardata"`
	}
	if err := e.Decode(&raw); err != nil {
		return Delay{}, err
	}
	t, err := ParseTime(raw.Stamp)
	if err != nil {
		return Delay{}, err
	}
	d := Delay{Stamp: t, Reason: strings.TrimSpace(raw.Reason)}
	if raw.From != "" {
		if d.From, err = Parse(raw.From); err != nil {
			return Delay{}, err
		}
	}
	return d, nil
}

// FindDelay returns the stanza's delay, preferring XEP-0203 over the
// legacy forms when several are present.
func FindDelay(s Stanza) (Delay, bool) {
	var best Element
	found := false
	for _, c := range s.Payload() {
		if c.Is(NSDelay, "delay") {
			best, found = c, true
			break
		}
		if !found && IsDelay(c) {
			best, found = c, true
		}
	}
	if !found {
		return Delay{}, false
	}
	d, err := ParseDelay(best)
	return d, err == nil
}

// legacyLayout is the XEP-0091 / XEP-0082 §4 legacy stamp form.
const legacyLayout = "20060102T15:04:05"

// ParseTime parses an XEP-0082 DateTime (CCYY-MM-DDThh:mm:ss[.sss]TZD) and,
// for compatibility, the legacy CCYYMMDDThh:mm:ss form (UTC). The result is
// in UTC.
func ParseTime(s string) (time.Time, error) {
	t, err := parseTime(strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, err
	}
	// XEP-0082 §3: a four-digit year. An offset can push an edge date out
	// of it, which FormatTime could then not write back.
	if y := t.Year(); y < 0 || y > 9999 {
		return time.Time{}, fmt.Errorf("stanza: XEP-0082 DateTime %q out of range", s)
	}
	return t, nil
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(legacyLayout, s); err == nil {
		return t.UTC(), nil
	}
	// Also tolerate a legacy stamp with a trailing Z or fraction.
	if t, err := time.Parse("20060102T15:04:05.999999999Z07:00", s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("20060102T15:04:05.999999999", strings.TrimSuffix(s, "Z")); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("stanza: bad XEP-0082 DateTime %q", s)
}

// FormatTime formats t as an XEP-0082 DateTime in UTC, with fractional
// seconds only when t has them (e.g. 2002-09-10T23:08:25Z).
func FormatTime(t time.Time) string { return string(appendTime(nil, t)) }

// appendTime appends t as FormatTime formats it.
func appendTime(b []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(b, "2006-01-02T15:04:05.999999999Z07:00")
}
