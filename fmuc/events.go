package fmuc

import (
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// Event is a state change an embedder persists or logs: the muc.Event
// values of the underlying rooms, and the federation events of this
// package.
type Event interface {
	// Room is the room the event is about.
	Room() stanza.JID
}

// Output is what one call into a Service produces: the stanzas to send,
// in order (to local clients and to federated nodes alike: both leave
// through the component's stream), and the events, in the order they
// happened.
type Output struct {
	Stanzas []stanza.Stanza
	Events  []Event
}

func (o *Output) event(e Event) { o.Events = append(o.Events, e) }

// mucEvents adds the events of a muc Output.
func (o *Output) mucEvents(es []muc.Event) {
	for _, e := range es {
		o.Events = append(o.Events, e)
	}
}

// LinkChanged: the state of a room's link to a peer changed.
type LinkChanged struct {
	RoomJID stanza.JID
	// Peer is the bare JID of the room at the other end.
	Peer stanza.JID
	// Upstream is true for the link to the room this one joins.
	Upstream bool
	From, To LinkState
	// Reason says why, for people: the peer's reject text, a timeout...
	Reason string
}

// FederationRefused: this room refused a node's federation join (the
// inbound policy, a cycle, no such room), with the reason sent in the
// <reject/>.
type FederationRefused struct {
	RoomJID stanza.JID
	Peer    stanza.JID
	Reason  string
}

// SpoofRefused: a peer spoke for a real JID it does not hold (one of this
// server's users, or another link's), or sent something a peer may not
// (an admin request); the stanza was dropped.
type SpoofRefused struct {
	RoomJID stanza.JID
	Peer    stanza.JID
	JID     stanza.JID
	Reason  string
}

// PeerRefusedUser: a peer refused one of this node's users (its own
// policy: a ban, members-only); the user stays here but is not in the
// peer's room.
type PeerRefusedUser struct {
	RoomJID   stanza.JID
	Peer      stanza.JID
	JID       stanza.JID
	Condition stanza.Condition
}

// PeerRateExceeded: a peer room sent more than its rate
// (Options.PeerInterval, PeerBurst) and what is over it is being dropped;
// reported when the dropping starts, with the count so far
// (Link.RateDropped).
type PeerRateExceeded struct {
	RoomJID stanza.JID
	Peer    stanza.JID
	Dropped uint64
}

// Room implements Event.
func (e PeerRateExceeded) Room() stanza.JID { return e.RoomJID }

// Room implements Event.
func (e LinkChanged) Room() stanza.JID { return e.RoomJID }

// Room implements Event.
func (e FederationRefused) Room() stanza.JID { return e.RoomJID }

// Room implements Event.
func (e SpoofRefused) Room() stanza.JID { return e.RoomJID }

// Room implements Event.
func (e PeerRefusedUser) Room() stanza.JID { return e.RoomJID }
