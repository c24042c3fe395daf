package fmuc

import (
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// LinkState is the state of a room's link to one peer room.
type LinkState uint8

const (
	// LinkUnset is the state of a link never used.
	LinkUnset LinkState = iota
	// LinkJoining: this room sent its federation join upstream and waits
	// for the occupants, history and subject (XEP-0289 §4.1).
	LinkJoining
	// LinkFederated: the rooms exchange traffic.
	LinkFederated
	// LinkRejected: the peer refused the federation (XEP-0289 §4.1
	// <reject/>); a later first local user tries again.
	LinkRejected
	// LinkLeft: the federation ended in order (XEP-0289 §4.4 <left/>, the
	// peer room destroyed or shut down).
	LinkLeft
	// LinkLost: the peer did not answer the federation join in time.
	LinkLost
)

// String names the state.
func (s LinkState) String() string {
	switch s {
	case LinkJoining:
		return "joining"
	case LinkFederated:
		return "federated"
	case LinkRejected:
		return "rejected"
	case LinkLeft:
		return "left"
	case LinkLost:
		return "lost"
	}
	return "unset"
}

// Link is a snapshot of a room's link to a peer room.
type Link struct {
	// Peer is the bare JID of the room at the other end.
	Peer stanza.JID
	// Upstream is true for the link to the room this one joins (its
	// federation's parent); false for a room that joined this one.
	Upstream bool
	// State is the link's state; Since when it entered it.
	State LinkState
	Since time.Time
	// Mode is the mode of an upstream link.
	Mode Mode
	// Path are the rooms above Peer, nearest first, as Peer reported them
	// (upstream links only); the federation is a tree, so this room is
	// never among them.
	Path []stanza.JID
}

// link is the mutable state behind a Link.
type link struct {
	Link
	// deadline ends LinkJoining (JoinTimeout).
	deadline time.Time
}

// set moves l to state st and reports the change.
func (n *Node) set(out *Output, l *link, st LinkState, now time.Time, reason string) {
	if l.State == st {
		return
	}
	out.event(LinkChanged{RoomJID: n.room, Peer: l.Peer, Upstream: l.Upstream, From: l.State, To: st, Reason: reason})
	l.State, l.Since = st, now
	if st != LinkJoining {
		l.deadline = time.Time{}
	}
}
