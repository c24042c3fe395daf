package muc

import (
	"fmt"
	"sort"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// ServiceOptions configure a Service.
type ServiceOptions struct {
	// Domain is the service's JID (a domain JID such as
	// conference.example.org). Required.
	Domain stanza.JID
	// Name is the service's disco#info identity name; default "Chatrooms".
	Name string
	// NewID returns fresh stanza ids. Required.
	NewID func() string
	// RoomDefaults is the configuration new rooms start with; nil means
	// DefaultConfig().
	RoomDefaults *Config
	// Creators says who may create rooms (XEP-0045 §10.1.1: the service
	// MAY restrict creation): anyone (the zero value), users of
	// CreateDomains, or Admins only. Admins may always create rooms. A
	// refusal is not-allowed with a text naming who may. It applies to
	// the users who send to the service themselves (Handle: local users
	// and users of other servers over s2s); for users reached through a
	// federated node (HandleRemote) the federation layer decides, with
	// CanCreate (fmuc refuses them unless fmuc.Options.RemoteCreate). The
	// Limits on rooms apply to both.
	Creators Creators
	// CreateDomains are the domains whose users may create rooms with
	// CreateDomains (a local user's domain, or a remote user's).
	CreateDomains []string
	// Admins are the service's administrators (bare JIDs): they may
	// create rooms whatever Creators says and are exempt from
	// Limits.MaxRoomsPerCreator.
	Admins []stanza.JID
	// CanCreate, when set, further decides whether creator (a real full
	// JID) may create room once Creators allows it; via is the federated
	// node the request came through, zero for a local user. Its refusal
	// is not-allowed without a text.
	CanCreate func(room, creator, via stanza.JID) bool
	// MaxHistory and MaxExtraOccupants are passed to rooms (see Options).
	MaxHistory        int
	MaxExtraOccupants int
	// OccupantIDKey and IQTimeout are passed to rooms (see Options). With
	// a key, the service also advertises XEP-0421 (§4: ids in every room).
	OccupantIDKey []byte
	IQTimeout     time.Duration
	// Locking says whether new rooms are locked until configured
	// (LockUntilConfigured, the zero value) or created unlocked as
	// instant rooms (LockNever); XEP-0045 §10.1.1.
	Locking Locking
	// LockTimeout, when positive, unlocks a room still awaiting its
	// initial configuration after this long with its default
	// configuration (XEP-0045 §10.1.1 allows such a timeout). Zero: rooms
	// stay locked until configured. Unused with LockNever.
	LockTimeout time.Duration
	// Features are further disco#info features the service and every
	// room advertise (XEP-0030), such as XEP-0289 federation.
	Features []string
	// Limits are passed to rooms (see Options); Limits.MaxDiscoItems also
	// pages the service's disco#items. Zero fields take DefaultLimits.
	Limits Limits
	// ConfigExtension is passed to rooms (see Options).
	ConfigExtension ConfigExtension
	// Archive is passed to rooms (see Options): the bounds of each room's
	// XEP-0313 archive.
	Archive Archive
}

// Service is an XEP-0045 MUC service: one component domain holding many
// rooms. It routes stanzas by their 'to' address, creates rooms on first
// entry, and answers for the service JID itself.
//
// A Service is a pure state machine; it is not safe for concurrent use.
type Service struct {
	opts     ServiceOptions
	roomOpts Options
	defaults Config
	rooms    map[stanza.JID]*Room
}

// NewService validates opts and returns an empty service.
func NewService(opts ServiceOptions) (*Service, error) {
	if opts.Domain.IsZero() || opts.Domain.Local() != "" || opts.Domain.Resource() != "" {
		return nil, fmt.Errorf("%w: service domain %q must be a domain JID", ErrConfig, opts.Domain.String())
	}
	if opts.Name == "" {
		opts.Name = "Chatrooms"
	}
	if opts.LockTimeout < 0 {
		return nil, fmt.Errorf("%w: negative LockTimeout", ErrConfig)
	}
	if opts.Locking > LockNever {
		return nil, fmt.Errorf("%w: unknown Locking %d", ErrConfig, opts.Locking)
	}
	if err := opts.validateCreators(); err != nil {
		return nil, err
	}
	ro, err := Options{NewID: opts.NewID, MaxHistory: opts.MaxHistory, MaxExtraOccupants: opts.MaxExtraOccupants, OccupantIDKey: opts.OccupantIDKey, IQTimeout: opts.IQTimeout, Features: opts.Features, Limits: opts.Limits, ConfigExtension: opts.ConfigExtension, Archive: opts.Archive}.withDefaults()
	if err != nil {
		return nil, err
	}
	ro.tally = newTally()
	def := DefaultConfig()
	if opts.RoomDefaults != nil {
		def = *opts.RoomDefaults
	}
	if err := def.Validate(); err != nil {
		return nil, err
	}
	if def.HistoryLength > ro.MaxHistory {
		return nil, fmt.Errorf("%w: default HistoryLength above MaxHistory", ErrConfig)
	}
	return &Service{opts: opts, roomOpts: ro, defaults: def, rooms: map[stanza.JID]*Room{}}, nil
}

// Domain returns the service JID.
func (s *Service) Domain() stanza.JID { return s.opts.Domain }

// Room returns the room with the given bare JID. A room destroyed by a
// call on the Room itself (a federation's DropVia, say) is forgotten here.
func (s *Service) Room(jid stanza.JID) (*Room, bool) {
	r, ok := s.rooms[jid.Bare()]
	if ok && r.destroyed {
		delete(s.rooms, jid.Bare())
		return nil, false
	}
	return r, ok
}

// Rooms returns the rooms sorted by JID.
func (s *Service) Rooms() []*Room {
	out := make([]*Room, 0, len(s.rooms))
	for j, r := range s.rooms {
		if r.destroyed {
			delete(s.rooms, j)
			continue
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].jid.String() < out[k].jid.String() })
	return out
}

// Handle processes one stanza from a local entity addressed to the
// service or to one of its rooms or occupants. The error reports misuse
// only (nil stanza, another domain).
func (s *Service) Handle(now time.Time, in stanza.Stanza) (Output, error) {
	return s.handle(now, stanza.JID{}, in)
}

// HandleRemote is Handle for a stanza that arrived through the federated
// node via on behalf of a remote user (see Room.HandleRemote). A remote
// user may create a room when CanCreate allows it (fmuc's refuses unless
// fmuc.Options.RemoteCreate; ServiceOptions.Creators is for the users who
// send to the service themselves), within the same Limits.
func (s *Service) HandleRemote(now time.Time, via stanza.JID, in stanza.Stanza) (Output, error) {
	if via.IsZero() {
		return Output{}, fmt.Errorf("%w: HandleRemote without a node", ErrConfig)
	}
	return s.handle(now, via, in)
}

func (s *Service) handle(now time.Time, via stanza.JID, in stanza.Stanza) (Output, error) {
	if in == nil || in.Head() == nil {
		return Output{}, ErrNilStanza
	}
	h := in.Head()
	if h.To.Domain() != s.opts.Domain.Domain() {
		return Output{}, fmt.Errorf("%w: %q is not on %q", ErrWrongAddress, h.To.String(), s.opts.Domain.String())
	}
	var out Output
	if h.From.IsZero() {
		return out, nil
	}
	tx := &request{now: now, in: in, from: h.From, via: via, out: &out}
	if h.To.Local() == "" {
		s.self(tx)
		return out, nil
	}
	jid := h.To.Bare()
	r, ok := s.Room(jid)
	if !ok {
		if !s.create(tx, jid) {
			return out, nil
		}
		r = s.rooms[jid]
	}
	o, err := r.handle(now, via, in, false)
	r.created = false
	if err != nil {
		return out, err
	}
	if len(out.Stanzas)+len(out.Remote)+len(out.Events) == 0 {
		out = o // the common case: nothing before the room's answer
	} else {
		out.Append(o)
	}
	switch {
	case r.destroyed:
		delete(s.rooms, jid)
	case !ok && len(r.occupants) == 0:
		// Created for a join that failed: it never existed.
		r.uncount()
		delete(s.rooms, jid)
		kept := out.Events[:0]
		for _, e := range out.Events {
			if c, isCreated := e.(RoomCreated); !isCreated || c.RoomJID != jid {
				kept = append(kept, e)
			}
		}
		out.Events = kept
	}
	return out, nil
}

// create handles a stanza to a room that does not exist. It reports
// whether a room was created to handle it.
func (s *Service) create(tx *request, jid stanza.JID) bool {
	h := tx.in.Head()
	// A throwaway room answers errors with the right 'by' and addresses.
	probe := &Room{jid: jid, opts: s.roomOpts}
	p, isPresence := tx.in.(*stanza.Presence)
	switch {
	case isPresence && p.Type == stanza.PresenceAvailable:
		if !visibleNick(h.To.Resource()) || nickKey(h.To.Resource()) == "" {
			probe.fail(tx, stanza.JIDMalformed, "") // §7.2.1
			return false
		}
		if _, ok := stanza.Child(p, stanza.NSMUC, "x"); !ok {
			probe.notInRoom(tx, p) // §7.2.18
			return false
		}
		if typ, cond, text := s.refuseCreate(jid, tx.from, tx.via); cond != "" {
			probe.failType(tx, typ, cond, text)
			return false
		}
		r, err := NewRoom(jid, s.defaults, s.roomOpts)
		if err != nil {
			probe.fail(tx, stanza.JIDMalformed, "")
			return false
		}
		r.affs[tx.from.Bare()] = stanza.AffiliationOwner
		r.locked = s.opts.Locking == LockUntilConfigured
		r.created = true
		if r.locked && s.opts.LockTimeout > 0 {
			r.lockDeadline = tx.now.Add(s.opts.LockTimeout)
		}
		s.rooms[jid] = r
		s.roomOpts.tally.count(r, tx.from.Bare())
		tx.out.event(RoomCreated{RoomJID: jid, Owner: tx.from.Bare(), Locked: r.locked})
		return true
	case isPresence:
		return false
	case h.Type == "error" || h.Type == stanza.IQResult:
		return false
	}
	// §6.4, §7.2.11: nothing else reaches a room that does not exist.
	probe.fail(tx, stanza.ItemNotFound, "")
	return false
}

// self handles stanzas to the service JID (XEP-0045 §6.1-§6.3).
func (s *Service) self(tx *request) {
	probe := &Room{jid: s.opts.Domain, opts: s.roomOpts}
	q, ok := tx.in.(*stanza.IQ)
	if !ok {
		if m, isMsg := tx.in.(*stanza.Message); isMsg && m.Type != stanza.MessageError {
			probe.fail(tx, stanza.ServiceUnavailable, "")
		}
		return
	}
	if q.Type != stanza.IQGet && q.Type != stanza.IQSet {
		return
	}
	p, ok := q.Query()
	if !ok {
		probe.fail(tx, stanza.BadRequest, "")
		return
	}
	var dq discoQuery
	switch {
	case q.Type == stanza.IQGet && p.Is(nsDiscoInfo, "query"):
		if _ = p.Decode(&dq); dq.Node != "" {
			probe.fail(tx, stanza.ItemNotFound, "")
			return
		}
		el := discoInfoElement("", []identity{{"conference", "text", s.opts.Name}}, s.features())
		probe.reply(tx, probe.result(q, el))
	case q.Type == stanza.IQGet && p.Is(nsDiscoItems, "query"):
		if _ = p.Decode(&dq); dq.Node != "" {
			probe.fail(tx, stanza.ItemNotFound, "")
			return
		}
		// §6.3: public rooms (locked rooms do not exist yet), sorted by
		// JID and paged (rsm.go).
		var items []discoItem
		for _, r := range s.Rooms() {
			if r.config.Public && !r.locked {
				items = append(items, discoItem{jid: r.jid, name: r.Name()})
			}
		}
		probe.replyItems(tx, q, dq.Set, items)
	default:
		// RFC 6120 §8.4: an IQ nobody here handles.
		probe.fail(tx, stanza.ServiceUnavailable, "")
	}
}

// Tick runs the timers of every room (see Room.Tick) and drops rooms that
// were destroyed.
func (s *Service) Tick(now time.Time) Output {
	return s.eachRoom(func(r *Room) Output { return r.Tick(now) })
}

// eachRoom calls f for every room in JID order, joins the Outputs and
// drops the rooms f destroyed.
func (s *Service) eachRoom(f func(*Room) Output) Output {
	var out Output
	for _, r := range s.Rooms() {
		out.Append(f(r))
		if r.destroyed {
			delete(s.rooms, r.jid)
		}
	}
	return out
}

// NextDeadline returns the earliest time Tick has work to do, or the zero
// time when there is none.
func (s *Service) NextDeadline() time.Time {
	var next time.Time
	for _, r := range s.rooms {
		if d := r.NextDeadline(); !d.IsZero() && (next.IsZero() || d.Before(next)) {
			next = d
		}
	}
	return next
}

// Restore adds a room rebuilt from a persisted State to the service,
// replacing any room with the same JID.
func (s *Service) Restore(st State) (*Room, error) {
	if st.JID.Domain() != s.opts.Domain.Domain() {
		return nil, fmt.Errorf("%w: room %q is not on %q", ErrState, st.JID.String(), s.opts.Domain.String())
	}
	r, err := Restore(st, s.roomOpts)
	if err != nil {
		return nil, err
	}
	if old, ok := s.rooms[r.jid]; ok {
		old.uncount()
	}
	s.rooms[r.jid] = r
	s.roomOpts.tally.count(r, stanza.JID{})
	return r, nil
}

// State returns the persistent state of every room, sorted by JID.
func (s *Service) State() []State {
	rooms := s.Rooms()
	out := make([]State, len(rooms))
	for i, r := range rooms {
		out[i] = r.State()
	}
	return out
}
