package fmuc

import (
	"fmt"
	"slices"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// State is what a Service keeps besides its rooms (which muc.Service.State
// gives): each room's federation settings when they were set for it, and
// what the room sent its upstream in the current link session, so that a
// restarted node rejoins without losing what it said before the restart.
// Persist it with the rooms' state after each call whose events changed
// them (FederationConfigured, LinkChanged) or at intervals, and give it to
// Restore after the rooms' Restore.
type State struct {
	Rooms []RoomState
}

// RoomState is one room's part of State.
type RoomState struct {
	// Room is the room's bare JID.
	Room stanza.JID
	// Federation is set when the room's federation was set for it
	// (SetFederation, the configuration form); nil: Options.Federation.
	Federation *Federation
	// Upstream is the session of the room's link to its upstream, nil
	// when there is none.
	Upstream *UpstreamState
}

// UpstreamState is the part of an upstream link a restart must not lose.
type UpstreamState struct {
	// Peer is the upstream room.
	Peer stanza.JID
	// Session names the link session; "" when the joined room never named
	// one (it does not know this package's resync).
	Session string
	// Heard is when the room last knew it had everything the upstream
	// sent (it federated, or a groupchat message arrived): the rejoin asks
	// for the history since.
	Heard time.Time
	// Log is what was sent in the session and may not have arrived,
	// oldest first, as XML.
	Log []LoggedStanza
}

// LoggedStanza is one entry of a link's log.
type LoggedStanza struct {
	Seq uint64
	At  time.Time
	XML string
}

// State returns the service's state, rooms in JID order.
func (s *Service) State() State {
	var st State
	for _, room := range s.sortedNodes() {
		n := s.nodes[room]
		rs := RoomState{Room: room}
		if f, ok := s.overrides[room]; ok {
			f := f
			rs.Federation = &f
		}
		if l := n.links[n.fed.Upstream.Bare()]; l != nil && l.counting {
			us := &UpstreamState{Peer: l.Peer, Session: l.session, Heard: l.caught}
			for _, e := range l.log {
				us.Log = append(us.Log, LoggedStanza{Seq: e.seq, At: e.at, XML: string(stanza.Encode(e.st))})
			}
			rs.Upstream = us
		}
		if rs.Federation != nil || rs.Upstream != nil {
			st.Rooms = append(st.Rooms, rs)
		}
	}
	for room, f := range s.overrides {
		if _, ok := s.nodes[room]; !ok {
			f := f
			st.Rooms = append(st.Rooms, RoomState{Room: room, Federation: &f})
		}
	}
	slices.SortFunc(st.Rooms, func(a, b RoomState) int { return compareJID(a.Room, b.Room) })
	return st
}

// Restore takes a State saved by State into a new Service (after its
// muc rooms were restored). Upstream links come back lost: the room
// rejoins when its first user enters again, asking for the history since
// it last heard from the upstream, and sends again, as late messages, what
// it said in the old session (the upstream drops what it has already).
// Rooms that joined this one come back by themselves: they notice the
// restart and rejoin.
func (s *Service) Restore(st State) error {
	for _, rs := range st.Rooms {
		room := rs.Room.Bare()
		if room.Domain() != s.opts.Domain.Domain() || room.Local() == "" {
			return fmt.Errorf("%w: %q is not a room of %s", ErrWrongAddress, room.String(), s.opts.Domain.String())
		}
		if rs.Federation != nil {
			if err := s.SetFederation(room, *rs.Federation); err != nil {
				return err
			}
		}
		if rs.Upstream == nil {
			continue
		}
		n := s.node(room)
		l := n.upstream()
		if l == nil || l.Peer != rs.Upstream.Peer.Bare() {
			return fmt.Errorf("%w: %s: saved upstream %s is not the room's upstream", ErrConfig, room.String(), rs.Upstream.Peer.String())
		}
		l.startSession(rs.Upstream.Session)
		l.heard, l.caught = rs.Upstream.Heard, rs.Upstream.Heard
		for _, e := range rs.Upstream.Log {
			st, err := stanza.DecodeLimits([]byte(e.XML), stanza.Limits{MaxSize: 1 << 20})
			if err != nil {
				return fmt.Errorf("%w: %s: logged stanza %d: %w", ErrConfig, room.String(), e.Seq, err)
			}
			l.log = append(l.log, logged{seq: e.Seq, at: e.At, st: st, size: len(e.XML)})
			l.logBytes += len(e.XML)
			l.sent = e.Seq
		}
		l.State, l.Since = LinkLost, time.Time{}
	}
	return nil
}
