package muc

import (
	"fmt"
	"slices"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// This file is the seam the fmuc package builds XEP-0289 federation on:
// what a room does with the state another node replays or decides. Every
// call returns an Output like Handle; stanzas for occupants reached
// through a node are RemoteDeliveries, never sent back to the node the
// input came from.

// SetLinks sets the federated nodes the room is linked with (XEP-0289):
// each gets one copy of every broadcast, never the one it came from,
// even before any occupant is reached through it. Occupants reached
// through a node that is not in links still get broadcasts through it.
func (r *Room) SetLinks(links []stanza.JID) { r.links = slices.Clone(links) }

// HasLinks reports whether links are the nodes set with SetLinks, in the
// same order; it copies nothing, unlike Links.
func (r *Room) HasLinks(links []stanza.JID) bool { return slices.Equal(r.links, links) }

// Links returns the nodes set with SetLinks.
func (r *Room) Links() []stanza.JID { return slices.Clone(r.links) }

// reaches reports whether some occupant is reached through via.
func (r *Room) reaches(via stanza.JID) bool {
	for _, o := range r.occupants {
		if o.Via == via {
			return true
		}
	}
	return false
}

// Reaches reports whether any occupant is reached through the node via.
func (r *Room) Reaches(via stanza.JID) bool { return r.reaches(via) }

// Local reports whether the room has an occupant of its own (not reached
// through another node).
func (r *Room) Local() bool { return r.reaches(stanza.JID{}) }

// OccupantByJID returns the occupant whose session is the real full JID
// jid.
func (r *Room) OccupantByJID(jid stanza.JID) (Occupant, bool) {
	o, ok := r.byJID[jid]
	if !ok {
		return Occupant{}, false
	}
	return r.Occupant(o.Nick)
}

// claimedElsewhere refuses a remote entry whose real JID (full or bare)
// is already spoken for by this room's own users or by another node: a
// real JID is spoken for by exactly one place. The refusal is reported
// as a RemoteClaimRefused event.
func (r *Room) claimedElsewhere(tx *request) bool {
	bare := tx.from.Bare()
	for _, o := range r.occupants {
		if o.Via == tx.via || o.JID.Bare() != bare {
			continue
		}
		tx.out.event(RemoteClaimRefused{RoomJID: r.jid, Via: tx.via, JID: tx.from, Holder: o.Via})
		r.fail(tx, stanza.Conflict, "this user is already in the room through another node")
		return true
	}
	return false
}

// announced takes the role and affiliation a remote occupant's node states
// in the muc#user item of its presence, when they are valid for an
// occupant (XEP-0289 §4.1, §4.5: shown as the node says, cosmetically).
func announced(o *Occupant, p *stanza.Presence) {
	var x stanza.MUCUser
	found, err := stanza.Find(p, stanza.NSMUCUser, "x", &x)
	if err != nil || !found || len(x.Items) == 0 {
		return
	}
	it := x.Items[0]
	if it.Role.Valid() && it.Role != stanza.RoleNone && it.Role != o.Role {
		o.Role = it.Role
		o.invalidate()
	}
	if it.Affiliation.Valid() && it.Affiliation != stanza.AffiliationOutcast && it.Affiliation != o.Affiliation {
		o.Affiliation = it.Affiliation
		o.invalidate()
	}
}

// MergeHistory adds to the discussion history the messages the node via
// replayed when this room federated with it (XEP-0289 §4.1: "adding the
// history to the room's history"). Each entry keeps its stamp, author and
// payload (origin id and the other rooms' stanza ids included); an entry
// already in the history (one XEP-0359 stanza id in common, or the same
// author and origin id) is skipped; the rest are merged in stamp order,
// given this room's own stanza id, and bounded by the history length.
//
// New entries are shown at once to the occupants already present and to
// the other nodes, as delayed messages (XEP-0203) without fmuc payloads;
// nothing goes back to via.
func (r *Room) MergeHistory(now time.Time, via stanza.JID, entries []HistoryEntry) (Output, error) {
	var out Output
	if err := r.fedCheck(via); err != nil {
		return out, err
	}
	tx := &request{now: now, via: via, out: &out}
	var added []HistoryEntry
	for _, e := range entries {
		if e.Nick == "" || e.Stamp.IsZero() || r.inHistory(e) {
			continue
		}
		if e.Origin.IsZero() {
			e.Origin = via.Bare()
		}
		e.Stamp = e.Stamp.UTC()
		p := make([]stanza.Element, 0, len(e.Payload)+1)
		p = append(p, stanza.WithoutStanzaIDsBy(stanza.Without(e.Payload, stanza.NSFMUC, "fmuc"), r.jid)...)
		p = append(p, stanza.StanzaID{ID: r.opts.NewID(), By: r.jid}.Element())
		e.Payload = p[:len(p):len(p)]
		r.prepare(&e)
		added = append(added, e)
	}
	if len(added) == 0 {
		return out, nil
	}
	r.history = append(r.history, added...)
	slices.SortStableFunc(r.history, func(a, b HistoryEntry) int { return a.Stamp.Compare(b.Stamp) })
	limit := r.config.HistoryLength
	dropped := 0
	if n := len(r.history) - limit; n > 0 {
		dropped = n
		r.trimHistory()
	}
	for _, e := range added {
		pub := e
		pub.delayed, pub.size, pub.from = nil, 0, stanza.JID{}
		out.event(HistoryAppended{RoomJID: r.jid, Entry: pub, Dropped: dropped})
		dropped = 0
		r.broadcast(tx, nil, e.JID, func(to stanza.JID, _ bool) stanza.Stanza {
			return &stanza.Message{Header: stanza.Header{From: e.from, To: to, ID: e.ID, Type: stanza.MessageGroupchat}, Children: e.delayed}
		})
	}
	return out, nil
}

// inHistory reports whether e is already in the history: a stanza id
// (by, id) in common, or the same author with the same origin id.
func (r *Room) inHistory(e HistoryEntry) bool {
	ids := stanza.StanzaIDs(&stanza.Message{Children: e.Payload})
	origin, _ := stanza.OriginID(&stanza.Message{Children: e.Payload})
	for _, h := range r.history {
		hm := &stanza.Message{Children: h.Payload}
		for _, id := range stanza.StanzaIDs(hm) {
			if slices.Contains(ids, id) {
				return true
			}
		}
		if o, _ := stanza.OriginID(hm); origin != "" && o == origin && h.JID.Bare() == e.JID.Bare() {
			return true
		}
	}
	return false
}

// AdoptSubject takes the subject the node via sent when this room
// federated with it (XEP-0289 §4.1: the joining node SHOULD replace its own
// subject with the received one), whoever set it and without permission
// checks: the subject was decided there. Local occupants and the other
// nodes see the change; nothing goes back to via.
func (r *Room) AdoptSubject(now time.Time, via stanza.JID, s Subject) (Output, error) {
	var out Output
	if err := r.fedCheck(via); err != nil {
		return out, err
	}
	if s.Origin.IsZero() {
		s.Origin = via.Bare()
	}
	if s.Set.IsZero() {
		s.Set = now
	}
	s.Set = s.Set.UTC()
	s.StanzaID = r.opts.NewID()
	if s.Text == r.subject.Text && s.Nick == r.subject.Nick {
		return out, nil
	}
	tx := &request{now: now, via: via, out: &out}
	r.subject = s
	r.subjectOID = stanza.Element{}
	from := r.jid
	if s.Nick != "" {
		if a, err := r.addr(s.Nick); err == nil {
			from = a
		}
	}
	payload := []stanza.Element{
		stanza.TextElement("subject", s.Text),
		stanza.StanzaID{ID: s.StanzaID, By: r.jid}.Element(),
		stanza.Delay{From: s.Origin, Stamp: s.Set}.Element(),
	}
	r.broadcast(tx, nil, s.JID, func(to stanza.JID, _ bool) stanza.Stanza {
		return &stanza.Message{Header: stanza.Header{From: from, To: to, ID: s.StanzaID, Type: stanza.MessageGroupchat}, Children: payload}
	})
	out.event(SubjectChanged{RoomJID: r.jid, Subject: r.subject})
	return out, nil
}

// DropVia removes every occupant reached through the node via: its link
// is gone (XEP-0289 §4.4 <left/>, a link lost for good). The others, local
// and on other nodes, see each leave with the given status codes (none for
// an orderly departure; 333 when the link failed, XEP-0045 §7.14). Nothing
// goes to via.
func (r *Room) DropVia(now time.Time, via stanza.JID, codes ...stanza.StatusCode) (Output, error) {
	var out Output
	if err := r.fedCheck(via); err != nil {
		return out, err
	}
	tx := &request{now: now, via: via, out: &out}
	for _, o := range slices.Clone(r.occupants) {
		if o.Via != via {
			continue
		}
		it := item{aff: o.Affiliation, role: stanza.RoleNone}
		r.removeOccupant(o)
		r.leaveOthers(tx, o, nil, it, codes...)
		out.event(OccupantLeft{RoomJID: r.jid, Nick: o.Nick, JID: o.JID, Via: o.Via, Status: firstCode(codes), At: now})
	}
	r.maybeVanish(tx)
	return out, nil
}

// Removal is a removal of an occupant decided on another node: a kick or
// a ban by one of its moderators (XEP-0289 §4.5, "it SHOULD kick the
// user and fan-out the consequent presence stanzas to other nodes").
type Removal struct {
	// Statuses are the muc#user status codes of the removal (307 kick,
	// 301 ban, 321 and 322 affiliation changes).
	Statuses []stanza.StatusCode
	// Actor is the nick of the moderator, as the deciding node shows it.
	Actor string
	// Reason is the moderator's reason.
	Reason string
}

// Remove enacts a removal that the node via decided for the occupant
// whose real JID is jid (one of via's own users, or anyone else's): a
// local occupant gets its unavailable self-presence with 110 and the
// statuses; every other occupant, and every other node, sees it leave. This room's affiliation lists do not
// change (XEP-0289 §4.5: a remote owner cannot change them). An unknown
// occupant is no error: the removal may have crossed its exit.
func (r *Room) Remove(now time.Time, via, jid stanza.JID, rm Removal) (Output, error) {
	var out Output
	if err := r.fedCheck(via); err != nil {
		return out, err
	}
	o, ok := r.byJID[jid]
	if !ok {
		return out, nil
	}
	tx := &request{now: now, via: via, out: &out}
	it := item{aff: o.Affiliation, role: stanza.RoleNone, actorNick: rm.Actor, reason: rm.Reason}
	r.leaveSelf(tx, o, "", nil, it, nil, rm.Statuses...)
	r.removeOccupant(o)
	r.leaveOthers(tx, o, nil, it, rm.Statuses...)
	out.event(OccupantLeft{RoomJID: r.jid, Nick: o.Nick, JID: o.JID, Via: o.Via, Status: firstCode(rm.Statuses), At: now})
	r.maybeVanish(tx)
	return out, nil
}

// fedCheck validates the room and the node of a federation call.
func (r *Room) fedCheck(via stanza.JID) error {
	if r.destroyed {
		return ErrDestroyed
	}
	if via.IsZero() {
		return fmt.Errorf("%w: no node", ErrConfig)
	}
	return nil
}

// firstCode is the status code reported in OccupantLeft.
func firstCode(codes []stanza.StatusCode) stanza.StatusCode {
	if len(codes) == 0 {
		return 0
	}
	return codes[0]
}

// toNodes sends one stanza, built by mk for each, to every node that
// reaches an occupant, instead of one per remote occupant: for notices
// that concern all of them alike (destruction, shutdown). The node
// tells its own users.
func (r *Room) toNodes(tx *request, mk func(via stanza.JID) stanza.Stanza) {
	vias := slices.Clone(r.links)
	for _, o := range r.occupants {
		if o.Remote() && !slices.Contains(vias, o.Via) {
			vias = append(vias, o.Via)
		}
	}
	for _, v := range vias {
		tx.out.Remote = append(tx.out.Remote, RemoteDelivery{Via: v, Stanza: mk(v)})
	}
}

// CreateInstant creates room unlocked, with the service's default
// configuration and owner as its owner (the instant room of XEP-0045
// §10.1.2): for a room that comes into being by joining a federation, whose
// first local user has not entered yet (XEP-0289 §4.1: that user sees the
// federation's occupants, history and subject on entry). An existing room
// is returned as it is.
func (s *Service) CreateInstant(room, owner stanza.JID) (*Room, Output, error) {
	var out Output
	room = room.Bare()
	if r, ok := s.Room(room); ok {
		return r, out, nil
	}
	if room.Domain() != s.opts.Domain.Domain() || room.Local() == "" {
		return nil, out, fmt.Errorf("%w: %q is not a room of %q", ErrWrongAddress, room.String(), s.opts.Domain.String())
	}
	r, err := NewRoom(room, s.defaults, s.roomOpts)
	if err != nil {
		return nil, out, err
	}
	if !owner.IsZero() {
		r.affs[owner.Bare()] = stanza.AffiliationOwner
	}
	s.rooms[room] = r
	out.event(RoomCreated{RoomJID: room, Owner: owner.Bare(), Locked: false})
	return r, out, nil
}
