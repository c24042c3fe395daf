package transport

import "sync/atomic"

// Stats is a snapshot of a Component's counters since New.
type Stats struct {
	// In counts stanzas received from the server and passed to the Machine.
	In uint64
	// Out counts stanzas written to the socket (error replies included).
	Out uint64
	// Dropped counts stanzas not sent: the outbound queue was full, the
	// connection was down, or the stanza violated XEP-0114 §3 addressing.
	Dropped uint64
	// Reconnects counts connection attempts after the first one.
	Reconnects uint64
	// DecodeErrors counts stanzas from the server that could not be decoded.
	DecodeErrors uint64
	// KeepAlives counts whitespace pings written.
	KeepAlives uint64
}

type counters struct {
	in, out, dropped, reconnects, decodeErrors, keepAlives atomic.Uint64
}

func (c *counters) snapshot() Stats {
	return Stats{
		In:           c.in.Load(),
		Out:          c.out.Load(),
		Dropped:      c.dropped.Load(),
		Reconnects:   c.reconnects.Load(),
		DecodeErrors: c.decodeErrors.Load(),
		KeepAlives:   c.keepAlives.Load(),
	}
}
