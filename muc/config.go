package muc

import (
	"fmt"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Whois says who may see occupants' real JIDs (XEP-0045 §4.2 room types,
// muc#roomconfig_whois). The zero value is WhoisModerators.
type Whois uint8

// Whois values.
const (
	// WhoisModerators: a semi-anonymous room (§7.2.4); real JIDs only go
	// to moderators.
	WhoisModerators Whois = iota
	// WhoisAnyone: a non-anonymous room (§7.2.3).
	WhoisAnyone
)

// Locking says whether a new room waits for its owner's configuration
// before anyone else may enter (ServiceOptions.Locking). The zero value is
// LockUntilConfigured.
type Locking uint8

// Locking values.
const (
	// LockUntilConfigured: a new room is locked until its owner submits
	// the configuration form or asks for an instant room (XEP-0045
	// §10.1.1 "Reserved rooms" workflow), or until
	// ServiceOptions.LockTimeout passes. Joins that arrive meanwhile are
	// refused with item-not-found, as §7.2.10 requires ("the service MUST
	// refuse entry"); tools that create a room and let several clients
	// join it at once need LockNever.
	LockUntilConfigured Locking = iota
	// LockNever: a new room is created unlocked with the service's
	// default configuration, an instant room (§10.1.1 "Instant rooms",
	// §10.1.2) that others may enter at once. The creator still gets 201
	// and may configure the room afterwards like any owner (§10.2).
	LockNever
)

// AllowPM says who may send private messages (muc#roomconfig_allowpm,
// XEP-0045 §7.5). The zero value is PMAnyone.
type AllowPM uint8

// AllowPM values.
const (
	PMAnyone AllowPM = iota
	PMParticipants
	PMModerators
	PMNone
)

// RoleSet is a set of roles, as in muc#roomconfig_getmemberlist and
// muc#roomconfig_presencebroadcast. The zero value is empty.
type RoleSet uint8

// Role bits of a RoleSet.
const (
	RoleSetVisitor RoleSet = 1 << iota
	RoleSetParticipant
	RoleSetModerator
	// RoleSetAll holds the three roles an occupant can have.
	RoleSetAll = RoleSetVisitor | RoleSetParticipant | RoleSetModerator
)

// Has reports whether the set contains role r.
func (s RoleSet) Has(r stanza.Role) bool { return s&roleBit(r) != 0 }

func roleBit(r stanza.Role) RoleSet {
	switch r {
	case stanza.RoleVisitor:
		return RoleSetVisitor
	case stanza.RoleParticipant:
		return RoleSetParticipant
	case stanza.RoleModerator:
		return RoleSetModerator
	}
	return 0
}

// Config is a room's configuration (XEP-0045 §10.2, the muc#roomconfig
// FORM_TYPE of §16.5.3). The zero value is a valid, if spartan, room:
// temporary, hidden, open, unmoderated, semi-anonymous, no history, no
// presence broadcast restrictions. DefaultConfig gives friendlier defaults.
type Config struct {
	// Name is the natural-language room name (muc#roomconfig_roomname).
	Name string
	// Description is muc#roomconfig_roomdesc.
	Description string
	// Lang is the room's natural language (muc#roomconfig_lang).
	Lang string
	// Persistent rooms are not destroyed when the last occupant leaves
	// (muc#roomconfig_persistentroom).
	Persistent bool
	// Public rooms are listed in service disco#items
	// (muc#roomconfig_publicroom).
	Public bool
	// MembersOnly rooms admit only members, admins and owners
	// (muc#roomconfig_membersonly, §7.2.6).
	MembersOnly bool
	// Moderated rooms give new unaffiliated occupants the visitor role
	// (muc#roomconfig_moderatedroom, §5.1.2).
	Moderated bool
	// PasswordProtected rooms require Password to enter
	// (muc#roomconfig_passwordprotectedroom, §7.2.5). A submitted
	// configuration form that sets a non-empty muc#roomconfig_roomsecret
	// and has no muc#roomconfig_passwordprotectedroom field turns it on,
	// so that a room whose owner gave it a password is never left open;
	// the same form with that field set to false keeps the room open.
	// Protection with an empty Password is refused (§10.1.3:
	// not-acceptable).
	PasswordProtected bool
	// Password is muc#roomconfig_roomsecret.
	Password string
	// MaxUsers is the occupant limit, 0 for none (muc#roomconfig_maxusers,
	// §7.2.9).
	MaxUsers int
	// Whois controls real-JID visibility (muc#roomconfig_whois).
	Whois Whois
	// HistoryLength is how many messages the room keeps and sends at most
	// on entry (muc#maxhistoryfetch); 0 disables history.
	HistoryLength int
	// ChangeSubject lets participants change the subject
	// (muc#roomconfig_changesubject); moderators always may.
	ChangeSubject bool
	// AllowPM controls private messages (muc#roomconfig_allowpm).
	AllowPM AllowPM
	// AllowInvites lets occupants invite others
	// (muc#roomconfig_allowinvites).
	AllowInvites bool
	// EnableLogging is muc#roomconfig_enablelogging (public logs; only
	// advertised, the embedder does the logging).
	EnableLogging bool
	// GetMemberList are the roles that may retrieve the member list
	// (muc#roomconfig_getmemberlist); admins and owners always may.
	GetMemberList RoleSet
	// HidePresence are the roles whose presence is NOT broadcast
	// (the complement of muc#roomconfig_presencebroadcast).
	HidePresence RoleSet
	// Registration says whether and how users register with the room
	// (XEP-0045 §7.10, §9.9). The zero value is RegistrationAuto.
	Registration Registration
	// ListOccupants makes disco#items on the room list the occupant JIDs
	// (XEP-0045 §6.5 advises to keep them private: off by default).
	ListOccupants bool
	// LogsURL is the address of the public discussion logs, advertised as
	// muc#roominfo_logs (XEP-0045 §6.4) when set.
	LogsURL string
	// NickLockdown restricts users with a registered nick to that nick
	// (XEP-0045 §7.10 MAY, "lock down" roomnicks): they enter under it
	// whatever nick they ask for, with status 210 in their self-presence
	// (§7.2.2), and may not change it (not-acceptable); registering in
	// the room under another nick renames them, with 210. There is no
	// muc#roomconfig field for it: configuration only, kept across
	// configuration forms.
	NickLockdown bool
}

// DefaultConfig returns the configuration new rooms get unless the service
// is told otherwise: a temporary, public, open, unmoderated,
// semi-anonymous room with 20 messages of history, where occupants may
// change the subject and send private messages.
func DefaultConfig() Config {
	return Config{
		Public:        true,
		HistoryLength: 20,
		ChangeSubject: true,
		GetMemberList: RoleSetAll,
	}
}

// NonAnonymous reports whether every occupant sees real JIDs.
func (c *Config) NonAnonymous() bool { return c.Whois == WhoisAnyone }

// Validate checks c for consistency. Errors wrap ErrConfig.
func (c *Config) Validate() error {
	if c.MaxUsers < 0 {
		return fmt.Errorf("%w: negative MaxUsers", ErrConfig)
	}
	if c.HistoryLength < 0 {
		return fmt.Errorf("%w: negative HistoryLength", ErrConfig)
	}
	if c.PasswordProtected && c.Password == "" {
		// XEP-0045 §10.1.3: a blank password for a password-protected
		// room violates policy.
		return fmt.Errorf("%w: password-protected room without a password", ErrConfig)
	}
	if c.Whois > WhoisAnyone || c.AllowPM > PMNone || c.Registration > RegistrationNone || c.GetMemberList&^RoleSetAll != 0 || c.HidePresence&^RoleSetAll != 0 {
		return fmt.Errorf("%w: value out of range", ErrConfig)
	}
	return nil
}
