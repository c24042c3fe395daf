package mucnode

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/xmppfmuc/fmuc/examples/node/mucstore"
	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
	"github.com/xmppfmuc/fmuc/transport"
)

// FederatedMachine drives an fmuc.Service for the transport: it passes
// stanzas in, answers stanzas the service cannot take with an error, logs
// the room and federation events (link state changes, refused peers and
// spoofed stanzas), and counts what the node sends to each peer room.
//
// Like the Service, a FederatedMachine is not safe for concurrent use; the
// transport drives it from one goroutine. Figures is safe from any
// goroutine.
type FederatedMachine struct {
	svc *fmuc.Service
	log *slog.Logger

	// store persists each call's changes before its stanzas go out; nil
	// keeps everything in memory.
	store *persister

	mu    sync.Mutex
	links map[linkKey]fmuc.LinkState
	peers map[stanza.JID]*PeerFigures
}

var (
	_ transport.Machine = (*FederatedMachine)(nil)
	_ transport.Closer  = (*FederatedMachine)(nil)
)

type linkKey struct{ room, peer stanza.JID }

// PeerFigures are the stanzas and bytes (as encoded by the node, before
// the server re-serialises them) the node sent to one peer room.
type PeerFigures struct {
	Peer    stanza.JID
	Stanzas int64
	Bytes   int64
}

// LinkFigures is the state of one room's link to a peer room.
type LinkFigures struct {
	Room, Peer stanza.JID
	State      fmuc.LinkState
}

// Figures are the node's federation counters.
type Figures struct {
	// Links counts the rooms' links by state name (federated, joining...).
	Links map[string]int
	// States are the state of each link, sorted by room and peer.
	States []LinkFigures
	// Peers are the counters per peer room, sorted by peer.
	Peers []PeerFigures
}

// NewFederatedMachine builds the fmuc.Service of opts and wraps it; log
// may be nil. The machine logs the service's events itself (opts.OnEvents,
// when set, still receives those of Close, the only call that reports
// them through it).
func NewFederatedMachine(opts fmuc.Options, log *slog.Logger) (*FederatedMachine, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &FederatedMachine{log: log, links: map[linkKey]fmuc.LinkState{}, peers: map[stanza.JID]*PeerFigures{}}
	next := opts.OnEvents
	opts.OnEvents = func(es []fmuc.Event) {
		for _, ev := range es {
			m.logEvent(ev)
		}
		if next != nil {
			next(es)
		}
	}
	svc, err := fmuc.NewService(opts)
	if err != nil {
		return nil, err
	}
	m.svc = svc
	return m, nil
}

// Service returns the wrapped service.
func (m *FederatedMachine) Service() *fmuc.Service { return m.svc }

// Handle implements transport.Machine.
func (m *FederatedMachine) Handle(now time.Time, in stanza.Stanza) []stanza.Stanza {
	held, ok := m.retry(now)
	if !ok {
		return unstored(in)
	}
	out, err := m.svc.Step(now, in)
	if err != nil {
		h := in.Head()
		m.log.Warn("stanza not handled", "err", err, "from", h.From.String(), "to", h.To.String(), "id", h.ID)
		// The server routed it to us, so the sender deserves an answer
		// (RFC 6120 §8.3: never to an error).
		cond := stanza.ServiceUnavailable
		if errors.Is(err, fmuc.ErrWrongAddress) || errors.Is(err, muc.ErrWrongAddress) {
			cond = stanza.ItemNotFound
		}
		if r := stanza.ErrorReply(in, stanza.NewError(cond, "")); r != nil && !r.Head().From.IsZero() && !r.Head().To.IsZero() {
			return append(held, r)
		}
		return held
	}
	return append(held, m.emit(now, out, changes(in)...)...)
}

// retry retries a failed store write; it reports whether changes may be
// made, with the stanzas released by a successful retry.
func (m *FederatedMachine) retry(now time.Time) ([]stanza.Stanza, bool) {
	if m.store == nil {
		return nil, true
	}
	ok, held := m.store.retry(now)
	m.count(held)
	return held, ok
}

// restore loads the rooms and the federation state of snap into the
// service and makes the machine persist to st from now on.
func (m *FederatedMachine) restore(st *mucstore.Bolt, snap mucstore.Snapshot) error {
	if err := mucstore.Restore(m.svc.MUC(), snap); err != nil {
		return fmt.Errorf("restoring rooms from %s: %w", st.Path(), err)
	}
	if raw := snap.Meta[mucstore.MetaFMUC]; len(raw) > 0 {
		var fs fmuc.State
		if err := json.Unmarshal(raw, &fs); err != nil {
			return fmt.Errorf("%w: %s: federation state: %w", mucstore.ErrFormat, st.Path(), err)
		}
		if err := m.svc.Restore(fs); err != nil {
			return fmt.Errorf("restoring the federation state from %s: %w", st.Path(), err)
		}
	}
	m.store = &persister{store: st, log: m.log}
	return nil
}

// Tick implements transport.Machine.
func (m *FederatedMachine) Tick(now time.Time) []stanza.Stanza {
	held, ok := m.retry(now)
	if !ok {
		return nil
	}
	return append(held, m.emit(now, m.svc.StepTick(now))...)
}

// NextDeadline implements transport.Machine.
func (m *FederatedMachine) NextDeadline() time.Time {
	return m.store.deadline(m.svc.NextDeadline())
}

// ConnectionChanged implements transport.Machine: it logs the change and
// tells the service.
func (m *FederatedMachine) ConnectionChanged(now time.Time, up bool) []stanza.Stanza {
	d := m.svc.Domain().String()
	if up {
		m.log.Info("serving", "domain", d, "rooms", len(m.svc.MUC().Rooms()))
	} else {
		m.log.Warn("not connected", "domain", d)
	}
	return m.emit(now, m.svc.StepConnection(now, up))
}

// Close implements transport.Closer: every local occupant gets status 332
// (XEP-0045 §11.2) and every linked room one presence per room
// (fmuc.Service.Close).
func (m *FederatedMachine) Close(now time.Time) []stanza.Stanza {
	held, _ := m.retry(now)
	if m.store != nil {
		// The federation state as it stands, logs included, for the
		// restart.
		m.store.persist(now, m.svc.MUC(), muc.Output{}, m.federationMeta())
	}
	out := m.svc.Close(now)
	m.log.Info("shutting down", "stanzas", len(out))
	m.count(out)
	return append(held, out...)
}

// federationMeta is the service's fmuc.State as the MetaFMUC record; nil
// (and logged) when it cannot be encoded.
func (m *FederatedMachine) federationMeta() map[string][]byte {
	b, err := json.Marshal(m.svc.State())
	if err != nil {
		m.log.Error("federation state not stored", "err", err)
		return nil
	}
	return map[string][]byte{mucstore.MetaFMUC: b}
}

// emit logs the events of out, persists them (one batch; touched are the
// rooms the input was addressed to), counts the stanzas to peers and
// returns them, none when the write failed.
func (m *FederatedMachine) emit(now time.Time, out fmuc.Output, touched ...stanza.JID) []stanza.Stanza {
	var mout muc.Output
	federation := false
	for _, ev := range out.Events {
		m.logEvent(ev)
		switch e := ev.(type) {
		case muc.Event:
			mout.Events = append(mout.Events, e)
		case fmuc.LinkChanged, fmuc.FederationConfigured:
			federation = true
		}
	}
	sts := out.Stanzas
	if m.store != nil {
		// The federation state (settings, the upstream links' sessions and
		// logs) is written when a link or a room's federation changes,
		// not with every message: a crash loses the log of what was sent
		// since (see the README).
		var meta map[string][]byte
		if federation {
			meta = m.federationMeta()
		}
		mout.Stanzas = out.Stanzas
		sts = m.store.persist(now, m.svc.MUC(), mout, meta, touched...)
	}
	m.count(sts)
	return sts
}

// count adds the stanzas addressed to known peer rooms to their figures.
func (m *FederatedMachine) count(sts []stanza.Stanza) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.peers) == 0 {
		return
	}
	for _, st := range sts {
		if p := m.peers[st.Head().To.Bare()]; p != nil {
			p.Stanzas++
			p.Bytes += int64(len(stanza.Encode(st)))
		}
	}
}

// State returns the state of room's link to peer (LinkUnset when there
// is none).
func (f Figures) State(room, peer stanza.JID) fmuc.LinkState {
	for _, l := range f.States {
		if l.Room == room && l.Peer == peer {
			return l.State
		}
	}
	return fmuc.LinkUnset
}

// Figures returns a snapshot of the federation counters.
func (m *FederatedMachine) Figures() Figures {
	m.mu.Lock()
	defer m.mu.Unlock()
	f := Figures{Links: map[string]int{}}
	for k, st := range m.links {
		f.Links[st.String()]++
		f.States = append(f.States, LinkFigures{Room: k.room, Peer: k.peer, State: st})
	}
	slices.SortFunc(f.States, func(a, b LinkFigures) int {
		if c := strings.Compare(a.Room.String(), b.Room.String()); c != 0 {
			return c
		}
		return strings.Compare(a.Peer.String(), b.Peer.String())
	})
	for _, p := range m.peers {
		f.Peers = append(f.Peers, *p)
	}
	slices.SortFunc(f.Peers, func(a, b PeerFigures) int { return strings.Compare(a.Peer.String(), b.Peer.String()) })
	return f
}

func (m *FederatedMachine) logEvent(ev fmuc.Event) {
	room := slog.String("room", ev.Room().String())
	switch e := ev.(type) {
	case fmuc.LinkChanged:
		m.mu.Lock()
		m.links[linkKey{e.RoomJID, e.Peer}] = e.To
		if m.peers[e.Peer] == nil {
			m.peers[e.Peer] = &PeerFigures{Peer: e.Peer}
		}
		m.mu.Unlock()
		lvl := slog.LevelInfo
		if e.To == fmuc.LinkLost || e.To == fmuc.LinkRejected {
			lvl = slog.LevelWarn
		}
		m.log.Log(context.Background(), lvl, "federation link", room, "peer", e.Peer.String(), "upstream", e.Upstream,
			"from", e.From.String(), "to", e.To.String(), "reason", e.Reason)
	case fmuc.FederationRefused:
		m.log.Warn("federation refused", room, "peer", e.Peer.String(), "reason", e.Reason)
	case fmuc.SpoofRefused:
		m.log.Warn("spoofed stanza refused", room, "peer", e.Peer.String(), "jid", e.JID.String(), "reason", e.Reason)
	case fmuc.PeerRateExceeded:
		m.log.Warn("peer over its rate: dropping", room, "peer", e.Peer.String(), "dropped", e.Dropped)
	case fmuc.PeerRefusedUser:
		m.log.Warn("peer refused user", room, "peer", e.Peer.String(), "jid", e.JID.String(), "condition", string(e.Condition))
	case muc.Event:
		logMUCEvent(m.log, e)
	default:
		m.log.Debug("event", room, "type", slog.AnyValue(ev).String())
	}
}
