package transport

import "sync/atomic"

// Stats is a snapshot of a Component's counters since New.
type Stats struct {
	// In counts stanzas received from the server and passed to the Machine.
	In uint64
	// Out counts stanzas written to the socket (error replies included).
	Out uint64
	// Dropped counts stanzas not sent: the stanza violated XEP-0114 §3
	// addressing; no stream was up; the stream was lost (or Run stopped)
	// while the stanza waited for room in the outbound queue, sat in the
	// queue, or was part of the write that failed; or the queue stayed
	// full for OverflowTimeout. Once Run has returned, every stanza the
	// Machine returned (plus every error reply to the server) has been
	// counted exactly once, in Out or in Dropped.
	Dropped uint64
	// Reconnects counts connection attempts after the first one.
	Reconnects uint64
	// DecodeErrors counts stanzas from the server that could not be decoded.
	DecodeErrors uint64
	// KeepAlives counts whitespace pings written.
	KeepAlives uint64
	// Pings counts the XEP-0199 pings of the liveness check written
	// (Config.PingInterval); they are not counted in Out.
	Pings uint64
	// PingTimeouts counts streams dropped because nothing was heard from
	// the server within Config.PingTimeout of a ping.
	PingTimeouts uint64
	// BackPressure counts stanzas that found the outbound queue full, so
	// that the driver waited for room (see Config.OverflowTimeout). A
	// growing count means the server reads slower than the Machine
	// produces.
	BackPressure uint64
	// Oversize counts stanzas of the Machine not sent because they were
	// larger than Config.MaxOutboundSize (each is counted in Dropped too).
	Oversize uint64
	// QueuedBytes is the encoded size of the stanzas in the outbound queue
	// or in the write under way now; it never exceeds
	// Config.OutboundQueueBytes.
	QueuedBytes int64
	// PeakQueuedBytes is the largest QueuedBytes seen since New.
	PeakQueuedBytes int64
}

type counters struct {
	in, out, dropped, reconnects, decodeErrors, keepAlives, pings, pingTimeouts, backPressure, oversize atomic.Uint64
	queuedBytes, peakQueuedBytes                                                                        atomic.Int64
}

func (c *counters) snapshot() Stats {
	return Stats{
		In:              c.in.Load(),
		Out:             c.out.Load(),
		Dropped:         c.dropped.Load(),
		Reconnects:      c.reconnects.Load(),
		DecodeErrors:    c.decodeErrors.Load(),
		KeepAlives:      c.keepAlives.Load(),
		Pings:           c.pings.Load(),
		PingTimeouts:    c.pingTimeouts.Load(),
		BackPressure:    c.backPressure.Load(),
		Oversize:        c.oversize.Load(),
		QueuedBytes:     c.queuedBytes.Load(),
		PeakQueuedBytes: c.peakQueuedBytes.Load(),
	}
}
