package muc

import "github.com/xmppfmuc/fmuc/stanza"

// Occupant is someone in a room (XEP-0045 §4.1): a real JID present under a
// nickname with a role and an affiliation.
//
// Multiple sessions: XEP-0045 §7.2.8 says a service SHOULD let a second
// resource of the same bare JID share a nick. This package does not: one
// occupant is one full JID, and a second full JID asking for a taken nick
// gets <conflict/> whatever its bare JID (see enter.go). Clients that
// reconnect with the same full JID are resynchronised instead (§7.2.1).
type Occupant struct {
	// Nick is the room nickname (the resourcepart of the occupant JID).
	Nick string
	// JID is the occupant's real full JID.
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
	// oid caches the XEP-0421 <occupant-id/> (occupantid.go).
	oid stanza.Element
	// askedVoice: a voice request of this occupant awaits a moderator
	// (voicerequest.go).
	askedVoice bool
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
