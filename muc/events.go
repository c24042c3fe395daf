package muc

import (
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Event is a state change reported in an Output: one of the types of this
// package that implement it; switch on the concrete type.
type Event interface {
	// Room is the bare JID of the room the event is about.
	Room() stanza.JID
	isEvent()
}

// RoomCreated: a room came into existence (XEP-0045 §10.1). It is locked
// until its owner configures it, unless Locked is false.
type RoomCreated struct {
	RoomJID stanza.JID
	Owner   stanza.JID
	Locked  bool
}

// RoomUnlocked: the initial configuration was submitted (XEP-0045 §10.1.2,
// §10.1.3) and others may now enter.
type RoomUnlocked struct {
	RoomJID stanza.JID
}

// RoomDestroyed: the room is gone (XEP-0045 §10.9, or the last occupant left
// a temporary room, or the creator cancelled the initial configuration).
type RoomDestroyed struct {
	RoomJID stanza.JID
	// Reason and Alternate come from the owner's <destroy/>, if any.
	Reason    string
	Alternate stanza.JID
}

// ConfigChanged: the room configuration changed (XEP-0045 §10.2).
type ConfigChanged struct {
	RoomJID stanza.JID
	Config  Config
}

// AffiliationChanged: a user's long-lived affiliation changed (XEP-0045 §9,
// §10). To is AffiliationNone when the user was removed from a list.
type AffiliationChanged struct {
	RoomJID stanza.JID
	// JID is the bare JID the affiliation is held by.
	JID      stanza.JID
	From, To stanza.Affiliation
	// Actor is the real JID of who made the change (zero for the service).
	Actor  stanza.JID
	Reason string
}

// SubjectChanged: the room subject changed (XEP-0045 §8.1).
type SubjectChanged struct {
	RoomJID stanza.JID
	Subject Subject
}

// HistoryAppended: a message was added to the discussion history
// (XEP-0045 §7.2.13); Dropped is how many old entries fell off the end.
type HistoryAppended struct {
	RoomJID stanza.JID
	Entry   HistoryEntry
	Dropped int
}

// OccupantJoined: someone entered the room (XEP-0045 §7.2).
type OccupantJoined struct {
	RoomJID     stanza.JID
	Nick        string
	JID         stanza.JID
	Via         stanza.JID
	Role        stanza.Role
	Affiliation stanza.Affiliation
}

// OccupantLeft: an occupant left or was removed (XEP-0045 §7.14, §8.2,
// §9.1...). Status is the muc#user status code explaining the removal
// (0 for a voluntary exit, 307 kick, 301 ban, 321/322 affiliation, 332
// shutdown).
type OccupantLeft struct {
	RoomJID stanza.JID
	Nick    string
	JID     stanza.JID
	// Via is the node the occupant was reached through; zero when local.
	Via    stanza.JID
	Status stanza.StatusCode
	At     time.Time
}

// RemoteClaimRefused: a node tried to enter a real JID that this room's
// own users or another node already speak for (one real JID, one place).
// Holder is the node that holds it, zero when it is local.
type RemoteClaimRefused struct {
	RoomJID stanza.JID
	Via     stanza.JID
	JID     stanza.JID
	Holder  stanza.JID
}

// NickChanged: an occupant changed nickname (XEP-0045 §7.6).
type NickChanged struct {
	RoomJID  stanza.JID
	Old, New string
	JID      stanza.JID
}

// RoleChanged: an occupant's role changed (XEP-0045 §8).
type RoleChanged struct {
	RoomJID  stanza.JID
	Nick     string
	JID      stanza.JID
	From, To stanza.Role
	Actor    stanza.JID
	Reason   string
}

// Room implements Event.
func (e RoomCreated) Room() stanza.JID { return e.RoomJID }

// Room implements Event.
func (e RoomUnlocked) Room() stanza.JID { return e.RoomJID }

// Room implements Event.
func (e RoomDestroyed) Room() stanza.JID { return e.RoomJID }

// Room implements Event.
func (e ConfigChanged) Room() stanza.JID { return e.RoomJID }

// Room implements Event.
func (e AffiliationChanged) Room() stanza.JID { return e.RoomJID }

// Room implements Event.
func (e SubjectChanged) Room() stanza.JID { return e.RoomJID }

// Room implements Event.
func (e HistoryAppended) Room() stanza.JID { return e.RoomJID }

// Room implements Event.
func (e OccupantJoined) Room() stanza.JID { return e.RoomJID }

// Room implements Event.
func (e OccupantLeft) Room() stanza.JID { return e.RoomJID }

// Room implements Event.
func (e NickChanged) Room() stanza.JID { return e.RoomJID }

// Room implements Event.
func (e RoleChanged) Room() stanza.JID { return e.RoomJID }

func (RoomCreated) isEvent()        {}
func (RoomUnlocked) isEvent()       {}
func (RemoteClaimRefused) isEvent() {}
func (RoomDestroyed) isEvent()      {}
func (ConfigChanged) isEvent()      {}
func (AffiliationChanged) isEvent() {}
func (SubjectChanged) isEvent()     {}
func (HistoryAppended) isEvent()    {}
func (OccupantJoined) isEvent()     {}
func (OccupantLeft) isEvent()       {}
func (NickChanged) isEvent()        {}
func (RoleChanged) isEvent()        {}
func (NickRegistered) isEvent()     {}
func (SessionJoined) isEvent()      {}
func (SessionLeft) isEvent()        {}

// NickRegistered: a user registered a nick with the room (XEP-0045
// §7.10), or removed its registration (Nick is ""). The nick is part of
// the room's State.
type NickRegistered struct {
	RoomJID stanza.JID
	// JID is the user's bare JID.
	JID  stanza.JID
	Nick string
}

// Room implements Event.
func (e NickRegistered) Room() stanza.JID { return e.RoomJID }

// SessionJoined: a further session (real full JID) of an occupant's bare
// JID entered under its nick (XEP-0045 §7.2.8). The occupant itself was
// already in the room: no OccupantJoined.
type SessionJoined struct {
	RoomJID stanza.JID
	Nick    string
	JID     stanza.JID
}

// SessionLeft: one of several sessions of an occupant left or was removed
// (Status 333, §11.1); the occupant stays in the room under its other
// sessions: no OccupantLeft.
type SessionLeft struct {
	RoomJID stanza.JID
	Nick    string
	JID     stanza.JID
	Status  stanza.StatusCode
	At      time.Time
}

// Room implements Event.
func (e SessionJoined) Room() stanza.JID { return e.RoomJID }

// Room implements Event.
func (e SessionLeft) Room() stanza.JID { return e.RoomJID }

// Room implements Event.
func (e RemoteClaimRefused) Room() stanza.JID { return e.RoomJID }
