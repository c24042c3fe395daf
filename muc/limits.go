package muc

import (
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/xmppfmuc/fmuc/stanza"
)

// MaxOutputSize bounds the encoded size of every stanza a Service or Room
// puts in an Output, as long as its input was decoded with the default
// stanza.Limits (256 KiB): a stanza the room relays (groupchat, private
// messages, presence, forwarded IQs, error replies that echo the request)
// grows by at most its new addresses and the room's own payloads
// (muc#user, XEP-0359 stanza-id, XEP-0421 occupant-id, XEP-0203 delay),
// far less than the 32 KiB margin; and every payload the room composes
// from its state (affiliation lists, configuration forms, disco results)
// stays within maxComposed, by the Limits on what users can make a room
// hold and, beyond them, by answering resource-constraint instead. 288 KiB
// is below the 512 KiB Prosody and ejabberd accept from a component.
const MaxOutputSize = 288 << 10

// maxComposed is the largest payload the room composes from its state:
// the decoder's default input limit, so that a reply with its addresses
// stays within MaxOutputSize.
const maxComposed = 256 << 10

// Limits bound what users can make a room hold and how much the room
// keeps waiting for them. Zero fields take the value in DefaultLimits;
// negative ones are a configuration error.
type Limits struct {
	// MaxAdminItems is the most items one muc#admin set may carry
	// (XEP-0045 §9, §10: lists are edited by sending the changed items);
	// more are refused with policy-violation. Default 100.
	MaxAdminItems int
	// MaxAffiliations is the most users a room's affiliation lists
	// (owners, admins, members and outcasts together, and users with a
	// registered nick, §7.10) may hold. XEP-0045 has no paging for the
	// lists of §9 and §10, so this keeps each list answerable in one
	// stanza. A change that would add users beyond it (muc#admin set,
	// configuration form, registration, members-only invitation) is
	// refused with policy-violation. Default 1,000.
	MaxAffiliations int
	// MaxJIDLength is the longest bare JID, in bytes, a user may add to
	// an affiliation list (RFC 7622 allows 3,071); longer ones are
	// refused with not-acceptable. Default 256.
	MaxJIDLength int
	// MaxRoomName is the longest room name, in characters, a
	// configuration form may set (muc#roomconfig_roomname, §10.2;
	// ejabberd's max_room_name); longer ones are refused with
	// not-acceptable. Default 100.
	MaxRoomName int
	// MaxRoomDescription is the same for muc#roomconfig_roomdesc
	// (ejabberd's max_room_desc). Default 1,000.
	MaxRoomDescription int
	// MaxSubject is the longest subject, in characters, an occupant may
	// set (§8.1); longer ones are refused with not-acceptable. Default
	// 1,000.
	MaxSubject int
	// MaxDiscoItems is the most items one disco#items result lists
	// (XEP-0045 §6.3 public rooms, §6.5 occupants; ejabberd's
	// max_rooms_discoitems): a request without XEP-0059 result set
	// management gets the first page and a <set/> saying how many there
	// are; an RSM request may ask for fewer, not more. Default 100.
	MaxDiscoItems int
	// MaxPendingIQs is the most IQs a room forwards to occupants and
	// waits for at once (XEP-0045 §17.4); beyond it requests get
	// resource-constraint. Default 1,024.
	MaxPendingIQs int
	// MaxPendingIQsPerSender is the same per requester bare JID, so that
	// one requester whose IQs are never answered cannot use up the
	// room's MaxPendingIQs. Default 32.
	MaxPendingIQsPerSender int
}

// DefaultLimits are the limits used for the zero fields of a Limits,
// chosen for a public server.
var DefaultLimits = Limits{
	MaxAdminItems:          100,
	MaxAffiliations:        1000,
	MaxJIDLength:           256,
	MaxRoomName:            100,
	MaxRoomDescription:     1000,
	MaxSubject:             1000,
	MaxDiscoItems:          100,
	MaxPendingIQs:          1024,
	MaxPendingIQsPerSender: 32,
}

func (l Limits) withDefaults() (Limits, error) {
	fields := []struct {
		v   *int
		def int
	}{
		{&l.MaxAdminItems, DefaultLimits.MaxAdminItems},
		{&l.MaxAffiliations, DefaultLimits.MaxAffiliations},
		{&l.MaxJIDLength, DefaultLimits.MaxJIDLength},
		{&l.MaxRoomName, DefaultLimits.MaxRoomName},
		{&l.MaxRoomDescription, DefaultLimits.MaxRoomDescription},
		{&l.MaxSubject, DefaultLimits.MaxSubject},
		{&l.MaxDiscoItems, DefaultLimits.MaxDiscoItems},
		{&l.MaxPendingIQs, DefaultLimits.MaxPendingIQs},
		{&l.MaxPendingIQsPerSender, DefaultLimits.MaxPendingIQsPerSender},
	}
	for _, f := range fields {
		switch {
		case *f.v < 0:
			return l, fmt.Errorf("%w: negative limit", ErrConfig)
		case *f.v == 0:
			*f.v = f.def
		}
	}
	return l, nil
}

// tooLong reports whether s has more than n characters.
func tooLong(s string, n int) bool {
	return len(s) > n && utf8.RuneCountInString(s) > n
}

// entries is the number of users in the affiliation lists: affiliated or
// with a registered nick (what State.Affiliations holds).
func (r *Room) entries() int {
	n := len(r.affs)
	for j := range r.nicks {
		if _, ok := r.affs[j]; !ok {
			n++
		}
	}
	return n
}

// roomFor checks that the bare JIDs in add, which are about to get an
// affiliation or a registered nick, fit Limits.MaxJIDLength and
// Limits.MaxAffiliations; users already listed always fit. It returns the
// condition and text to refuse the request with, or "".
func (r *Room) roomFor(add ...stanza.JID) (stanza.Condition, string) {
	lim := r.opts.Limits
	var fresh []stanza.JID
	for _, j := range add {
		if r.listed(j) || containsJID(fresh, j) {
			continue
		}
		if len(j.String()) > lim.MaxJIDLength {
			return stanza.NotAcceptable, "JIDs in the room's lists are limited to " + strconv.Itoa(lim.MaxJIDLength) + " bytes"
		}
		fresh = append(fresh, j)
	}
	if len(fresh) > 0 && r.entries()+len(fresh) > lim.MaxAffiliations {
		return stanza.PolicyViolation, "the room's lists are limited to " + strconv.Itoa(lim.MaxAffiliations) + " users"
	}
	return "", ""
}

// listed reports whether bare JID j has an affiliation or a registered
// nick.
func (r *Room) listed(j stanza.JID) bool {
	if _, ok := r.affs[j]; ok {
		return true
	}
	_, ok := r.nicks[j]
	return ok
}

// replyComposed answers q with a result carrying el, a payload built from
// the room's state, or with resource-constraint when el is larger than
// maxComposed (a list of a thousand users with long registered nicks, or
// one filled beyond the Limits by SetAffiliation or Restore).
func (r *Room) replyComposed(tx *request, q *stanza.IQ, el stanza.Element) {
	if len(el.XML) > maxComposed {
		r.failType(tx, stanza.ErrorWait, stanza.ResourceConstraint, "the answer would be too large to send")
		return
	}
	r.reply(tx, r.result(q, el))
}
