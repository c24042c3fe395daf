package mucnode

import (
	"errors"
	"log/slog"
	"time"

	"github.com/xmppfmuc/fmuc/examples/node/mucstore"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
	"github.com/xmppfmuc/fmuc/transport"
)

// Machine adapts a muc.Service to transport.Machine: it passes stanzas in,
// persists the Output's events (with a store, see NewPersistentMachine),
// returns the Output's stanzas and logs the Output's events. On shutdown
// (transport.Closer) it tells every occupant that the service is going away.
//
// Like the Service, a Machine is not safe for concurrent use; the transport
// drives it from one goroutine.
type Machine struct {
	svc   *muc.Service
	log   *slog.Logger
	store *persister // nil: in memory only
}

var (
	_ transport.Machine = (*Machine)(nil)
	_ transport.Closer  = (*Machine)(nil)
)

// NewMachine wraps svc; log may be nil.
func NewMachine(svc *muc.Service, log *slog.Logger) *Machine {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Machine{svc: svc, log: log}
}

// NewPersistentMachine wraps svc and writes the events of every call into
// st before returning the call's stanzas (the contract of package
// mucstore: one batch per Handle, Tick or Close, persisted, then sent).
// While a write fails, the stanzas of that call are held back, the batch
// is retried, and new stanzas are refused with a wait-type
// resource-constraint error. log may be nil.
func NewPersistentMachine(svc *muc.Service, st mucstore.Store, log *slog.Logger) *Machine {
	m := NewMachine(svc, log)
	m.store = &persister{store: st, log: m.log}
	return m
}

// Service returns the wrapped service.
func (m *Machine) Service() *muc.Service { return m.svc }

// Handle implements transport.Machine.
func (m *Machine) Handle(now time.Time, in stanza.Stanza) []stanza.Stanza {
	held, ok := m.retry(now)
	if !ok {
		return unstored(in)
	}
	out, err := m.svc.Handle(now, in)
	if err != nil {
		h := in.Head()
		m.log.Warn("stanza not handled", "err", err, "from", h.From.String(), "to", h.To.String(), "id", h.ID)
		// The server routed it to us, so the sender deserves an answer
		// (RFC 6120 §8.3: never to an error).
		cond := stanza.ServiceUnavailable
		if errors.Is(err, muc.ErrWrongAddress) {
			cond = stanza.ItemNotFound
		}
		if r := stanza.ErrorReply(in, stanza.NewError(cond, "")); r != nil && !r.Head().From.IsZero() && !r.Head().To.IsZero() {
			return append(held, r)
		}
		return held
	}
	return append(held, m.emit(now, out, changes(in)...)...)
}

// changes returns the room an input may change without an event saying
// so (pending registrations, remembered invitations): the room of an IQ
// set or of a message that is not groupchat. Everything else that is
// stored comes with an event (mucstore.Batch.Record).
func changes(in stanza.Stanza) []stanza.JID {
	switch s := in.(type) {
	case *stanza.IQ:
		if s.Type == stanza.IQSet {
			return []stanza.JID{s.To.Bare()}
		}
	case *stanza.Message:
		if s.Type != stanza.MessageGroupchat {
			return []stanza.JID{s.To.Bare()}
		}
	}
	return nil
}

// retry retries a failed store write; it reports whether changes may be
// made, with the stanzas released by a successful retry.
func (m *Machine) retry(now time.Time) ([]stanza.Stanza, bool) {
	if m.store == nil {
		return nil, true
	}
	ok, held := m.store.retry(now)
	return held, ok
}

// Tick implements transport.Machine.
func (m *Machine) Tick(now time.Time) []stanza.Stanza {
	held, ok := m.retry(now)
	if !ok {
		return nil
	}
	return append(held, m.emit(now, m.svc.Tick(now))...)
}

// NextDeadline implements transport.Machine: the service's timers, and
// the retry of a failed store write.
func (m *Machine) NextDeadline() time.Time {
	return m.store.deadline(m.svc.NextDeadline())
}

// ConnectionChanged implements transport.Machine. A plain MUC service has
// nothing to resynchronise: occupants whose presence was lost while the
// stream was down rejoin by themselves (clients do on reconnection).
func (m *Machine) ConnectionChanged(_ time.Time, up bool) []stanza.Stanza {
	if up {
		m.log.Info("serving", "domain", m.svc.Domain().String(), "rooms", len(m.svc.Rooms()))
	} else {
		m.log.Warn("not connected", "domain", m.svc.Domain().String())
	}
	return nil
}

// Close implements transport.Closer: XEP-0045 §11.2 / status code 332,
// every local occupant is told that it is removed because the service is
// being shut down (muc.Service.Shutdown).
func (m *Machine) Close(now time.Time) []stanza.Stanza {
	held, _ := m.retry(now)
	out := m.svc.Shutdown(now)
	m.log.Info("shutting down", "stanzas", len(out.Stanzas))
	return append(held, m.emit(now, out)...)
}

// emit logs the events of out, persists them (one batch; touched are the
// rooms the input was addressed to) and returns its stanzas, none when
// the write failed. Remote deliveries cannot happen without federation
// and are logged as dropped.
func (m *Machine) emit(now time.Time, out muc.Output, touched ...stanza.JID) []stanza.Stanza {
	for _, ev := range out.Events {
		m.logEvent(ev)
	}
	if len(out.Remote) > 0 {
		m.log.Warn("dropping deliveries for federated nodes (not federated)", "count", len(out.Remote))
	}
	if m.store != nil {
		return m.store.persist(now, m.svc, out, nil, touched...)
	}
	return out.Stanzas
}

func (m *Machine) logEvent(ev muc.Event) { logMUCEvent(m.log, ev) }

// logMUCEvent logs one room event.
func logMUCEvent(log *slog.Logger, ev muc.Event) {
	room := slog.String("room", ev.Room().String())
	switch e := ev.(type) {
	case muc.RoomCreated:
		log.Info("room created", room, "owner", e.Owner.String(), "locked", e.Locked)
	case muc.RoomUnlocked:
		log.Info("room unlocked", room)
	case muc.RoomDestroyed:
		log.Info("room destroyed", room, "reason", e.Reason)
	case muc.OccupantJoined:
		log.Info("occupant joined", room, "nick", e.Nick, "jid", e.JID.String(), "role", string(e.Role), "affiliation", string(e.Affiliation))
	case muc.OccupantLeft:
		log.Info("occupant left", room, "nick", e.Nick, "jid", e.JID.String(), "status", e.Status)
	case muc.NickChanged:
		log.Info("nick changed", room, "old", e.Old, "new", e.New, "jid", e.JID.String())
	case muc.RoleChanged:
		log.Info("role changed", room, "nick", e.Nick, "from", string(e.From), "to", string(e.To), "actor", e.Actor.String())
	case muc.AffiliationChanged:
		log.Info("affiliation changed", room, "jid", e.JID.String(), "from", string(e.From), "to", string(e.To), "actor", e.Actor.String())
	case muc.ConfigChanged:
		log.Info("room configured", room)
	case muc.SubjectChanged:
		log.Info("subject changed", room, "by", e.Subject.Nick)
	case muc.HistoryAppended:
		log.Debug("message", room, "id", e.Entry.ID, "nick", e.Entry.Nick)
	default:
		log.Debug("event", room, "type", slog.AnyValue(ev).String())
	}
}
