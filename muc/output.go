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

// RemoteDelivery is one stanza for a federated node (the fmuc package
// sends it over the link to Via).
//
// The Stanza is what the room would send to a local occupant: it is from
// the occupant JID (or the room) and addressed to Via. A node gets one
// copy of each broadcast (For zero) whatever the number of its users in
// the room, and derives what each of them sees; a stanza meant for one of
// its users alone (a reply, a private message, an entry sequence) names
// that user in For. The real JID shown to the node is always included in
// items, so that it can render the stanza for its own occupants.
type RemoteDelivery struct {
	// Via is the federated node the stanza goes to.
	Via stanza.JID
	// About is the real JID of the occupant the stanza is about: whose
	// presence it is, who wrote the message or set the subject. Zero when
	// it is about the room itself.
	About stanza.JID
	// For is the real JID of the one user of Via the stanza is addressed
	// to; zero for a broadcast to the node.
	For stanza.JID
	// ForNick is the nick of For in the room when For is an occupant (or
	// asked for one, as in a refused entry); "" otherwise.
	ForNick string
	// Stanza is the stanza to relay.
	Stanza stanza.Stanza
}

// Broadcast reports whether d is a broadcast to the node rather than a
// stanza for one of its users.
func (d RemoteDelivery) Broadcast() bool { return d.For.IsZero() }

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
