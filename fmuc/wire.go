package fmuc

import (
	"bytes"
	"encoding/xml"
	"slices"
	"strconv"
	"time"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// NSExt is the namespace of this package's extensions to XEP-0289, each
// ignorable by a peer that does not know it (and advertised in
// disco#info):
//
//   - <for jid='user@host/res'/> on a stanza for one remote user (a reply,
//     a private message): which user, when the nick is not enough.
//   - <echo/> on a master-slave node's groupchat: the joined node sends
//     the message back, so that the slave shows it in the master's order.
//   - <path><room jid='...'/>...</path> from a joined node: the rooms above
//     it, nearest first, so that a joining node can refuse the federation
//     join that would close a cycle.
//   - <resync session='...' recv='n'/>: the session of a link and how much
//     of it a room received, so that a rejoin after a loss replays only
//     what was missed (see startJoinedSession).
//   - <compact/> on a federation join and on the presence naming a
//     link's session: this room works out the user of a live groupchat
//     message without <fmuc from/> from its nick (see compact.go).
const NSExt = "https://github.com/xmppfmuc/fmuc/protocol/ext/0"

// fmucFrom returns <fmuc xmlns='...' from='jid'/>; a zero jid gives the
// bare <fmuc/> that marks federation traffic about the room itself.
func fmucFrom(jid stanza.JID) stanza.Element {
	b := make([]byte, 0, 64+len(jid.String()))
	b = append(b, "<fmuc xmlns='"+stanza.NSFMUC+"'"...)
	if !jid.IsZero() {
		b = appendAttr(b, "from", jid.String())
	}
	b = append(b, "/>"...)
	return stanza.Element{Name: xml.Name{Space: stanza.NSFMUC, Local: "fmuc"}, XML: b}
}

// fmucControl returns <fmuc><reject>text</reject></fmuc> or
// <fmuc><left/></fmuc> (XEP-0289 §4.1, §4.4).
func fmucControl(reject bool, text string) stanza.Element {
	b := make([]byte, 0, 96+len(text))
	b = append(b, "<fmuc xmlns='"+stanza.NSFMUC+"'>"...)
	switch {
	case !reject:
		b = append(b, "<left/>"...)
	case text == "":
		b = append(b, "<reject/>"...)
	default:
		b = append(b, "<reject>"...)
		b = appendText(b, text)
		b = append(b, "</reject>"...)
	}
	b = append(b, "</fmuc>"...)
	return stanza.Element{Name: xml.Name{Space: stanza.NSFMUC, Local: "fmuc"}, XML: b}
}

// mucX returns the XEP-0045 <x xmlns='http://jabber.org/protocol/muc'/>
// of a join, with <history maxstanzas/> when history is set and
// <history since/> (XEP-0045 §7.2.15) when since is not zero.
func mucX(history *int, since time.Time) stanza.Element {
	b := append([]byte(nil), "<x xmlns='"+stanza.NSMUC+"'"...)
	if history == nil && since.IsZero() {
		b = append(b, "/>"...)
	} else {
		b = append(b, "><history"...)
		if history != nil {
			b = appendAttr(b, "maxstanzas", strconv.Itoa(*history))
		}
		if !since.IsZero() {
			b = appendAttr(b, "since", stanza.FormatTime(since))
		}
		b = append(b, "/></x>"...)
	}
	return stanza.Element{Name: xml.Name{Space: stanza.NSMUC, Local: "x"}, XML: b}
}

// forElement returns <for xmlns=NSExt jid='...'/>.
func forElement(jid stanza.JID) stanza.Element {
	b := []byte("<for xmlns='" + NSExt + "'")
	b = appendAttr(b, "jid", jid.String())
	b = append(b, "/>"...)
	return stanza.Element{Name: xml.Name{Space: NSExt, Local: "for"}, XML: b}
}

// echoElement is <echo xmlns=NSExt/>.
var echoElement = stanza.EmptyElement(NSExt, "echo")

// pathElement returns <path xmlns=NSExt><room jid='...'/>...</path>.
func pathElement(rooms []stanza.JID) stanza.Element {
	b := append([]byte(nil), "<path xmlns='"+NSExt+"'>"...)
	for _, r := range rooms {
		b = append(b, "<room"...)
		b = appendAttr(b, "jid", r.String())
		b = append(b, "/>"...)
	}
	b = append(b, "</path>"...)
	return stanza.Element{Name: xml.Name{Space: NSExt, Local: "path"}, XML: b}
}

// appendAttr appends name='value', escaped as the stanza package escapes.
func appendAttr(b []byte, name, value string) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, "='"...)
	b = stanza.AppendEscaped(b, value, true)
	return append(b, '\'')
}

// appendText appends character data, escaped as the stanza package escapes.
func appendText(b []byte, s string) []byte { return stanza.AppendEscaped(b, s, false) }

// peer is what a stanza from a peer room says beyond XEP-0045.
type peer struct {
	// fm is the decoded <fmuc/>; nil when there was none.
	fm *stanza.FMUC
	// user is the fmuc 'from': the real JID the stanza is about.
	user stanza.JID
	// forJID is this package's <for/>: the user the stanza is for.
	forJID stanza.JID
	echo   bool
	// path is the peer's <path/>, when hasPath.
	path    []stanza.JID
	hasPath bool
	// resync is the peer's <resync/>, when it sent one.
	resync *resyncInfo
	// seq is the number in the session of a replayed stanza (<seq/>);
	// 0 for one sent live.
	seq uint64
	// compact: the peer takes the compact envelope (<compact/>).
	compact bool
}

// readPeer decodes the federation payloads of in. A malformed <fmuc/> is
// an error (the stanza is dropped); malformed extensions of ours are
// ignored like unknown ones.
func readPeer(in stanza.Stanza) (peer, error) {
	var p peer
	fm, _, err := stanza.FindFMUC(in)
	if err != nil {
		return p, err
	}
	p.fm = fm
	if fm != nil && fm.From != nil {
		p.user = *fm.From
	}
	for _, c := range in.Payload() {
		if c.Name.Space != NSExt {
			continue
		}
		switch c.Name.Local {
		case "for":
			var v struct {
				JID stanza.JID `xml:"jid,attr"`
			}
			if c.Decode(&v) == nil {
				p.forJID = v.JID
			}
		case "echo":
			p.echo = true
		case "compact":
			p.compact = true
		case "resync":
			var v struct {
				Session string `xml:"session,attr"`
				Recv    uint64 `xml:"recv,attr"`
				Ask     string `xml:"ask,attr"`
			}
			if c.Decode(&v) == nil && v.Session != "" {
				p.resync = &resyncInfo{session: v.Session, recv: v.Recv, ask: v.Ask == "rejoin"}
			}
		case "seq":
			var v struct {
				N uint64 `xml:"n,attr"`
			}
			if c.Decode(&v) == nil {
				p.seq = v.N
			}
		case "path":
			var v struct {
				Rooms []struct {
					JID stanza.JID `xml:"jid,attr"`
				} `xml:"room"`
			}
			if c.Decode(&v) == nil {
				p.hasPath = true
				for _, r := range v.Rooms {
					if !r.JID.IsZero() && len(p.path) < maxPath {
						p.path = append(p.path, r.JID.Bare())
					}
				}
			}
		}
	}
	return p, nil
}

// maxPath bounds the depth of a federation tree a peer may report.
const maxPath = 64

// withoutFederation returns the payload without fmuc payloads and this
// package's extensions: what a room, and so a client, may see.
func withoutFederation(payload []stanza.Element) []stanza.Element {
	keep := func(c stanza.Element) bool { return !c.Is(stanza.NSFMUC, "fmuc") && c.Name.Space != NSExt }
	n := 0
	for _, c := range payload {
		if keep(c) {
			n++
		}
	}
	if n == len(payload) {
		return payload
	}
	out := make([]stanza.Element, 0, n)
	for _, c := range payload {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}

// encode turns a muc RemoteDelivery into the stanza sent to the peer room
// d.Via (XEP-0289 §4): from this room's occupant JID (or the room), to the
// peer's bare room JID, with <fmuc from='real JID'/>. A stanza for one of
// the peer's users that is not part of the room's shared traffic (a
// private message, an IQ, an error) goes to that user's occupant JID at
// the peer, with <for/> naming the user.
func encode(d muc.RemoteDelivery) stanza.Stanza {
	out := stanza.Clone(d.Stanza)
	h := out.Head()
	about := d.About
	mine := !d.Broadcast() && personal(out)
	if about.IsZero() && mine {
		about = d.For
	}
	payload := slices.Clip(originID(withoutOccupantID(withoutFederation(out.Payload())), h.From.Bare()))
	payload = append(payload, fmucFrom(about))
	h.To = d.Via.Bare()
	if mine {
		if d.ForNick != "" {
			if to, err := h.To.WithResource(d.ForNick); err == nil {
				h.To = to
			}
		}
		payload = append(payload, forElement(d.For))
	}
	out.SetPayload(payload)
	return out
}

// nsOccupantID is XEP-0421.
const nsOccupantID = "urn:xmpp:occupant-id:0"

// withoutOccupantID drops the XEP-0421 <occupant-id/>: the room a copy
// goes to replaces it with its own (XEP-0421 §5), so it would only cost
// the link its bytes.
func withoutOccupantID(payload []stanza.Element) []stanza.Element {
	for _, c := range payload {
		if c.Is(nsOccupantID, "occupant-id") {
			return stanza.Without(payload, nsOccupantID, "occupant-id")
		}
	}
	return payload
}

// originID keeps one XEP-0359 stanza id on a message relayed to a peer:
// the one of the room where it was first said, which identifies it
// across the federation. This room's own id is for its own clients; it
// stays only on messages said here.
//
// It reads no XML: this room's ids are the ones it wrote, in the stanza
// package's canonical form, so a byte comparison finds them.
func originID(payload []stanza.Element, room stanza.JID) []stanza.Element {
	// " by='room'", on the stack for the usual room JID.
	var buf [128]byte
	mine := append(buf[:0], " by='"...)
	if room.Local() != "" {
		mine = append(stanza.AppendEscaped(mine, room.Local(), true), '@')
	}
	mine = append(stanza.AppendEscaped(mine, room.Domain(), true), '\'')
	own, other := -1, false
	for i, c := range payload {
		if !c.Is(stanza.NSSID, "stanza-id") {
			continue
		}
		if own < 0 && bytes.Contains(c.XML, mine) {
			own = i
		} else {
			other = true
		}
	}
	if own < 0 || !other {
		return payload
	}
	out := make([]stanza.Element, 0, len(payload)-1)
	out = append(out, payload[:own]...)
	return append(out, payload[own+1:]...)
}

// personal reports whether s, meant for one remote user, is addressed to
// that user's occupant JID at the peer: private messages, IQs and errors.
// Presence and groupchat (the entry sequence) go to the room, as XEP-0289
// §4.1 shows.
func personal(s stanza.Stanza) bool {
	h := s.Head()
	switch s.Kind() {
	case stanza.KindPresence:
		return h.Type == stanza.PresenceError
	case stanza.KindMessage:
		return h.Type != stanza.MessageGroupchat
	}
	return true
}
