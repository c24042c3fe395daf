package mucstore

import (
	"errors"
	"slices"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// Errors of Open and of a Store.
var (
	// ErrLocked: another process holds the store (the file lock).
	ErrLocked = errors.New("mucstore: store in use by another process")
	// ErrFormat: the file is not a store of this package, is corrupt, or
	// has another FormatVersion.
	ErrFormat = errors.New("mucstore: not a usable store file")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("mucstore: store closed")
)

// Names of the service-wide records (Snapshot.Meta, Batch.Meta) this
// module's embedders use.
const (
	// MetaOccupantIDKey is the XEP-0421 occupant-id key, drawn once so
	// that occupant ids stay the same across restarts.
	MetaOccupantIDKey = "occupant-id-key"
	// MetaFMUC is fmuc.Service.State as JSON (each room's federation
	// settings, each upstream link's session, position and log), written
	// after calls whose fmuc events changed it and given to
	// fmuc.Service.Restore after the rooms are restored.
	MetaFMUC = "fmuc"
)

// Store persists rooms and service-wide records. Implementations must make
// Apply atomic (all of the batch or nothing) and durable when it returns
// nil; the muc package's rooms are rebuilt from Load with muc.Restore (or
// muc.Service.Restore).
//
// A Store is used from one goroutine, the one driving the service.
type Store interface {
	// Load returns everything stored: rooms in JID order, each with its
	// history and archive, oldest first.
	Load() (Snapshot, error)
	// Apply writes a batch in one transaction.
	Apply(b *Batch) error
	// Close releases the store.
	Close() error
}

// Snapshot is the content of a store.
type Snapshot struct {
	Rooms []muc.State
	Meta  map[string][]byte
}

// Batch is the changes of one call into a service, written by one
// Store.Apply. The zero value is an empty batch.
type Batch struct {
	// Rooms are rooms to write: everything of muc.State but History and
	// Archive, which are appended to (History and Archive below); a room
	// written here has its stored history trimmed to its
	// Config.HistoryLength.
	Rooms []muc.State
	// Deleted are rooms that are gone (destroyed, or a temporary room
	// whose last occupant left), with their history and archive.
	Deleted []stanza.JID
	// History are messages added to rooms' discussion history.
	History []HistoryAppend
	// Archive are messages added to rooms' XEP-0313 archives.
	Archive []ArchiveAppend
	// Meta are service-wide records to write; a nil value deletes one.
	Meta map[string][]byte
}

// HistoryAppend is one message added to a room's history; Keep is the
// room's history length (muc.Config.HistoryLength), to which the stored
// history is trimmed.
type HistoryAppend struct {
	Room  stanza.JID
	Entry muc.HistoryEntry
	Keep  int
}

// ArchiveAppend is one message added to a room's archive; Expired is how
// many of the oldest entries it pushed out (muc.MessageArchived).
type ArchiveAppend struct {
	Room    stanza.JID
	Entry   muc.ArchiveEntry
	Expired int
}

// Empty reports whether the batch writes nothing.
func (b *Batch) Empty() bool {
	return len(b.Rooms) == 0 && len(b.Deleted) == 0 && len(b.History) == 0 && len(b.Archive) == 0 && len(b.Meta) == 0
}

// Reset empties the batch, keeping its storage.
func (b *Batch) Reset() {
	clear(b.Rooms)
	clear(b.History)
	clear(b.Archive)
	b.Rooms, b.Deleted, b.History, b.Archive = b.Rooms[:0], b.Deleted[:0], b.History[:0], b.Archive[:0]
	clear(b.Meta)
}

// Record adds to b what out changed in svc: the state of every room an
// event is about (or that touched names: rooms whose pending registrations
// or invitations a call may have changed without an event, such as the
// room a message or IQ was addressed to), their history and archive
// appends, and rooms that no longer exist. Occupant events (joins, exits,
// nick and role changes) change nothing stored.
func (b *Batch) Record(svc *muc.Service, out muc.Output, touched ...stanza.JID) {
	var rooms []stanza.JID
	add := func(j stanza.JID) {
		if !slices.Contains(rooms, j) {
			rooms = append(rooms, j)
		}
	}
	for _, j := range touched {
		if !j.IsZero() {
			if _, ok := svc.Room(j); ok {
				add(j.Bare())
			}
		}
	}
	gone := map[stanza.JID]bool{}
	for _, ev := range out.Events {
		j := ev.Room()
		switch e := ev.(type) {
		case muc.HistoryAppended:
			keep := 0
			if r, ok := svc.Room(j); ok {
				keep = r.Config().HistoryLength
			}
			b.History = append(b.History, HistoryAppend{Room: j, Entry: e.Entry, Keep: keep})
		case muc.MessageArchived:
			b.Archive = append(b.Archive, ArchiveAppend{Room: j, Entry: e.Entry, Expired: e.Expired})
		case muc.RoomCreated, muc.RoomUnlocked, muc.ConfigChanged, muc.AffiliationChanged,
			muc.SubjectChanged, muc.NickRegistered:
			add(j)
		case muc.RoomDestroyed:
			gone[j] = true
		case muc.OccupantLeft:
			// A temporary room is destroyed with its last occupant.
			if _, ok := svc.Room(j); !ok {
				gone[j] = true
			}
		}
	}
	for _, j := range rooms {
		r, ok := svc.Room(j)
		if !ok {
			gone[j] = true
			continue
		}
		st := r.State()
		st.History, st.Archive = nil, nil
		b.Rooms = append(b.Rooms, st)
	}
	if len(gone) > 0 {
		keep := func(j stanza.JID) bool {
			_, ok := svc.Room(j)
			return ok || !gone[j]
		}
		b.History = slices.DeleteFunc(b.History, func(h HistoryAppend) bool { return !keep(h.Room) })
		b.Archive = slices.DeleteFunc(b.Archive, func(a ArchiveAppend) bool { return !keep(a.Room) })
		for j := range gone {
			if _, ok := svc.Room(j); !ok {
				b.Deleted = append(b.Deleted, j)
			}
		}
		slices.SortFunc(b.Deleted, func(x, y stanza.JID) int {
			switch xs, ys := x.String(), y.String(); {
			case xs < ys:
				return -1
			case xs > ys:
				return 1
			}
			return 0
		})
	}
}

// Restore rebuilds svc's rooms from a snapshot. A room that muc refuses
// (a state this version cannot restore) is an error naming the room.
func Restore(svc *muc.Service, snap Snapshot) error {
	for _, st := range snap.Rooms {
		if _, err := svc.Restore(st); err != nil {
			return err
		}
	}
	return nil
}
