package muc

import "github.com/xmppfmuc/fmuc/stanza"

// Output is what one call into a Service or Room produces: stanzas to send,
// deliveries for federated nodes, and events for the embedder. Order is
// kept within each list (Stanzas, Remote, Events); the lists are
// independent streams (local clients, federation links, the embedder).
type Output struct {
	// Stanzas are to be sent, in order, to local entities.
	Stanzas []stanza.Stanza
	// Remote are deliveries for occupants reached through another node,
	// one per distinct node, in order.
	Remote []RemoteDelivery
	// Events report state changes, in the order they happened.
	Events []Event
}

// RemoteDelivery is one stanza for a federated node (the coming fmuc
// package sends it over the link to Via).
//
// The Stanza is what the room would send to a local occupant: it is from
// the occupant JID (or the room) and addressed to Via. When it is about an
// occupant (a presence, a message from that occupant), items carry the real
// JID so that the node can render it for its own local occupants; Subject
// names the real JID the stanza is about or is meant for.
type RemoteDelivery struct {
	// Via is the federated node the stanza goes to.
	Via stanza.JID
	// Subject is the real JID of the occupant the stanza is about (for
	// broadcasts) or addressed to (for replies and private messages).
	Subject stanza.JID
	// Stanza is the stanza to relay.
	Stanza stanza.Stanza
}

// Empty reports whether o holds nothing to send and no events.
func (o Output) Empty() bool {
	return len(o.Stanzas) == 0 && len(o.Remote) == 0 && len(o.Events) == 0
}

// Append adds everything in x to o, keeping the order.
func (o *Output) Append(x Output) {
	o.Stanzas = append(o.Stanzas, x.Stanzas...)
	o.Remote = append(o.Remote, x.Remote...)
	o.Events = append(o.Events, x.Events...)
}

func (o *Output) event(e Event) { o.Events = append(o.Events, e) }
