package muc

import "github.com/xmppfmuc/fmuc/stanza"

// Occupant is someone in a room (XEP-0045 §4.1): a real JID present under a
// nickname with a role and an affiliation.
//
// Multiple sessions (XEP-0045 §7.2.8, "Nickname Conflict": the service
// SHOULD let further resources of the occupant's bare JID enter under the
// same nick): a local occupant may have several sessions, one per real
// full JID of one bare JID (see Sessions). JID is the
// session whose presence is the occupant's presence: the one that sent
// the latest presence update (§7.7), nick change or resynchronisation; a
// session joining does not change it. An occupant reached through another
// node (Via set) has exactly one session; its node merges its users'
// resources itself. Clients that rejoin with the same full JID are
// resynchronised (§7.2.1).
type Occupant struct {
	// Nick is the room nickname (the resourcepart of the occupant JID).
	Nick string
	// JID is the real full JID of the occupant's current session (the
	// only one unless Sessions says otherwise).
	JID stanza.JID
	// Via is the federated node the occupant is reached through; zero for
	// a local occupant.
	Via stanza.JID
	// Role is the occupant's role (§5.1).
	Role stanza.Role
	// Affiliation is the affiliation of the occupant's bare JID (§5.2).
	Affiliation stanza.Affiliation
	// Presence is the occupant's last presence payload as relayed to
	// others: the client's children minus any muc and muc#user <x/>.
	Presence []stanza.Element

	addr stanza.JID // room@service/nick
	// view caches the broadcast payloads: [0] without the real JID,
	// [1] with it. Nil when stale.
	view [2][]stanza.Element
	// oid caches the XEP-0421 <occupant-id/> (Room.oidOf).
	oid stanza.Element
	// askedVoice: a voice request of this occupant awaits a moderator
	// (Room.voiceRequest).
	askedVoice bool
	// others are the sessions besides JID, oldest first.
	others []session
	// messages and presences are the occupant's rates (limits_rate.go).
	messages, presences bucket
}

// Sessions returns the real full JIDs of all the occupant's sessions
// (XEP-0045 §7.2.8): JID first, then the others in order of entry.
func (o *Occupant) Sessions() []stanza.JID {
	out := make([]stanza.JID, 0, 1+len(o.others))
	out = append(out, o.JID)
	for _, s := range o.others {
		out = append(out, s.jid)
	}
	return out
}

// Addr returns the occupant JID, room@service/nick.
func (o *Occupant) Addr() stanza.JID { return o.addr }

// Remote reports whether the occupant is reached through another node.
func (o *Occupant) Remote() bool { return !o.Via.IsZero() }

// invalidate drops the cached broadcast payloads after a change of role,
// affiliation or presence.
func (o *Occupant) invalidate() { o.view = [2][]stanza.Element{} }

// rank orders affiliations for the "cannot act on a higher affiliation"
// rules of XEP-0045 §8.2 and §9.1.
func rank(a stanza.Affiliation) int {
	switch a {
	case stanza.AffiliationOwner:
		return 4
	case stanza.AffiliationAdmin:
		return 3
	case stanza.AffiliationMember:
		return 2
	case stanza.AffiliationOutcast:
		return 0
	}
	return 1
}

// defaultRole is the table of XEP-0045 §5.1.2 (Default Roles).
func defaultRole(a stanza.Affiliation, moderated bool) stanza.Role {
	switch a {
	case stanza.AffiliationOwner, stanza.AffiliationAdmin:
		return stanza.RoleModerator
	case stanza.AffiliationMember:
		return stanza.RoleParticipant
	case stanza.AffiliationOutcast:
		return stanza.RoleNone
	}
	if moderated {
		return stanza.RoleVisitor
	}
	return stanza.RoleParticipant
}
