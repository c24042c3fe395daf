package transport

import (
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Machine is the sans-IO state machine a Component drives: typically a MUC
// or FMUC service behind a small adapter that drops its events (or logs or
// persists them) and returns only the stanzas to send.
//
// The Component calls a Machine from a single goroutine, never concurrently,
// so implementations need no locking. Every call gets the current time from
// Config.Clock as now and returns the stanzas to send, in order; the
// Component sends them if the connection is up and drops them (counting
// Stats.Dropped) if it is not. When the server reads slower than the
// Machine produces, the Component waits for room in its outbound queue
// before it calls the Machine again (back-pressure, bounded by
// Config.OverflowTimeout), so a Tick may come late.
type Machine interface {
	// Handle processes one stanza received from the server.
	Handle(now time.Time, in stanza.Stanza) []stanza.Stanza
	// Tick is called once the time given by NextDeadline has come.
	Tick(now time.Time) []stanza.Stanza
	// NextDeadline reports when Tick wants to be called next; the zero
	// time means never. It is asked again after every call to the Machine.
	NextDeadline() time.Time
	// ConnectionChanged reports that the stream to the server came up
	// (after the XEP-0114 handshake succeeded) or went down. Stanzas
	// returned while up is false are dropped.
	ConnectionChanged(now time.Time, up bool) []stanza.Stanza
}

// Closer is an optional interface of a Machine that has something to say
// before the component leaves, such as a MUC service telling every occupant
// that it is shutting down (XEP-0045 §10.1, status 332). When Run's context
// is done while a stream is up, Run calls Close once, on the driver
// goroutine, and sends its stanzas before flushing the queue and closing the
// stream (all within Config.CloseTimeout).
type Closer interface {
	// Close returns the last stanzas to send.
	Close(now time.Time) []stanza.Stanza
}
