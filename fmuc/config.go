package fmuc

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("fmuc: bad configuration")

// Mode is how a joining node treats its users' messages (XEP-0289 §2).
type Mode uint8

const (
	// ModeUnset takes the default, MasterMaster.
	ModeUnset Mode = iota
	// MasterMaster delivers a local user's message at once and sends it
	// upstream; both sides go on when the link is down. Message order may
	// differ between nodes.
	MasterMaster
	// MasterSlave shows a local user's message only once the joined node
	// (the master) echoes it back, matched by stanza id, so every node sees
	// the master's order; while the master is unreachable local groupchat
	// is refused with a wait error.
	MasterSlave
)

// String returns "master-master", "master-slave" or "".
func (m Mode) String() string {
	switch m {
	case MasterMaster:
		return "master-master"
	case MasterSlave:
		return "master-slave"
	}
	return ""
}

// ParseMode reads "master-master" or "master-slave".
func ParseMode(s string) (Mode, error) {
	switch s {
	case "master-master":
		return MasterMaster, nil
	case "master-slave":
		return MasterSlave, nil
	}
	return ModeUnset, fmt.Errorf("%w: mode %q: want master-master or master-slave", ErrConfig, s)
}

// Federation is how one room federates: the node it joins, if any, and
// how. A room with a zero Upstream joins nobody but may still be joined
// by other nodes (as the inbound policy allows).
type Federation struct {
	// Upstream is the bare JID of the room on another service that this
	// room joins when its first local user enters (XEP-0289 §4.1): the
	// joined node. At most one: the FMUC set is a tree.
	Upstream stanza.JID
	// Mode applies to the link to Upstream; default MasterMaster.
	Mode Mode
	// History is how many messages of history to ask the joined node for
	// when federating (the XEP-0045 <history maxstanzas/>); nil asks for
	// its default, a pointer to 0 for none.
	History *int
}

// Policy decides which nodes may join a room of this service (XEP-0289
// §7: federation means trusting a peer to speak for its users, so it is
// denied unless allowed). A peer is allowed when its room JID or its
// service domain is in Allow, or when Func says so.
type Policy struct {
	// Allow lists peer room JIDs (room@service) or service domains
	// (service), either of which admits the peer.
	Allow []stanza.JID
	// Func, when set, is asked for peers Allow does not admit: room is
	// this service's room, peer the joining node's room.
	Func func(room, peer stanza.JID) bool
}

// Allows reports whether peer may federate with room.
func (p Policy) Allows(room, peer stanza.JID) bool {
	peer = peer.Bare()
	for _, a := range p.Allow {
		if a == peer || a.Local() == "" && a.Domain() == peer.Domain() {
			return true
		}
	}
	return p.Func != nil && p.Func(room, peer)
}

// Options configure a Service. Domain and NewID are required.
type Options struct {
	// Domain is the component domain, e.g. rooms.wonderland.lit.
	Domain stanza.JID
	// NewID returns fresh stanza ids. Required.
	NewID func() string
	// MUC are the options of the underlying muc.Service. Its Domain,
	// NewID, CanCreate (which wraps the one given) and ConfigExtension
	// (the federation fields of the room configuration form, see
	// FieldUpstream) are set by the Service; its Features get the
	// federation features appended.
	MUC muc.ServiceOptions
	// Federation gives each room's federation when the room is first
	// used, e.g. "every room here federates with the room of the same
	// name on rooms.wonderland.lit" (see SameName). Nil: no room joins
	// anybody unless SetFederation says so.
	Federation func(room stanza.JID) Federation
	// Inbound decides which nodes may join rooms here; the zero Policy
	// denies every peer.
	Inbound Policy
	// LocalDomains are the domains whose users are this server's own: no
	// peer may speak for them (XEP-0289 §7). Default: the Domain's parent
	// (wonderland.lit for rooms.wonderland.lit) and the Domain itself.
	LocalDomains []string
	// RemoteCreate lets a peer's federation join create a room here that
	// does not exist yet; off by default (a remote user cannot create
	// rooms here unless the service allows it).
	RemoteCreate bool
	// JoinTimeout bounds how long a joining node waits for the joined
	// node's answer (the occupants, history and subject). After it a
	// master-master room lets its waiting local users in without the
	// federation; a master-slave room refuses them. Default 30 s.
	JoinTimeout time.Duration
	// PingInterval is how long a federated link may stay silent before the
	// room pings the peer room (XEP-0199); PingTimeout how long the answer
	// may take before the link is lost. Defaults DefaultPingInterval and
	// DefaultPingTimeout; a negative PingInterval disables pings (losses
	// are then found by the servers' bounces only).
	PingInterval, PingTimeout time.Duration
	// RetryMin and RetryMax bound the delay before a joining room rejoins
	// a lost upstream: RetryMin after the first failure, doubling up to
	// RetryMax, each shortened by up to half of itself at random (Rand).
	// Defaults DefaultRetryMin and DefaultRetryMax.
	RetryMin, RetryMax time.Duration
	// Rand returns numbers in [0, 1) for the jitter of retries; nil uses a
	// constant 0.5, so that a Service stays deterministic unless the
	// embedder injects randomness.
	Rand func() float64
	// RemoteGrace is how long the users reached through a lost link stay
	// listed; then they leave with status 333 and the link's session ends
	// (the next rejoin is a new federation). Default DefaultRemoteGrace.
	RemoteGrace time.Duration
	// LinkLog and LinkLogBytes bound what a link keeps of what it sent,
	// for a resync: at most that many stanzas and bytes, oldest dropped
	// first (counted in Link.Dropped); a resync that needs more than is
	// kept falls back to a new federation. Defaults DefaultLinkLog and
	// DefaultLinkLogBytes.
	LinkLog, LinkLogBytes int
	// PresenceCoalesce, when positive, lets presence for a link wait this
	// long: a later presence of the same user replaces the one waiting, so
	// a user whose status flaps costs the link one stanza per window (the
	// presence suppression constrained deployments ask for). Anything else
	// about that user (a message, its exit) sends the waiting presence
	// first, so the peer never sees a user speak before it arrives. Zero
	// (the default) sends every presence at once.
	PresenceCoalesce time.Duration
	// MaxLinks bounds the rooms that may join one room here (its
	// downstream links); beyond, a federation join is rejected. Default
	// DefaultMaxLinks.
	MaxLinks int
	// MaxRemoteOccupants bounds the users one peer room may present in a
	// room here; beyond, a presented user gets resource-constraint.
	// Default DefaultMaxRemoteOccupants.
	MaxRemoteOccupants int
	// PeerInterval and PeerBurst bound what one peer room may send to a
	// room here (issue 19: a federated node is exposed to every user of
	// every peer): a token bucket of PeerBurst stanzas, one more every
	// PeerInterval, spent by the stanzas from the peer's occupant JIDs
	// (groupchat, presence, private messages, IQs; not the link's own
	// control stanzas, nor a server's bounces). What is over the rate is
	// dropped, counted in Link.RateDropped and reported by a
	// PeerRateExceeded event when the dropping starts. The muc's
	// per-occupant rates (muc.Limits) apply to remote occupants as well;
	// this bounds a peer as a whole. Defaults DefaultPeerInterval and
	// DefaultPeerBurst (the burst takes a resync of a full LinkLog); a
	// negative PeerInterval switches the bound off.
	PeerInterval time.Duration
	PeerBurst    int
	// OnEvents, when set, receives the events of each call made through
	// the transport-facing methods (Handle, Tick, ConnectionChanged)
	// before their stanzas are returned, so that an embedder persists
	// first and sends after.
	OnEvents func([]Event)
	// Logger receives misuse reports from the transport-facing methods;
	// nil discards them.
	Logger *slog.Logger
}

// Defaults of Options.
const (
	DefaultJoinTimeout  = 30 * time.Second
	DefaultPingInterval = 5 * time.Minute
	DefaultPingTimeout  = 30 * time.Second
	DefaultRetryMin     = 5 * time.Second
	DefaultRetryMax     = 5 * time.Minute
	// DefaultRemoteGrace is long: constrained links break for long, and a
	// resync within the grace sends only what was missed.
	DefaultRemoteGrace        = 30 * time.Minute
	DefaultLinkLog            = 10_000
	DefaultLinkLogBytes       = 8 << 20
	DefaultMaxLinks           = 64
	DefaultMaxRemoteOccupants = 1_000
	// DefaultPeerInterval is 100 stanzas a second from one peer room.
	DefaultPeerInterval = 10 * time.Millisecond
	DefaultPeerBurst    = 10_000
)

// SameName returns a Federation function that federates every room with
// the room of the same local part on upstream (a service domain), in the
// given mode.
func SameName(upstream stanza.JID, mode Mode) func(room stanza.JID) Federation {
	return func(room stanza.JID) Federation {
		up, err := stanza.NewJID(room.Local(), upstream.Domain(), "")
		if err != nil {
			return Federation{}
		}
		return Federation{Upstream: up, Mode: mode}
	}
}

func (o Options) withDefaults() (Options, error) {
	if o.Domain.IsZero() || o.Domain.Local() != "" || o.Domain.Resource() != "" {
		return o, fmt.Errorf("%w: Domain %q is not a domain JID", ErrConfig, o.Domain.String())
	}
	if o.NewID == nil {
		return o, fmt.Errorf("%w: NewID is required", ErrConfig)
	}
	if o.JoinTimeout < 0 {
		return o, fmt.Errorf("%w: negative JoinTimeout", ErrConfig)
	}
	if o.JoinTimeout == 0 {
		o.JoinTimeout = DefaultJoinTimeout
	}
	if o.PingTimeout < 0 || o.RetryMin < 0 || o.RetryMax < 0 || o.RemoteGrace < 0 || o.LinkLog < 0 || o.LinkLogBytes < 0 {
		return o, fmt.Errorf("%w: negative PingTimeout, RetryMin, RetryMax, RemoteGrace, LinkLog or LinkLogBytes", ErrConfig)
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.PingInterval, DefaultPingInterval)
	def(&o.PingTimeout, DefaultPingTimeout)
	def(&o.RetryMin, DefaultRetryMin)
	def(&o.RetryMax, max(DefaultRetryMax, o.RetryMin))
	def(&o.RemoteGrace, DefaultRemoteGrace)
	if o.RetryMax < o.RetryMin {
		return o, fmt.Errorf("%w: RetryMax %v < RetryMin %v", ErrConfig, o.RetryMax, o.RetryMin)
	}
	if o.LinkLog == 0 {
		o.LinkLog = DefaultLinkLog
	}
	if o.MaxLinks < 0 || o.MaxRemoteOccupants < 0 || o.PresenceCoalesce < 0 || o.PeerBurst < 0 {
		return o, fmt.Errorf("%w: negative MaxLinks, MaxRemoteOccupants, PresenceCoalesce or PeerBurst", ErrConfig)
	}
	def(&o.PeerInterval, DefaultPeerInterval)
	if o.PeerBurst == 0 {
		o.PeerBurst = DefaultPeerBurst
	}
	if o.MaxLinks == 0 {
		o.MaxLinks = DefaultMaxLinks
	}
	if o.MaxRemoteOccupants == 0 {
		o.MaxRemoteOccupants = DefaultMaxRemoteOccupants
	}
	if o.LinkLogBytes == 0 {
		o.LinkLogBytes = DefaultLinkLogBytes
	}
	if o.Rand == nil {
		o.Rand = func() float64 { return 0.5 }
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if len(o.LocalDomains) == 0 {
		d := o.Domain.Domain()
		o.LocalDomains = []string{d}
		if _, parent, ok := strings.Cut(d, "."); ok && strings.Contains(parent, ".") {
			o.LocalDomains = append(o.LocalDomains, parent)
		}
	}
	for _, a := range o.Inbound.Allow {
		if a.IsZero() || a.Resource() != "" {
			return o, fmt.Errorf("%w: inbound allow entry %q: want room@service or service", ErrConfig, a.String())
		}
	}
	o.MUC.Domain = o.Domain
	o.MUC.NewID = o.NewID
	o.MUC.Features = append(slices.Clip(o.MUC.Features), stanza.NSFMUC, NSExt)
	return o, nil
}

// validate checks a room's federation settings.
func (f Federation) validate(room stanza.JID) error {
	if f.Upstream.IsZero() {
		return nil
	}
	if f.Upstream.Local() == "" || f.Upstream.Resource() != "" {
		return fmt.Errorf("%w: upstream %q of %s is not a room JID", ErrConfig, f.Upstream.String(), room.String())
	}
	if f.Upstream.Bare() == room.Bare() {
		return fmt.Errorf("%w: %s cannot federate with itself", ErrConfig, room.String())
	}
	if f.Mode > MasterSlave {
		return fmt.Errorf("%w: unknown mode %d", ErrConfig, f.Mode)
	}
	if f.History != nil && *f.History < 0 {
		return fmt.Errorf("%w: negative history for %s", ErrConfig, room.String())
	}
	return nil
}

// mode returns f's mode with the default applied.
func (f Federation) mode() Mode {
	if f.Mode == ModeUnset {
		return MasterMaster
	}
	return f.Mode
}
