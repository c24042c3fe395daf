package stanza

import (
	"encoding/xml"
	"strconv"
	"time"
)

// XEP-0045 namespaces (§16.1).
const (
	NSMUC      = "http://jabber.org/protocol/muc"
	NSMUCUser  = "http://jabber.org/protocol/muc#user"
	NSMUCAdmin = "http://jabber.org/protocol/muc#admin"
	NSMUCOwner = "http://jabber.org/protocol/muc#owner"
)

// Affiliation is a long-lived association with a room (XEP-0045 §5.2).
// The zero value means the attribute is absent.
type Affiliation string

// The affiliations of XEP-0045 §5.2.
const (
	AffiliationOwner   Affiliation = "owner"
	AffiliationAdmin   Affiliation = "admin"
	AffiliationMember  Affiliation = "member"
	AffiliationNone    Affiliation = "none"
	AffiliationOutcast Affiliation = "outcast"
)

// Valid reports whether a is one of the five XEP-0045 affiliations.
func (a Affiliation) Valid() bool {
	switch a {
	case AffiliationOwner, AffiliationAdmin, AffiliationMember, AffiliationNone, AffiliationOutcast:
		return true
	}
	return false
}

// Role is an occupant's temporary position in a room (XEP-0045 §5.1).
// The zero value means the attribute is absent.
type Role string

// The roles of XEP-0045 §5.1.
const (
	RoleModerator   Role = "moderator"
	RoleParticipant Role = "participant"
	RoleVisitor     Role = "visitor"
	RoleNone        Role = "none"
)

// Valid reports whether r is one of the four XEP-0045 roles.
func (r Role) Valid() bool {
	switch r {
	case RoleModerator, RoleParticipant, RoleVisitor, RoleNone:
		return true
	}
	return false
}

// MUC is the <x xmlns='http://jabber.org/protocol/muc'/> a client puts in
// the presence that enters a room (XEP-0045 §7.2).
type MUC struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/muc x"`
	// History limits the discussion history sent on entry (§7.2.15).
	History *History `xml:"history"`
	// Password is the room password (§7.2.6).
	Password string `xml:"password,omitempty"`
}

// History is the <history/> request of XEP-0045 §7.2.15. Nil fields are
// absent; Since is an XEP-0082 DateTime (use SinceTime).
type History struct {
	MaxChars   *int   `xml:"maxchars,attr"`
	MaxStanzas *int   `xml:"maxstanzas,attr"`
	Seconds    *int   `xml:"seconds,attr"`
	Since      string `xml:"since,attr,omitempty"`
}

// SinceTime parses Since as an XEP-0082 DateTime (XEP-0045 §7.2.15). It
// reports ok false when the attribute is absent, and an error when it is
// present but not a DateTime.
func (h *History) SinceTime() (t time.Time, ok bool, err error) {
	if h == nil || h.Since == "" {
		return time.Time{}, false, nil
	}
	t, err = ParseTime(h.Since)
	if err != nil {
		return time.Time{}, true, err
	}
	return t, true, nil
}

// MUCUser is <x xmlns='http://jabber.org/protocol/muc#user'/>, carried in
// room presence and in messages for invitations, declines and status
// notifications (XEP-0045 §19.2). Fields are in schema order.
type MUCUser struct {
	XMLName  xml.Name `xml:"http://jabber.org/protocol/muc#user x"`
	Decline  *Invite  `xml:"decline"`
	Destroy  *Destroy `xml:"destroy"`
	Invites  []Invite `xml:"invite"`
	Items    []Item   `xml:"item"`
	Password string   `xml:"password,omitempty"`
	Statuses []Status `xml:"status"`
}

// HasStatus reports whether u carries the given status code.
func (u *MUCUser) HasStatus(code StatusCode) bool {
	for _, s := range u.Statuses {
		if s.Code == code {
			return true
		}
	}
	return false
}

// Status is a muc#user status element with a code.
type Status struct {
	Code StatusCode `xml:"code,attr"`
}

// StatusCode is a muc#user status code. The constants are the codes of
// XEP-0045's status codes registry (§16.6), named after their purpose.
type StatusCode int

// XEP-0045 status codes.
const (
	StatusNonAnonymous       StatusCode = 100 // any occupant may see the user's full JID
	StatusAffiliationChanged StatusCode = 101 // affiliation changed while not in the room
	StatusShowsUnavailable   StatusCode = 102 // room now shows unavailable members
	StatusHidesUnavailable   StatusCode = 103 // room now does not show unavailable members
	StatusConfigChanged      StatusCode = 104 // a non-privacy-related configuration change
	StatusSelf               StatusCode = 110 // the presence refers to the receiver itself
	StatusLoggingEnabled     StatusCode = 170 // room logging is now enabled
	StatusLoggingDisabled    StatusCode = 171 // room logging is now disabled
	StatusNowNonAnonymous    StatusCode = 172 // the room is now non-anonymous
	StatusNowSemiAnonymous   StatusCode = 173 // the room is now semi-anonymous
	StatusCreated            StatusCode = 201 // a new room has been created
	StatusNickAssigned       StatusCode = 210 // the service assigned or changed the nick
	StatusBanned             StatusCode = 301 // the user has been banned
	StatusNickChanged        StatusCode = 303 // the new room nickname (nick change)
	StatusKicked             StatusCode = 307 // the user has been kicked
	StatusAffiliationRemoved StatusCode = 321 // removed because of an affiliation change
	StatusMembersOnlyRemoved StatusCode = 322 // removed because the room became members-only
	StatusShutdown           StatusCode = 332 // removed because the service is shutting down
	StatusErrorRemoved       StatusCode = 333 // removed because of an error reply
)

// Item is the <item/> of muc#user, muc#admin and muc#owner payloads: an
// occupant's or a user's affiliation and role, with an optional actor and
// reason (XEP-0045 §19.2-§19.4).
type Item struct {
	Affiliation Affiliation `xml:"affiliation,attr,omitempty"`
	JID         *JID        `xml:"jid,attr,omitempty"`
	Nick        string      `xml:"nick,attr,omitempty"`
	Role        Role        `xml:"role,attr,omitempty"`
	// Children in the order of the XEP-0045 §19.2 muc#user schema.
	Actor    *Actor    `xml:"actor"`
	Continue *Continue `xml:"continue"`
	Reason   string    `xml:"reason,omitempty"`
}

// Actor names who performed a moderation action (XEP-0045 §8.2, §9.1).
type Actor struct {
	JID  *JID   `xml:"jid,attr,omitempty"`
	Nick string `xml:"nick,attr,omitempty"`
}

// Continue is the <continue/> of a one-to-one chat converted to a room.
type Continue struct {
	Thread string `xml:"thread,attr,omitempty"`
}

// Invite is an <invite/> or <decline/> of a mediated invitation
// (XEP-0045 §7.8.2). To is set by the inviter, From by the room.
type Invite struct {
	From     *JID      `xml:"from,attr,omitempty"`
	To       *JID      `xml:"to,attr,omitempty"`
	Reason   string    `xml:"reason,omitempty"`
	Continue *Continue `xml:"continue"`
}

// Destroy is the <destroy/> of XEP-0045 §10.9, in muc#owner requests and
// in the muc#user of the resulting unavailable presence.
type Destroy struct {
	JID *JID `xml:"jid,attr,omitempty"`
	// Password comes before Reason, as in the muc#owner schema (§19.4).
	Password string `xml:"password,omitempty"`
	Reason   string `xml:"reason,omitempty"`
}

// MUCAdmin is <query xmlns='http://jabber.org/protocol/muc#admin'/>, used
// for role and affiliation changes and list queries (XEP-0045 §8, §9).
type MUCAdmin struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/muc#admin query"`
	Items   []Item   `xml:"item"`
}

// MUCOwner is <query xmlns='http://jabber.org/protocol/muc#owner'/>, used
// for room configuration and destruction (XEP-0045 §10).
type MUCOwner struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/muc#owner query"`
	Form    *Form    `xml:"jabber:x:data x"`
	Destroy *Destroy `xml:"destroy"`
}

// Element returns u as a payload element, built directly in canonical
// form: it cannot fail, however long its texts.
func (u MUCUser) Element() Element {
	var w xmlBuilder
	w.start("x", NSMUCUser)
	m := w.content()
	if u.Decline != nil {
		u.Decline.write(&w, "decline")
	}
	if d := u.Destroy; d != nil {
		d.write(&w)
	}
	for i := range u.Invites {
		u.Invites[i].write(&w, "invite")
	}
	for i := range u.Items {
		u.Items[i].write(&w)
	}
	w.optText("password", u.Password)
	for _, s := range u.Statuses {
		w.start("status", "")
		w.b = appendAttr(w.b, "code", strconv.Itoa(int(s.Code)))
		w.b = append(w.b, "/>"...)
	}
	w.end("x", m)
	return w.element(NSMUCUser, "x")
}

// Element returns a as a payload element (see MUCUser.Element).
func (a MUCAdmin) Element() Element {
	var w xmlBuilder
	w.start("query", NSMUCAdmin)
	m := w.content()
	for i := range a.Items {
		a.Items[i].write(&w)
	}
	w.end("query", m)
	return w.element(NSMUCAdmin, "query")
}

// Element returns o as a payload element (see MUCUser.Element).
func (o MUCOwner) Element() Element {
	var w xmlBuilder
	w.start("query", NSMUCOwner)
	m := w.content()
	if o.Form != nil {
		o.Form.write(&w)
	}
	if o.Destroy != nil {
		o.Destroy.write(&w)
	}
	w.end("query", m)
	return w.element(NSMUCOwner, "query")
}

func (it *Item) write(w *xmlBuilder) {
	w.start("item", "")
	w.attr("affiliation", string(it.Affiliation))
	w.jid("jid", it.JID)
	w.attr("nick", it.Nick)
	w.attr("role", string(it.Role))
	m := w.content()
	if a := it.Actor; a != nil {
		w.start("actor", "")
		w.jid("jid", a.JID)
		w.attr("nick", a.Nick)
		w.b = append(w.b, "/>"...)
	}
	it.Continue.write(w)
	w.optText("reason", it.Reason)
	w.end("item", m)
}

func (c *Continue) write(w *xmlBuilder) {
	if c == nil {
		return
	}
	w.start("continue", "")
	w.attr("thread", c.Thread)
	w.b = append(w.b, "/>"...)
}

func (in *Invite) write(w *xmlBuilder, name string) {
	w.start(name, "")
	w.jid("from", in.From)
	w.jid("to", in.To)
	m := w.content()
	w.optText("reason", in.Reason)
	in.Continue.write(w)
	w.end(name, m)
}

func (d *Destroy) write(w *xmlBuilder) {
	w.start("destroy", "")
	w.jid("jid", d.JID)
	m := w.content()
	w.optText("password", d.Password)
	w.optText("reason", d.Reason)
	w.end("destroy", m)
}
