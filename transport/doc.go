// Package transport connects a sans-IO state machine (a Machine) to an XMPP
// server as an XEP-0114 external component. It is the only package of this
// module that does I/O.
//
// # Connection
//
// Component.Run dials Config.Address (host:port; there is no default
// port), sends the jabber:component:accept stream header for
// Config.Domain, and answers the server's stream id with the XEP-0114 §3
// handshake: the lower-case hex SHA-1 of the stream id followed by the
// secret. Dialling and the handshake share one deadline, ConnectTimeout
// from the start of the attempt, and are abandoned as soon as the context
// is done.
//
// # Goroutines
//
// While a stream is up, Run uses three goroutines:
//
//   - the driver (the goroutine that called Run) owns the Machine: it calls
//     Handle, Tick and ConnectionChanged, one at a time, and keeps a single
//     timer set to the Machine's NextDeadline (also while disconnected);
//   - the reader decodes the stream with stanza.DecodeElement and hands each
//     stanza to the driver; it never writes;
//   - the writer is the only goroutine that writes after the handshake: it
//     takes encoded stanzas from the outbound queue, writes a single space
//     (RFC 6120 §4.6.1 whitespace ping) after KeepAlive of silence, runs
//     the liveness check (below), and ends the stream.
//
// Every goroutine has ended when Run returns.
//
// # Outbound queue and back-pressure
//
// The driver encodes the Machine's stanzas, in order, into a queue that
// the writer drains, gathering what is waiting into writes of up to
// 64 KiB. The queue has two bounds, OutboundQueue stanzas and
// OutboundQueueBytes bytes (default 16 MiB; the bytes of the write under
// way count until it returns, Stats.QueuedBytes). When either is reached
// (the server reads slower than the Machine produces), the driver waits
// for room instead of dropping anything; Stats.BackPressure counts the
// stanzas that waited.
// While it waits, the driver calls the Machine for nothing else: the reader
// blocks handing over the next inbound stanza (the reader-to-driver
// channel is unbuffered), stops reading, and TCP flow control slows the
// server down in turn; Tick is delayed until the wait ends. The writer
// keeps draining meanwhile; its whitespace pings are timed from its last
// write, so none is due while it drains the queue.
// Memory stays bounded: the queue (at most OutboundQueueBytes, whatever
// the stanza sizes), the one Machine output being queued, and one decoded
// inbound stanza.
//
// A wait is bounded. A stanza that finds no room for OverflowTimeout means
// the server is stuck: that stanza and the rest of the same Machine output
// are counted in Stats.Dropped, an error is logged, and the stream is
// dropped like a lost connection (below). A write that the server does not
// read within WriteTimeout, or a stream the reader finds dead, ends the
// wait the same way. Cancelling ctx ends the wait at once; what was still
// waiting becomes part of the clean close (below).
//
// A stanza without 'from' or 'to', or from another domain, is dropped and
// counted (XEP-0114 §3: the server would end the stream). Stanzas the
// Machine returns while no stream is up are dropped and counted as well.
//
// # Liveness
//
// TCP alone takes about 15 minutes to give up on a server that vanished,
// and a whitespace keepalive proves nothing, since nothing answers it. So
// when the server has sent nothing at all for PingInterval (default 60 s),
// the writer sends an XEP-0199 ping of its own (not the Machine's) to
// PingTo, and if nothing at all arrives within PingTimeout (default 30 s)
// of it, the stream is lost: the Machine gets ConnectionChanged(false),
// Stats.PingTimeouts counts it, and Run reconnects with backoff, without
// waiting for a </stream:stream> that will not come. A hung server (one
// that reads but never writes) or a half-open connection is thus found
// within PingInterval + PingTimeout (90 s by default), or within
// WriteTimeout of a write it blocks.
//
// Any byte from the server counts as life: a stanza, whitespace, or the
// ping's answer, be it a result or an error such as service-unavailable
// (XEP-0199 §4). Answers to the transport's pings are recognised by their
// id and sender and consumed: the Machine never sees them, and neither
// Stats.In nor Stats.Out counts them (Stats.Pings counts the pings).
// PingTo defaults to the component's own domain, which the server routes
// back over the same stream (Prosody 0.12 and ejabberd 23.01 both do,
// within a few milliseconds on loopback), so that the check involves the
// server and this stream only, never an s2s link; the server's own host
// (say wonderland.lit for rooms.wonderland.lit) answers just as well when
// it is local to the server.
//
// Two rules keep the check from mistaking the component's own load for a
// dead server. Time the reader spends not reading because the driver waits
// for room in the outbound queue does not count as silence. And a ping is
// written only once the outbound queue is empty, so that it does not wait
// behind the component's own output at a server that reads slowly; a
// server that stops reading a busy stream is found by WriteTimeout
// instead.
//
// # What a lost stream loses
//
// XEP-0114 has no acknowledgements and components have no stream
// management, so nothing is retransmitted. When a stream is lost (the
// server closed it or sent a stream error, a read or write failed, a ping
// went unanswered, or OverflowTimeout passed), the stanzas still in the
// outbound queue, those of the write that failed (a prefix of which may
// have reached the server), and the rest of the Machine output being
// queued are discarded and counted in Stats.Dropped; the next stream
// starts with an empty queue.
// The Machine learns about the loss through ConnectionChanged(false) and
// is expected to resynchronise after ConnectionChanged(true). Stanzas
// counted in Stats.Out were written to the socket, which does not prove
// that the server processed them. Once Run has returned, every stanza has
// been counted exactly once, in Out or in Dropped.
//
// # Input
//
// A stanza the decoder rejects but could skip (bad address, bad IQ type,
// larger than MaxStanzaSize) is answered with the error stanza of
// (*stanza.DecodeError).Reply (policy-violation for a stanza too large,
// without its payload) and the stream goes on; it is counted in
// Stats.DecodeErrors. Unknown top-level elements are skipped.
// A <stream:error/>, the server's </stream:stream>, EOF, broken XML (after
// which encoding/xml cannot continue; the component then sends
// <not-well-formed/>) or a single top-level element larger than
// ReadBudget(MaxStanzaSize), four times the effective MaxStanzaSize plus
// 64 KiB, end the stream. With the defaults that is 1,088 KiB, more than
// any stanza Prosody (whose largest limit is 512 KiB, for s2s) or a
// default ejabberd passes on, so no stanza a server accepts from a client
// can end the stream.
//
// # Output size
//
// A server ends the stream of a component that sends a stanza above its
// own limit (Prosody's component_stanza_size_limit, 512 KiB by default),
// and with it every room. No stanza larger than MaxOutboundSize (default
// 500 KiB) is written: it is counted in Stats.Oversize and Stats.Dropped
// and logged at error level, and the stanza whose handling produced it is
// answered with resource-constraint, once per Machine output and without
// its payload. An IQ is answered only when the stanza too large is its
// own response, so that it never gets two. Output of Tick or
// ConnectionChanged has nobody to answer and is only logged.
//
// # Reconnecting and errors
//
// After a loss (which ends the old stream within CloseTimeout) the Machine
// gets ConnectionChanged(false); Run reconnects
// after BackoffMin, doubling up to BackoffMax after each failed attempt,
// each delay shortened by a random fraction (Jitter) of itself, and calls
// ConnectionChanged(true) once the handshake succeeds again.
//
// A successful handshake does not reset the backoff: a stream lost before
// it has been up for StableAfter counts as one more failed attempt, and
// only the loss of a stream that lasted starts again from BackoffMin. A
// server that accepts the component and drops it at once (a crash loop, a
// proxy in front of a dead server) therefore sees attempts spaced by the
// growing backoff rather than a reconnect loop. StableAfter defaults to
// the longer of 30 s and BackoffMax, which keeps even a server that flaps
// forever at about one attempt per BackoffMax.
//
// A handshake refusal is permanent by default, since a wrong secret never
// heals: Run returns an error wrapping ErrNotAuthorized, ErrConflict or
// ErrHostUnknown and the *StreamError the server sent. With RetryRefused
// it is retried like any other failure. One exception: a conflict within
// DefaultConflictGrace of losing a stream is retried, since the server
// may still hold that stream (a loaded Prosody notices a closed component
// connection late). Any other failure (connection
// refused, timeout, other stream errors) is retried.
//
// When ctx is done, Run queues what was still waiting for room, then
// gives a Machine that implements Closer its last word (these stanzas wait
// for room like any others, but only until the closing deadline), flushes
// the queue, sends </stream:stream>, waits for the server's (all within
// CloseTimeout from the cancellation), closes the socket, tells the
// Machine ConnectionChanged(false) and returns ctx.Err(). What the
// deadline leaves unwritten is counted in Stats.Dropped.
//
// # Why not gosrc.io/xmpp's transport
//
// gosrc.io/xmpp v0.5.1's lowest layer, XMPPTransport, dials with
// net.DialTimeout (no context, whole seconds), reads the stream header
// without any deadline, keeps its net.Conn private (no read or write
// deadlines can be set), and its Close first writes </stream:stream>
// through the same connection without a deadline, then waits up to
// ConnectTimeout seconds for ReceivedStreamClose (an unbuffered send that
// blocks its caller when no Close is waiting). Writes to one net.Conn are
// serialised, so a write blocked on a server that does not read cannot be
// interrupted: Close queues behind it for good. It also
// silently adds port 5222 to an address without one. This package
// therefore speaks XEP-0114 over net and encoding/xml itself, and decodes
// stanzas with the stanza package (gosrc.io/xmpp's stanza types drop
// unknown child elements).
package transport
