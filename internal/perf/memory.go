package perf

import (
	"fmt"
	"runtime"
	"strconv"
	"time"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// HeapAlloc returns the live heap after two collections.
func HeapAlloc() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// heapPer returns the live heap build leaves, divided by n. What build
// returns is kept alive until after the measurement.
func heapPer(n int, build func() (any, error)) (float64, error) {
	before := HeapAlloc()
	keep, err := build()
	if err != nil {
		return 0, err
	}
	after := HeapAlloc()
	runtime.KeepAlive(keep)
	return (float64(after) - float64(before)) / float64(n), nil
}

// HeapPerLocalOccupant returns the heap held per idle local occupant of
// a room: n users join a MUCRoom with a caps payload, their presence
// views cached as after a join, the outputs dropped.
func HeapPerLocalOccupant(n int) (float64, error) {
	_, room, err := MUCRoom(1, 0, nil)
	if err != nil {
		return 0, err
	}
	ins := make([]stanza.Stanza, n)
	for i := range ins {
		s := strconv.Itoa(i + 1)
		if ins[i], err = stanza.Decode([]byte(`<presence from='u` + s + `@example.org/resource' to='r@muc.example/user` + s + `'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://example.org' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>`)); err != nil {
			return 0, err
		}
	}
	per, err := heapPer(n, func() (any, error) {
		for _, in := range ins {
			if _, err := room.Handle(Epoch, in); err != nil {
				return nil, err
			}
		}
		ins = nil
		return room, nil
	})
	if err == nil && room.Len() != n+1 {
		err = fmt.Errorf("perf: %d occupants, want %d", room.Len(), n+1)
	}
	return per, err
}

// HeapPerRemoteOccupant returns the heap held per user a linked room
// presents: n of them (at most fmuc.DefaultMaxRemoteOccupants) in a
// FederatedRoom with one local occupant and one link.
func HeapPerRemoteOccupant(n int) (float64, error) {
	var s *fmuc.Service
	per, err := heapPer(n, func() (any, error) {
		var err error
		if s, _, err = FederatedRoom(1, 1); err != nil {
			return nil, err
		}
		return s, AddRemoteOccupants(s, n)
	})
	if err != nil {
		return 0, err
	}
	if r, _ := s.MUC().Room(stanza.MustParse("r@rooms.a.lit")); r == nil || r.Len() != n+2 {
		return 0, fmt.Errorf("perf: the room has not got %d occupants", n+2)
	}
	// The service itself (one local and one remote occupant) is part of
	// the difference; against n users it is noise, but take it out.
	base, err := heapPer(1, func() (any, error) { s, _, err := FederatedRoom(1, 1); return s, err })
	if err != nil {
		return 0, err
	}
	return per - base/float64(n), nil
}

// IdleRooms restores n empty persistent rooms, each with an owner, into
// a new federated service and returns it.
func IdleRooms(n int) (*fmuc.Service, error) {
	s, err := newIdleService()
	if err != nil {
		return nil, err
	}
	owner := stanza.MustParse("owner@a.lit")
	for i := range n {
		c := muc.DefaultConfig()
		c.Persistent = true
		jid, err := stanza.NewJID("room"+strconv.Itoa(i), "rooms.a.lit", "")
		if err != nil {
			return nil, err
		}
		if _, err := s.MUC().Restore(muc.State{JID: jid, Config: c,
			Affiliations: []muc.AffiliationEntry{{JID: owner, Affiliation: stanza.AffiliationOwner}}}); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func newIdleService() (*fmuc.Service, error) {
	ids := 0
	return fmuc.NewService(fmuc.Options{Domain: stanza.MustParse("rooms.a.lit"), NewID: func() string { ids++; return strconv.Itoa(ids) }})
}

// HeapPerIdleRoom returns the heap held per IdleRooms room, with n rooms.
func HeapPerIdleRoom(n int) (float64, error) {
	return heapPer(n, func() (any, error) { return IdleRooms(n) })
}

// RestoreResult is what MeasureRestore finds.
type RestoreResult struct {
	// Heap is the live heap of the service of IdleRooms.
	Heap uint64
	// Restore is the time to build a new service from the first one's
	// State (muc.Service.State, fmuc.Service.State and both Restores).
	Restore time.Duration
}

// MeasureRestore builds IdleRooms(n), measures its heap, takes its state
// and times restoring that state into a new service.
func MeasureRestore(n int) (RestoreResult, error) {
	var rr RestoreResult
	before := HeapAlloc()
	s, err := IdleRooms(n)
	if err != nil {
		return rr, err
	}
	rr.Heap = HeapAlloc() - before
	rooms, fed := s.MUC().State(), s.State()
	s = nil
	HeapAlloc() // the first service is garbage now, and collected
	start := time.Now()
	t, err := newIdleService()
	if err != nil {
		return rr, err
	}
	for _, st := range rooms {
		if _, err := t.MUC().Restore(st); err != nil {
			return rr, err
		}
	}
	if err := t.Restore(fed); err != nil {
		return rr, err
	}
	rr.Restore = time.Since(start)
	if got := len(t.MUC().Rooms()); got != n {
		return rr, fmt.Errorf("perf: %d rooms restored, want %d", got, n)
	}
	return rr, nil
}

// Memory adds the "memory" section: heap per idle local occupant, per
// remote occupant and per idle room, and, when opts.Rooms is not 0, the
// heap of that many idle rooms and the time to restore them.
func Memory(r *Report, opts Options) error {
	const section = "memory"
	cond := "live heap after runtime.GC, HeapAlloc difference"
	n := 1000
	if opts.Quick {
		n = 200
	}
	per, err := HeapPerLocalOccupant(n)
	if err != nil {
		return err
	}
	r.Add(section, "idle local occupant", fmt.Sprintf("%s; %d joined with caps", cond, n), "%.0f B", per)
	remote := min(n, fmuc.DefaultMaxRemoteOccupants-100)
	if per, err = HeapPerRemoteOccupant(remote); err != nil {
		return err
	}
	r.Add(section, "remote occupant (presented by a link)", fmt.Sprintf("%s; %d users of one link", cond, remote), "%.0f B", per)
	rooms := 10 * n
	if per, err = HeapPerIdleRoom(rooms); err != nil {
		return err
	}
	r.Add(section, "idle room", fmt.Sprintf("%s; %d empty persistent rooms with an owner", cond, rooms), "%.0f B", per)
	if opts.Rooms == 0 {
		return nil
	}
	rr, err := MeasureRestore(opts.Rooms)
	if err != nil {
		return err
	}
	r.Add(section, fmt.Sprintf("%s idle rooms, heap", thousands(float64(opts.Rooms))), "one fmuc.Service; "+cond, "%.1f MiB", float64(rr.Heap)/(1<<20))
	r.Add(section, fmt.Sprintf("%s idle rooms, restore from State", thousands(float64(opts.Rooms))), "muc and fmuc State, then NewService and both Restores, one goroutine", "%.0f ms", float64(rr.Restore.Microseconds())/1e3)
	return nil
}
