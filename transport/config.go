package transport

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Defaults for the zero fields of Config.
const (
	DefaultKeepAlive     = 60 * time.Second
	DefaultBackoffMin    = 1 * time.Second
	DefaultBackoffMax    = 60 * time.Second
	DefaultJitter        = 0.5
	DefaultOutboundQueue = 1024
	// DefaultOutboundQueueBytes bounds the outbound queue in bytes:
	// 16 MiB, 32 stanzas of DefaultMaxOutboundSize, or 16,000 of the 1 KiB
	// a typical groupchat copy takes (the stanza bound is then the one
	// that applies). Without it DefaultOutboundQueue stanzas of
	// DefaultMaxStanzaSize would hold 256 MiB.
	DefaultOutboundQueueBytes = 16 << 20
	DefaultConnectTimeout     = 15 * time.Second
	DefaultWriteTimeout       = 60 * time.Second
	DefaultCloseTimeout       = 2 * time.Second
	// DefaultPingInterval is how long the server may stay silent before
	// the liveness check pings it: as long as DefaultKeepAlive, so that an
	// idle stream carries one ping a minute each way.
	DefaultPingInterval = 60 * time.Second
	// DefaultPingTimeout is how long the liveness check waits for anything
	// from the server after a ping. A server that answers at all does so
	// within milliseconds (Prosody and ejabberd on loopback: 3 to 8 ms);
	// 30 s leaves a loaded one time, and a dead one is found within
	// 90 s instead of the ~15 minutes TCP takes.
	DefaultPingTimeout = 30 * time.Second
	// DefaultOverflowTimeout is twice DefaultWriteTimeout. A server that
	// reads nothing is caught by the write timeout; while the writer makes
	// progress the queue keeps getting room, so this is the last resort.
	// It is long on purpose: a CPU-bound Prosody routing the N² presences
	// of a 1,000-occupant join or leave storm stopped reading the
	// component stream for more than 30 s in the load test.
	DefaultOverflowTimeout = 2 * time.Minute
	// DefaultStableAfter is the shortest StableAfter by default; the
	// default is the longer of it and BackoffMax.
	DefaultStableAfter = 30 * time.Second
	// DefaultConflictGrace is how long after losing its stream a
	// component keeps retrying a handshake the server refuses with
	// conflict: the server may not have noticed the loss yet and still
	// hold the old stream (Prosody under load took 9 s).
	DefaultConflictGrace = 2 * time.Minute
	// DefaultMaxStanzaSize is the largest stanza read from the server:
	// 256 KiB, Prosody's c2s_stanza_size_limit and the max_stanza_size
	// of ejabberd's example c2s listener, so a stanza any local client
	// can send fits. It is also stanza.DefaultLimits.MaxSize.
	DefaultMaxStanzaSize = 256 << 10
	// DefaultMaxOutboundSize is the largest stanza written to the server:
	// 500 KiB, below Prosody's component_stanza_size_limit (512 KiB by
	// default; Prosody ends a component stream that sends more) and
	// ejabberd's ejabberd_service max_stanza_size (unlimited by default).
	// It leaves 244 KiB above DefaultMaxStanzaSize for what a room adds to
	// a stanza it relays (addresses, stanza and occupant ids, delay).
	DefaultMaxOutboundSize = 500 << 10
)

// Config configures a Component. Address, Domain, Secret and Machine are
// required; every other zero field takes its default.
type Config struct {
	// Address is the server's component port as host:port. A missing port
	// is an error: there is no default (XEP-0114 has no well-known port,
	// and gosrc.io/xmpp's silent 5222 is the client port).
	Address string
	// Domain is the component's name, sent as the stream header's 'to'
	// (XEP-0114 §3). Every stanza sent must come from this domain.
	Domain string
	// Secret is the shared secret of the XEP-0114 handshake.
	Secret string
	// Machine is the state machine to drive.
	Machine Machine
	// Logger receives connection events; nil discards them.
	Logger *slog.Logger
	// KeepAlive is the idle time after which a single space is written as a
	// whitespace ping (RFC 6120 §4.6.1). Default DefaultKeepAlive; negative
	// disables it.
	KeepAlive time.Duration
	// PingInterval is how long the server may send nothing at all (no
	// stanza, not even whitespace) before the component checks that it is
	// alive with an XEP-0199 ping to PingTo. Time the reader spends not
	// reading because the driver waits for room in the outbound queue does
	// not count. Default DefaultPingInterval; negative disables the check.
	PingInterval time.Duration
	// PingTimeout is how long after a ping the component waits to hear
	// anything from the server (the answer, result or error, or any other
	// stanza or whitespace) before it treats the stream as lost
	// (ConnectionChanged(false), reconnect with backoff). Default
	// DefaultPingTimeout.
	PingTimeout time.Duration
	// PingTo is the address of the liveness pings. Default: the
	// component's own Domain, which every server routes back over the
	// same stream (Prosody and ejabberd do) without involving any other
	// host; the transport consumes the ping when it comes back. A server's
	// own domain (the parent of a component named rooms.example.org, say)
	// works as well when that domain is local to the server: it answers
	// with a result or service-unavailable, and either counts. A domain
	// the server does not host is reached over s2s, which measures the
	// wrong link. Answers to pings are never passed to the Machine.
	PingTo string
	// BackoffMin and BackoffMax bound the delay before a reconnect
	// attempt: BackoffMin after the first failure, doubling up to
	// BackoffMax. Defaults DefaultBackoffMin and DefaultBackoffMax.
	BackoffMin, BackoffMax time.Duration
	// StableAfter is how long a stream must stay up for the backoff to
	// start again from BackoffMin after it is lost. A stream lost sooner
	// counts as one more failure, so a server that accepts the handshake
	// and then drops the stream sees attempts spaced by the growing
	// backoff, not a reconnect loop. Default: the longer of
	// DefaultStableAfter and BackoffMax, so that even a server that
	// flaps forever sees no more than about one attempt per BackoffMax.
	StableAfter time.Duration
	// Jitter in [0, 1] is the fraction of each delay that is randomised:
	// the delay d becomes d*(1-Jitter*r) with r from Rand. Zero takes
	// DefaultJitter; negative means no jitter.
	Jitter float64
	// Rand returns numbers in [0, 1) for the jitter; nil uses math/rand/v2.
	// Tests inject a fixed source.
	Rand func() float64
	// OutboundQueue is the number of encoded stanzas waiting for the
	// writer; with OutboundQueueBytes it bounds the memory held for a slow
	// server. When it is full the driver waits for room (back-pressure, see OverflowTimeout)
	// rather than dropping anything. It only smooths bursts: a larger
	// queue is not needed to avoid losses. Default DefaultOutboundQueue.
	OutboundQueue int
	// OutboundQueueBytes bounds the same queue in bytes: the encoded
	// stanzas waiting for the writer plus those of the write under way
	// (Stats.QueuedBytes). A stanza waits for room when either bound is
	// reached, with the same back-pressure and OverflowTimeout. It may not
	// be below MaxOutboundSize, so that any stanza fits an empty queue.
	// Default DefaultOutboundQueueBytes.
	OutboundQueueBytes int64
	// OverflowTimeout bounds how long one stanza waits for room in a full
	// outbound queue. While it waits, the driver calls the Machine for
	// nothing else: inbound stanzas stay unread (the reader blocks, and TCP
	// flow control pushes back on the server) and Tick is delayed. Once the
	// timeout passes, the server is considered stuck: the stanza and the
	// rest of that Machine output are counted in Stats.Dropped, an error
	// is logged and the stream is dropped like a lost connection
	// (ConnectionChanged(false), reconnect with backoff). Default
	// DefaultOverflowTimeout.
	OverflowTimeout time.Duration
	// MaxStanzaSize is the largest stanza, in bytes, read from the server
	// (the decoder's stanza.Limits.MaxSize). A larger one is answered with
	// a policy-violation error and skipped; the stream stays up. Only a
	// single top-level element larger than ReadBudget(MaxStanzaSize), a
	// framing no server produces, ends the stream. Default
	// DefaultMaxStanzaSize.
	MaxStanzaSize int64
	// MaxOutboundSize is the largest stanza, encoded, that is written to
	// the server; a server ends the stream of a component that sends more
	// than its own limit. A larger stanza is not sent: it is counted in
	// Stats.Oversize and Stats.Dropped, logged, and the stanza that caused
	// it is answered with a resource-constraint error where one is owed
	// (see the package documentation, Output). Default
	// DefaultMaxOutboundSize.
	MaxOutboundSize int64
	// Clock gives the now passed to the Machine; nil uses time.Now.
	Clock func() time.Time
	// ConnectTimeout bounds a connection attempt: the TCP connect and the
	// whole XEP-0114 handshake together, under one deadline (a slow
	// connect leaves the handshake what remains). Default
	// DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// WriteTimeout bounds each write to the socket; a server that does not
	// read for this long is treated as a lost connection. Default
	// DefaultWriteTimeout.
	WriteTimeout time.Duration
	// CloseTimeout bounds the clean close: flushing the queue, sending
	// </stream:stream> and waiting for the server's. Default
	// DefaultCloseTimeout.
	CloseTimeout time.Duration
	// RetryRefused makes a refused handshake (ErrNotAuthorized,
	// ErrConflict, ErrHostUnknown) a transient failure that is retried
	// with backoff instead of ending Run. Off by default: a wrong secret
	// never heals. Turn it on when a server may still hold the previous
	// session for a while after a connection loss and answer conflict.
	RetryRefused bool
}

// withDefaults validates c and fills in its defaults.
func (c Config) withDefaults() (Config, stanza.JID, error) {
	bad := func(format string, a ...any) (Config, stanza.JID, error) {
		return Config{}, stanza.JID{}, fmt.Errorf("%w: "+format, append([]any{ErrConfig}, a...)...)
	}
	host, port, err := net.SplitHostPort(c.Address)
	if err != nil {
		return bad("address %q: %v (want host:port)", c.Address, err)
	}
	if p, err := strconv.Atoi(port); host == "" || err != nil || p <= 0 || p > 65535 {
		return bad("address %q: want host:port with a port in 1-65535", c.Address)
	}
	domain, err := stanza.Parse(c.Domain)
	if err != nil || c.Domain == "" {
		return bad("domain %q: %v", c.Domain, err)
	}
	if !domain.IsBare() || domain.Local() != "" {
		return bad("domain %q is not a bare domain", c.Domain)
	}
	if c.Secret == "" {
		return bad("empty secret")
	}
	if c.Machine == nil {
		return bad("nil Machine")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.KeepAlive == 0 {
		c.KeepAlive = DefaultKeepAlive
	}
	if c.BackoffMin < 0 || c.BackoffMax < 0 {
		return bad("negative backoff")
	}
	if c.BackoffMin == 0 {
		c.BackoffMin = DefaultBackoffMin
	}
	if c.BackoffMax == 0 {
		c.BackoffMax = max(DefaultBackoffMax, c.BackoffMin)
	}
	if c.BackoffMax < c.BackoffMin {
		return bad("BackoffMax %v < BackoffMin %v", c.BackoffMax, c.BackoffMin)
	}
	if c.PingInterval == 0 {
		c.PingInterval = DefaultPingInterval
	}
	if c.PingTimeout < 0 {
		return bad("negative PingTimeout")
	}
	if c.PingTimeout == 0 {
		c.PingTimeout = DefaultPingTimeout
	}
	if c.PingTo == "" {
		c.PingTo = domain.String()
	}
	pingTo, err := stanza.Parse(c.PingTo)
	if err != nil {
		return bad("PingTo %q: %v", c.PingTo, err)
	}
	c.PingTo = pingTo.String()
	if c.StableAfter < 0 {
		return bad("negative StableAfter")
	}
	if c.StableAfter == 0 {
		c.StableAfter = max(DefaultStableAfter, c.BackoffMax)
	}
	switch {
	case c.Jitter == 0:
		c.Jitter = DefaultJitter
	case c.Jitter < 0:
		c.Jitter = 0
	case c.Jitter > 1:
		return bad("jitter %v > 1", c.Jitter)
	}
	if c.Rand == nil {
		c.Rand = rand.Float64
	}
	if c.OutboundQueue < 0 {
		return bad("negative OutboundQueue")
	}
	if c.OutboundQueue == 0 {
		c.OutboundQueue = DefaultOutboundQueue
	}
	if c.MaxStanzaSize < 0 || c.MaxOutboundSize < 0 {
		return bad("negative MaxStanzaSize or MaxOutboundSize")
	}
	if c.MaxStanzaSize == 0 {
		c.MaxStanzaSize = DefaultMaxStanzaSize
	}
	if c.MaxOutboundSize == 0 {
		c.MaxOutboundSize = DefaultMaxOutboundSize
	}
	if c.OutboundQueueBytes < 0 {
		return bad("negative OutboundQueueBytes")
	}
	if c.OutboundQueueBytes == 0 {
		c.OutboundQueueBytes = max(DefaultOutboundQueueBytes, c.MaxOutboundSize)
	}
	if c.OutboundQueueBytes < c.MaxOutboundSize {
		return bad("OutboundQueueBytes %d is below MaxOutboundSize %d: the largest stanza would never fit", c.OutboundQueueBytes, c.MaxOutboundSize)
	}
	if c.MaxOutboundSize < minOutboundSize {
		return bad("MaxOutboundSize %d is below %d bytes (RFC 6120 §13.12 asks servers to accept at least 10,000)", c.MaxOutboundSize, minOutboundSize)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.ConnectTimeout < 0 || c.WriteTimeout < 0 || c.CloseTimeout < 0 || c.OverflowTimeout < 0 {
		return bad("negative timeout")
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.CloseTimeout == 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
	if c.OverflowTimeout == 0 {
		c.OverflowTimeout = DefaultOverflowTimeout
	}
	return c, domain, nil
}
