package fmuc

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// ErrWrongAddress reports a stanza that is not for this service.
var ErrWrongAddress = errors.New("fmuc: stanza not addressed to this service")

// ErrNilStanza reports a nil stanza.
var ErrNilStanza = errors.New("fmuc: nil stanza")

// Service is an XEP-0289 federated MUC service: one component domain whose
// rooms are XEP-0045 rooms (a muc.Service) that federate with rooms on
// other services. It routes each stanza either to the room as a local
// user's (from a client of the server), or to the room's federation with
// a peer room (from a room of another service, carrying <fmuc/>).
//
// Step, StepTick and StepConnection return the typed Output; Handle, Tick,
// NextDeadline and ConnectionChanged are the same calls in the shape the
// transport package drives (stanzas out, events to Options.OnEvents), so
// a Service is a transport.Machine as it is.
//
// A Service is a pure, deterministic state machine: no goroutines, no
// clock, no I/O, ids from Options.NewID. It is not safe for concurrent
// use.
type Service struct {
	opts      Options
	muc       *muc.Service
	nodes     map[stanza.JID]*Node
	overrides map[stanza.JID]Federation
	// configured are the events of the form extension, reported with the
	// output of the call that caused them.
	configured []Event
}

// NewService validates opts and returns an empty Service.
func NewService(opts Options) (*Service, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	canCreate := opts.MUC.CanCreate
	remote := opts.RemoteCreate
	opts.MUC.CanCreate = func(room, creator, via stanza.JID) bool {
		if !via.IsZero() && !remote {
			return false
		}
		return canCreate == nil || canCreate(room, creator, via)
	}
	s := &Service{nodes: map[stanza.JID]*Node{}, overrides: map[stanza.JID]Federation{}}
	opts.MUC.ConfigExtension = form{s}
	m, err := muc.NewService(opts.MUC)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	s.opts, s.muc = opts, m
	return s, nil
}

// MUC returns the underlying muc.Service (rooms, State, Restore).
func (s *Service) MUC() *muc.Service { return s.muc }

// Domain returns the service's domain.
func (s *Service) Domain() stanza.JID { return s.opts.Domain }

// SetFederation sets how room federates, overriding Options.Federation.
// It applies from the next time the room's link is established.
func (s *Service) SetFederation(room stanza.JID, f Federation) error {
	room = room.Bare()
	if room.Domain() != s.opts.Domain.Domain() || room.Local() == "" {
		return fmt.Errorf("%w: %q is not a room of %s", ErrWrongAddress, room.String(), s.opts.Domain.String())
	}
	if err := f.validate(room); err != nil {
		return err
	}
	s.overrides[room] = f
	if n, ok := s.nodes[room]; ok {
		n.fed = f
	}
	return nil
}

// Federation returns how room federates.
func (s *Service) Federation(room stanza.JID) Federation {
	return s.federationOf(room.Bare())
}

func (s *Service) federationOf(room stanza.JID) Federation {
	if f, ok := s.overrides[room]; ok {
		return f
	}
	if s.opts.Federation == nil {
		return Federation{}
	}
	f := s.opts.Federation(room)
	if err := f.validate(room); err != nil {
		s.opts.Logger.Error("fmuc: ignoring federation settings", "room", room.String(), "err", err)
		return Federation{}
	}
	return f
}

// Links returns the links of room, sorted by peer.
func (s *Service) Links(room stanza.JID) []Link {
	n, ok := s.nodes[room.Bare()]
	if !ok {
		return nil
	}
	return n.Links()
}

// Node returns the federation state of room, if the service has any: a
// room that was used, or that has links or held joins.
func (s *Service) Node(room stanza.JID) (*Node, bool) {
	n, ok := s.nodes[room.Bare()]
	return n, ok
}

// node returns the federation state of room, creating it.
func (s *Service) node(room stanza.JID) *Node {
	n, ok := s.nodes[room]
	if !ok {
		n = &Node{svc: s, room: room, fed: s.federationOf(room), links: map[stanza.JID]*link{}, echoes: map[string]held{}}
		s.nodes[room] = n
	}
	return n
}

// Step processes one stanza received by the service's domain: from a
// client of the server, or from a peer room. Protocol problems become
// error stanzas in the Output; the error reports misuse (a nil stanza,
// one for another domain).
func (s *Service) Step(now time.Time, in stanza.Stanza) (Output, error) {
	var out Output
	if in == nil || in.Head() == nil {
		return out, ErrNilStanza
	}
	h := in.Head()
	if h.To.Domain() != s.opts.Domain.Domain() {
		return out, fmt.Errorf("%w: %q is not on %q", ErrWrongAddress, h.To.String(), s.opts.Domain.String())
	}
	if h.From.IsZero() {
		return out, nil
	}
	if h.To.Local() == "" {
		mo, err := s.muc.Handle(now, stripped(in))
		if err != nil {
			return out, err
		}
		s.convert(now, &out, mo)
		return out, nil
	}
	n := s.node(h.To.Bare())
	if l := n.links[h.From.Bare()]; l != nil {
		n.fromPeer(now, &out, l, in)
	} else if _, hasFMUC := stanza.Child(in, stanza.NSFMUC, "fmuc"); hasFMUC && !n.localUser(h.From) {
		// A client of this server is never a peer room: its fmuc
		// payload is dropped (fromLocal) and the stanza goes on.
		n.fromStranger(now, &out, in)
	} else {
		n.fromLocal(now, &out, in)
	}
	s.gc(n)
	return out, nil
}

// StepTick runs the timers that are due at now: the rooms' (lock
// timeouts, forwarded IQs) and the federation's (join timeouts).
func (s *Service) StepTick(now time.Time) Output {
	var out Output
	s.convert(now, &out, s.muc.Tick(now))
	for _, room := range s.sortedNodes() {
		n := s.nodes[room]
		n.tick(now, &out)
		n.tickLinks(now, &out)
		s.gc(n)
	}
	return out
}

// StepConnection reports that the component's stream to the server came
// up or went down. While it is down nothing can be sent, so every
// federated link is lost (what the rooms say is kept for the resync);
// once it is up again, lost upstream links rejoin at once.
func (s *Service) StepConnection(now time.Time, up bool) Output {
	var out Output
	for _, room := range s.sortedNodes() {
		n := s.nodes[room]
		for _, p := range n.peers() {
			l := n.links[p]
			switch {
			case !up:
				n.lose(now, &out, l, "the component's connection to the server is down")
			case l.State == LinkLost && l.Upstream:
				l.retry = now
			}
		}
	}
	if !up {
		// Nothing can go out: what was written for the peers is in the
		// logs; the rest (local clients) is dropped by the transport.
		out.Stanzas = nil
	}
	return out
}

// NextDeadline is when StepTick (or Tick) wants to be called next; zero
// for never.
func (s *Service) NextDeadline() time.Time {
	dl := s.muc.NextDeadline()
	for _, n := range s.nodes {
		for _, l := range n.links {
			if d := l.nextDeadline(&s.opts); !d.IsZero() && (dl.IsZero() || d.Before(dl)) {
				dl = d
			}
		}
	}
	return dl
}

// Handle is Step for the transport: it returns the stanzas and gives the
// events to Options.OnEvents first. Misuse is logged.
func (s *Service) Handle(now time.Time, in stanza.Stanza) []stanza.Stanza {
	out, err := s.Step(now, in)
	if err != nil {
		s.opts.Logger.Warn("fmuc: stanza not handled", "err", err)
	}
	return s.deliver(out)
}

// Tick is StepTick for the transport (see Handle).
func (s *Service) Tick(now time.Time) []stanza.Stanza { return s.deliver(s.StepTick(now)) }

// ConnectionChanged is StepConnection for the transport (see Handle).
func (s *Service) ConnectionChanged(now time.Time, up bool) []stanza.Stanza {
	return s.deliver(s.StepConnection(now, up))
}

// Close says goodbye for a graceful stop: every local occupant gets its
// status 332 presence and every linked node one presence from each room
// (XEP-0045 §11.2). It is the transport's Closer.
func (s *Service) Close(now time.Time) []stanza.Stanza {
	var out Output
	s.convert(now, &out, s.muc.Shutdown(now))
	// The rooms are gone: so are their links.
	for _, room := range s.sortedNodes() {
		n := s.nodes[room]
		for _, p := range n.peers() {
			l := n.links[p]
			n.set(&out, l, LinkLeft, now, "the service is shutting down")
			l.endSession()
			if !l.Upstream {
				delete(n.links, p)
			}
		}
	}
	return s.deliver(out)
}

func (s *Service) deliver(out Output) []stanza.Stanza {
	if s.opts.OnEvents != nil && len(out.Events) > 0 {
		s.opts.OnEvents(out.Events)
	}
	return out.Stanzas
}

// convert adds a muc Output: local stanzas as they are, each remote
// delivery encoded for its peer room when the room is federated with it
// (or kept for the resync of a lost link).
func (s *Service) convert(now time.Time, out *Output, mo muc.Output) {
	if len(out.Stanzas) == 0 {
		out.Stanzas = mo.Stanzas // mo is the caller's to give away
	} else {
		out.Stanzas = append(out.Stanzas, mo.Stanzas...)
	}
	for _, d := range mo.Remote {
		room := d.Stanza.Head().From.Bare()
		n, ok := s.nodes[room]
		if !ok {
			continue
		}
		l := n.links[d.Via.Bare()]
		if l == nil || n.suppressed(d) {
			continue
		}
		if l.State == LinkFederated || l.counting && (l.State == LinkLost || l.State == LinkResyncing) {
			st := encode(d)
			n.stampSubject(st)
			if s.opts.PresenceCoalesce > 0 && d.Broadcast() && st.Kind() == stanza.KindPresence && n.coalesce(now, out, l, st, true) {
				continue
			}
			n.emit(now, out, l, st)
		}
	}
	out.mucEvents(mo.Events)
	out.Events = append(out.Events, s.configured...)
	s.configured = nil
}

// gc forgets the federation state of a room that has nothing left: no
// links, nothing pending, and no muc room or no occupant.
func (s *Service) gc(n *Node) {
	if len(n.links) > 0 || len(n.pending) > 0 || len(n.echoes) > 0 {
		return
	}
	if r, ok := s.muc.Room(n.room); ok && r.Len() > 0 {
		return
	}
	delete(s.nodes, n.room)
}

func (s *Service) sortedNodes() []stanza.JID {
	rooms := make([]stanza.JID, 0, len(s.nodes))
	for r := range s.nodes {
		rooms = append(rooms, r)
	}
	slices.SortFunc(rooms, func(a, b stanza.JID) int { return compareJID(a, b) })
	return rooms
}

func compareJID(a, b stanza.JID) int {
	switch as, bs := a.String(), b.String(); {
	case as < bs:
		return -1
	case as > bs:
		return 1
	}
	return 0
}

// stripped returns in without federation payloads: what a client's stanza
// may carry into a room (XEP-0289: fmuc payloads from clients are dropped).
func stripped(in stanza.Stanza) stanza.Stanza {
	p := withoutFederation(in.Payload())
	if len(p) == len(in.Payload()) {
		return in
	}
	c := stanza.Clone(in)
	c.SetPayload(p)
	return c
}
