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
// secret. Dialling and the handshake are bounded by ConnectTimeout and
// abandoned as soon as the context is done.
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
//     (RFC 6120 §4.6.1 whitespace ping) after KeepAlive of silence, and
//     ends the stream.
//
// Every goroutine has ended when Run returns.
//
// # Outbound queue and overflow
//
// The driver encodes the Machine's stanzas and puts them in a queue of
// OutboundQueue entries without ever blocking. When the queue is full (the
// server reads slower than the Machine produces), the newest stanza is
// dropped: it is counted in Stats.Dropped and the start and end of each
// drop streak are logged. Stanzas produced while no stream is up are
// dropped the same way; the Machine learns about losses through
// ConnectionChanged and is expected to resynchronise. A stanza without
// 'from' or 'to', or from another domain, is dropped as well (XEP-0114 §3:
// the server would end the stream). Each write is bounded by WriteTimeout;
// a server that reads nothing for that long is treated as a lost
// connection.
//
// # Input
//
// A stanza the decoder rejects but could skip (bad address, bad IQ type,
// larger than MaxStanzaSize) is answered with the error stanza of
// (*stanza.DecodeError).Reply and the stream goes on; it is counted in
// Stats.DecodeErrors. Unknown top-level elements are skipped.
// A <stream:error/>, the server's </stream:stream>, EOF, broken XML (after
// which encoding/xml cannot continue; the component then sends
// <not-well-formed/>) or a single top-level element larger than four times
// MaxStanzaSize plus 64 KiB end the stream.
//
// # Reconnecting and errors
//
// After a loss the Machine gets ConnectionChanged(false); Run reconnects
// after BackoffMin, doubling up to BackoffMax after each failed attempt,
// each delay shortened by a random fraction (Jitter) of itself, and calls
// ConnectionChanged(true) once the handshake succeeds again.
//
// A handshake refusal is permanent by default, since a wrong secret never
// heals: Run returns an error wrapping ErrNotAuthorized, ErrConflict or
// ErrHostUnknown and the *StreamError the server sent. With RetryRefused
// it is retried like any other failure. Any other failure (connection
// refused, timeout, other stream errors) is retried.
//
// When ctx is done, Run gives a Machine that implements Closer its last
// word (its stanzas are queued like any others, so the overflow policy
// applies), flushes the queue, sends </stream:stream>, waits
// for the server's (all within CloseTimeout), closes the socket, tells the
// Machine ConnectionChanged(false) and returns ctx.Err().
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
