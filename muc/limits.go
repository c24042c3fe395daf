package muc

import (
	"fmt"
	"math"
	"strconv"
	"time"
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

// Unlimited, as the value of a Limits field whose documentation allows
// it, switches that limit off.
const Unlimited = -1

// Limits bound what users can make a room hold, how much the room keeps
// waiting for them, how many rooms and sessions one user may hold, how
// fast an occupant may send and how large what it sends may be. Zero
// fields take the value in DefaultLimits; Unlimited switches off the
// fields that say so; other negative values are a configuration error.
//
// The counts across rooms (MaxRooms, MaxRoomsPerCreator, MaxUserRooms)
// are kept by a Service and apply to its rooms only; a Room made with
// NewRoom applies the others.
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

	// MaxRooms is the most rooms a Service holds (locked ones included);
	// a join that would create one more is refused with
	// resource-constraint (type wait). Default 10,000; Unlimited allowed.
	MaxRooms int
	// MaxRoomsPerCreator is the most rooms that exist at once having been
	// created by one bare JID (XEP-0045 §10.1.1; the creator is the
	// room's first owner); a further creation is refused with
	// policy-violation. ServiceOptions.Admins are exempt. Rooms given to
	// Service.Restore count toward MaxRooms but have no creator. Default
	// 10; Unlimited allowed.
	MaxRoomsPerCreator int
	// MaxUserRooms is the most rooms of a Service one bare JID may be in
	// at once, local or remote (ejabberd's max_user_conferences); a join
	// to one more is refused with resource-constraint (type wait).
	// Default 100; Unlimited allowed.
	MaxUserRooms int
	// MaxUserSessions is the most sessions (full JIDs) one bare JID may
	// have in one room, under one nick (§7.2.8) or several; a further
	// one is refused with policy-violation. Default 5; Unlimited allowed.
	MaxUserSessions int

	// MessageInterval and MessageBurst are each occupant's message rate
	// (groupchat, private and other messages to the room; ejabberd's
	// min_message_interval, Prosody's mod_muc_limits): a token bucket
	// holding MessageBurst messages, refilled by one every
	// MessageInterval, with time taken from the now of each call. A
	// message over the rate is refused with policy-violation type wait
	// and is neither relayed nor queued. The same applies to remote
	// occupants, on the node hosting the room. Defaults 1s and 10;
	// Unlimited (either field) switches the rate off.
	MessageInterval time.Duration
	MessageBurst    int
	// PresenceInterval and PresenceBurst are the same for an occupant's
	// presence (status changes, §7.7; resynchronisations, §7.2.1; nick
	// changes, §7.6). A status change or resynchronisation over the rate
	// is dropped without an answer: the occupant keeps its previous
	// presence, and its next presence within the rate brings everyone up
	// to date. A nick change over the rate is refused with
	// policy-violation type wait. Entering and leaving are never limited
	// (a session enters once; MaxUserRooms and MaxUserSessions bound
	// them). Defaults 2s and 10; Unlimited (either field) switches the
	// rate off.
	PresenceInterval time.Duration
	PresenceBurst    int

	// MaxRoomLocal is the longest room localpart, in bytes, a Service
	// creates a room for (ejabberd's max_room_id); longer ones are
	// refused with not-acceptable. Default 128.
	MaxRoomLocal int
	// MaxNick is the longest nick, in characters, an occupant may enter
	// with or change to (Prosody's mod_muc_limits max_nick_length);
	// longer ones are refused with not-acceptable. Default 64.
	MaxNick int
	// MaxStatus is the longest presence <status/> text, in characters,
	// the room relays (RFC 6121 §4.7.2.2); presence with a longer one is
	// refused with not-acceptable. Default 1,000.
	MaxStatus int
	// MaxBody is the longest message <body/>, in characters, the room
	// relays (each <body/> of a message); longer ones are refused with
	// not-acceptable. Default 10,000.
	MaxBody int
	// MaxStanza is the largest message or presence, in bytes of its
	// payload (every child element as received), the room relays; larger
	// ones are refused with policy-violation. Default 64 KiB.
	MaxStanza int

	// MaxBroadcastPresence is the occupant count above which a room is
	// crowded (ejabberd's max_users_presence): in a crowded room,
	// status changes (§7.7) and the entry and exit of visitors (occupants
	// without voice, §5.1) are sent to moderators and to the occupant
	// itself only, not to everyone. Roles, nicks and affiliations still
	// change in everyone's view, entering occupants still get the full
	// list of occupants with their current presence (§7.2.2), and
	// disco#items on the room lists them (§6.5). Default 1,000;
	// Unlimited allowed.
	MaxBroadcastPresence int
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
	MaxRooms:               10000,
	MaxRoomsPerCreator:     10,
	MaxUserRooms:           100,
	MaxUserSessions:        5,
	MessageInterval:        time.Second,
	MessageBurst:           10,
	PresenceInterval:       2 * time.Second,
	PresenceBurst:          10,
	MaxRoomLocal:           128,
	MaxNick:                64,
	MaxStatus:              1000,
	MaxBody:                10000,
	MaxStanza:              64 << 10,
	MaxBroadcastPresence:   1000,
}

func (l Limits) withDefaults() (Limits, error) {
	fields := []struct {
		v         *int
		def       int
		unlimited bool
	}{
		{&l.MaxAdminItems, DefaultLimits.MaxAdminItems, false},
		{&l.MaxAffiliations, DefaultLimits.MaxAffiliations, false},
		{&l.MaxJIDLength, DefaultLimits.MaxJIDLength, false},
		{&l.MaxRoomName, DefaultLimits.MaxRoomName, false},
		{&l.MaxRoomDescription, DefaultLimits.MaxRoomDescription, false},
		{&l.MaxSubject, DefaultLimits.MaxSubject, false},
		{&l.MaxDiscoItems, DefaultLimits.MaxDiscoItems, false},
		{&l.MaxPendingIQs, DefaultLimits.MaxPendingIQs, false},
		{&l.MaxPendingIQsPerSender, DefaultLimits.MaxPendingIQsPerSender, false},
		{&l.MaxRooms, DefaultLimits.MaxRooms, true},
		{&l.MaxRoomsPerCreator, DefaultLimits.MaxRoomsPerCreator, true},
		{&l.MaxUserRooms, DefaultLimits.MaxUserRooms, true},
		{&l.MaxUserSessions, DefaultLimits.MaxUserSessions, true},
		{&l.MessageBurst, DefaultLimits.MessageBurst, true},
		{&l.PresenceBurst, DefaultLimits.PresenceBurst, true},
		{&l.MaxRoomLocal, DefaultLimits.MaxRoomLocal, false},
		{&l.MaxNick, DefaultLimits.MaxNick, false},
		{&l.MaxStatus, DefaultLimits.MaxStatus, false},
		{&l.MaxBody, DefaultLimits.MaxBody, false},
		{&l.MaxStanza, DefaultLimits.MaxStanza, false},
		{&l.MaxBroadcastPresence, DefaultLimits.MaxBroadcastPresence, true},
	}
	for _, f := range fields {
		switch {
		case *f.v == Unlimited && f.unlimited:
			*f.v = math.MaxInt
		case *f.v < 0:
			return l, fmt.Errorf("%w: negative limit", ErrConfig)
		case *f.v == 0:
			*f.v = f.def
		}
	}
	for _, r := range []struct {
		interval *time.Duration
		def      time.Duration
		burst    int
	}{
		{&l.MessageInterval, DefaultLimits.MessageInterval, l.MessageBurst},
		{&l.PresenceInterval, DefaultLimits.PresenceInterval, l.PresenceBurst},
	} {
		switch {
		case *r.interval == Unlimited || r.burst == math.MaxInt:
			*r.interval = 0 // no rate: see allow
		case *r.interval < 0:
			return l, fmt.Errorf("%w: negative rate interval", ErrConfig)
		case *r.interval == 0:
			*r.interval = r.def
		}
		if *r.interval > 0 && int64(r.burst) > math.MaxInt64/int64(*r.interval) {
			return l, fmt.Errorf("%w: rate burst too large for its interval", ErrConfig)
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
