package perf

import (
	"fmt"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// Options says how long the measurements run.
type Options struct {
	// Quick runs each timed loop a fixed, small number of times instead
	// of with testing.Benchmark, and skips the 100,000-room measurement:
	// a smoke test whose figures are only roughly right.
	Quick bool
	// Rooms is the number of idle rooms of the big-service measurement
	// of Memory; 0 skips it.
	Rooms int
}

// Epoch is the virtual time every measurement runs at.
var Epoch = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)

// Result is one timed loop: per operation, the time, heap allocations
// and allocated bytes.
type Result struct {
	N      int
	Ns     float64
	Allocs float64
	Bytes  float64
}

// quickRuns is how often a loop runs under Options.Quick.
const quickRuns = 20

// Measure times op. It runs op under testing.Benchmark (about one second
// of runs), or quickRuns times when opts.Quick. undo, when not nil, runs
// after each op outside the timed and counted part (to leave a room that
// op joined). An error stops the loop and is returned.
func Measure(opts Options, op, undo func() error) (Result, error) {
	var err error
	if opts.Quick {
		var d time.Duration
		var mallocs, bytes uint64
		var before, after runtime.MemStats
		for range quickRuns {
			runtime.ReadMemStats(&before)
			start := time.Now()
			err = op()
			d += time.Since(start)
			runtime.ReadMemStats(&after)
			mallocs += after.Mallocs - before.Mallocs
			bytes += after.TotalAlloc - before.TotalAlloc
			if err == nil && undo != nil {
				err = undo()
			}
			if err != nil {
				return Result{}, err
			}
		}
		return Result{N: quickRuns, Ns: float64(d.Nanoseconds()) / quickRuns,
			Allocs: float64(mallocs) / quickRuns, Bytes: float64(bytes) / quickRuns}, nil
	}
	res := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if err != nil {
				return
			}
			err = op()
			if err == nil && undo != nil {
				b.StopTimer()
				err = undo()
				b.StartTimer()
			}
		}
	})
	if err != nil {
		return Result{}, err
	}
	if res.N == 0 {
		return Result{}, fmt.Errorf("perf: the benchmark did not run")
	}
	return Result{N: res.N, Ns: float64(res.T.Nanoseconds()) / float64(res.N),
		Allocs: float64(res.MemAllocs) / float64(res.N), Bytes: float64(res.MemBytes) / float64(res.N)}, nil
}

// FederatedRoom returns a service whose room r@rooms.a.lit holds local
// occupants u0..u(local-1) and is joined by links peer rooms
// r@rooms.p<i>.lit, each presenting one user, and the groupchat message
// of u0 (GroupchatBody) to send to it. Every stanza is stepped at Epoch.
func FederatedRoom(local, links int) (*fmuc.Service, stanza.Stanza, error) {
	ids := 0
	s, err := fmuc.NewService(fmuc.Options{
		Domain:  stanza.MustParse("rooms.a.lit"),
		NewID:   func() string { ids++; return "b" + strconv.Itoa(ids) },
		Inbound: fmuc.Policy{Func: func(_, _ stanza.JID) bool { return true }},
		// The occupant and peer message rates are off: the measurements
		// send one user's message over and over at one instant.
		MUC:          muc.ServiceOptions{Locking: muc.LockNever, Limits: muc.Limits{MessageBurst: muc.Unlimited}},
		PeerInterval: -1,
	})
	if err != nil {
		return nil, nil, err
	}
	for i := range local {
		if err := step(s, fmt.Sprintf(`<presence from='u%d@a.lit/1' to='r@rooms.a.lit/U%d'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`, i, i)); err != nil {
			return nil, nil, err
		}
	}
	for i := range links {
		if err := step(s, fmt.Sprintf(`<presence from='r@rooms.p%d.lit/P%d' to='r@rooms.a.lit/P%d'><fmuc xmlns='http://isode.com/protocol/fmuc' from='p%d@p%d.lit/1'/><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`, i, i, i, i, i)); err != nil {
			return nil, nil, err
		}
	}
	msg, err := stanza.Decode([]byte(`<message from='u0@a.lit/1' to='r@rooms.a.lit' id='m' type='groupchat'><body>` + GroupchatBody + `</body></message>`))
	return s, msg, err
}

// LinkGroupchat is a groupchat message to a FederatedRoom from the user
// its first link presents, with the stanza id its room gave it: what a
// peer relays.
const LinkGroupchat = `<message from='r@rooms.p0.lit/P0' to='r@rooms.a.lit' id='pm' type='groupchat'><body>` + GroupchatBody + `</body><stanza-id xmlns='urn:xmpp:sid:0' id='s1' by='r@rooms.p0.lit'/><fmuc xmlns='http://isode.com/protocol/fmuc' from='p0@p0.lit/1'/></message>`

// GroupchatBody is the body of the measured groupchat messages.
const GroupchatBody = "Hi everyone, tea is ready"

// AddRemoteOccupants makes the first link of a FederatedRoom present n
// more users, q0@p0.lit/1 and on.
func AddRemoteOccupants(s *fmuc.Service, n int) error {
	for i := range n {
		if err := step(s, fmt.Sprintf(`<presence from='r@rooms.p0.lit/Q%d' to='r@rooms.a.lit'><fmuc xmlns='http://isode.com/protocol/fmuc' from='q%d@p0.lit/1'/><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>`, i, i)); err != nil {
			return err
		}
	}
	return nil
}

func step(s *fmuc.Service, x string) error {
	in, err := stanza.Decode([]byte(x))
	if err != nil {
		return err
	}
	_, err = s.Step(Epoch, in)
	return err
}

// RoomJID is the room of MUCRoom.
var RoomJID = stanza.MustParse("r@muc.example")

// MUCRoom returns a plain MUC service whose room RoomJID holds n local
// occupants u0..u(n-1) (u0 owns it; nicks u0..), keeps 50 messages of
// history and has had the given number of messages said (at most 50 are
// kept). mod, when not nil, changes the service options first.
func MUCRoom(n, history int, mod func(*muc.ServiceOptions)) (*muc.Service, *muc.Room, error) {
	ids := 0
	c := muc.DefaultConfig()
	c.HistoryLength = 50
	opts := muc.ServiceOptions{
		Domain:       RoomJID.Domainpart(),
		NewID:        func() string { ids++; return "id" + strconv.Itoa(ids) },
		Locking:      muc.LockNever,
		RoomDefaults: &c,
		Limits:       muc.Limits{MessageBurst: muc.Unlimited},
	}
	if mod != nil {
		mod(&opts)
	}
	s, err := muc.NewService(opts)
	if err != nil {
		return nil, nil, err
	}
	handle := func(x string) error {
		in, err := stanza.Decode([]byte(x))
		if err != nil {
			return err
		}
		_, err = s.Handle(Epoch, in)
		return err
	}
	for i := range n {
		u := strconv.Itoa(i)
		if err := handle(`<presence from='u` + u + `@x/r' to='r@muc.example/u` + u + `'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`); err != nil {
			return nil, nil, err
		}
	}
	for i := range history {
		if err := handle(`<message from='u0@x/r' to='r@muc.example' id='h` + strconv.Itoa(i) + `' type='groupchat'><body>history message number ` + strconv.Itoa(i) + `</body></message>`); err != nil {
			return nil, nil, err
		}
	}
	r, ok := s.Room(RoomJID)
	if !ok || r.Len() != n {
		return nil, nil, fmt.Errorf("perf: the room has not got %d occupants", n)
	}
	return s, r, nil
}

// FanoutMessage is the groupchat message u1 of a MUCRoom says in the
// fan-out measurements.
const FanoutMessage = `<message from='u1@x/r' to='r@muc.example' id='m1' type='groupchat'><body>Hello everyone, how are you today?</body><origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>`

// JoinPresence and LeavePresence are the join into a MUCRoom the join
// measurement times (with caps, taking the whole history) and the exit
// that undoes it between runs.
const (
	JoinPresence  = `<presence from='new@x/r' to='r@muc.example/new'><x xmlns='http://jabber.org/protocol/muc'/><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/></presence>`
	LeavePresence = `<presence from='new@x/r' to='r@muc.example/new' type='unavailable'/>`
)

// GroupchatThrough sends msg through s once and checks that want stanzas
// came out.
func GroupchatThrough(s *fmuc.Service, msg stanza.Stanza, want int) error {
	out, err := s.Step(Epoch, msg)
	if err == nil && len(out.Stanzas) != want {
		err = fmt.Errorf("perf: %d stanzas out, want %d", len(out.Stanzas), want)
	}
	return err
}

// Fanout has room r reflect msg once and checks that want stanzas came
// out.
func Fanout(r *muc.Room, msg stanza.Stanza, want int) error {
	out, err := r.Handle(Epoch, msg)
	if err == nil && len(out.Stanzas) != want {
		err = fmt.Errorf("perf: %d stanzas out, want %d", len(out.Stanzas), want)
	}
	return err
}

// machineSection is the section Machine adds.
const machineSection = "state machine"

// Machine adds the "state machine" section: groupchat through a
// federated node and through a plain room, and a join into a big room.
func Machine(r *Report, opts Options) error {
	cond := func(body int) string {
		return fmt.Sprintf("one goroutine, GOMAXPROCS=%d, %d-byte body, %s", runtime.GOMAXPROCS(0), body, method(opts))
	}
	for _, local := range []int{10, 100, 1000} {
		for _, links := range []int{1, 3} {
			s, msg, err := FederatedRoom(local, links)
			if err != nil {
				return err
			}
			n := local + links
			res, err := Measure(opts, func() error { return GroupchatThrough(s, msg, n) }, nil)
			if err != nil {
				return err
			}
			addGroupchat(r, fmt.Sprintf("fmuc groupchat, %d local, %d link(s)", local, links), cond(len(GroupchatBody)), res, n)
		}
	}
	s, _, err := FederatedRoom(100, 3)
	if err != nil {
		return err
	}
	in, err := stanza.Decode([]byte(LinkGroupchat))
	if err != nil {
		return err
	}
	// The local occupants and the two other links.
	res, err := Measure(opts, func() error { return GroupchatThrough(s, in, 102) }, nil)
	if err != nil {
		return err
	}
	addGroupchat(r, "fmuc groupchat from a link, 100 local, 3 links", cond(len(GroupchatBody))+", the origin's stanza-id", res, 102)

	const big = 1000
	_, room, err := MUCRoom(big, 0, nil)
	if err != nil {
		return err
	}
	msg, err := stanza.Decode([]byte(FanoutMessage))
	if err != nil {
		return err
	}
	res, err = Measure(opts, func() error { return Fanout(room, msg, big) }, nil)
	if err != nil {
		return err
	}
	body, _ := msg.(*stanza.Message).Body()
	addGroupchat(r, "muc groupchat fan-out, 1000 local", cond(len(body))+", origin-id", res, big)

	j, err := MeasureJoin(opts, big)
	if err != nil {
		return err
	}
	r.Add(machineSection, "join a room of 1000", fmt.Sprintf("one goroutine, GOMAXPROCS=%d, caps, 50 history messages replayed, %s", runtime.GOMAXPROCS(0), method(opts)),
		"%.0f µs, %.0f allocs, %s B out in %d stanzas", j.Ns/1e3, j.Allocs, thousands(float64(j.OutBytes)), j.OutStanzas)
	return nil
}

// addGroupchat adds the figure of a message measured by res that gave n
// stanzas: messages per second, and time and allocations per stanza (so
// that a constant cost per message shows as about 0 per stanza).
func addGroupchat(r *Report, name, cond string, res Result, n int) {
	r.Add(machineSection, name, cond, "%s msg/s, %.0f ns/stanza, %.0f allocs/msg = %.2f/stanza",
		thousands(1e9/res.Ns), res.Ns/float64(n), res.Allocs, res.Allocs/float64(n))
}

// JoinResult is MeasureJoin's figure: a Result and the size of the
// join's output.
type JoinResult struct {
	Result
	OutStanzas, OutBytes int
}

// MeasureJoin times JoinPresence into a MUCRoom of n occupants with 50
// messages of history; each run is undone, untimed, by LeavePresence.
// The output is measured on the first join: its stanzas and their
// encoded bytes.
func MeasureJoin(opts Options, n int) (JoinResult, error) {
	_, room, err := MUCRoom(n, 50, nil)
	if err != nil {
		return JoinResult{}, err
	}
	join, err := stanza.Decode([]byte(JoinPresence))
	if err != nil {
		return JoinResult{}, err
	}
	leave, err := stanza.Decode([]byte(LeavePresence))
	if err != nil {
		return JoinResult{}, err
	}
	var jr JoinResult
	out, err := room.Handle(Epoch, join)
	if err != nil {
		return jr, err
	}
	jr.OutStanzas = len(out.Stanzas)
	for _, st := range out.Stanzas {
		jr.OutBytes += len(stanza.Encode(st))
	}
	if jr.OutStanzas < 2*n {
		return jr, fmt.Errorf("perf: the join gave %d stanzas", jr.OutStanzas)
	}
	do := func(in stanza.Stanza) func() error {
		return func() error { _, err := room.Handle(Epoch, in); return err }
	}
	if err := do(leave)(); err != nil {
		return jr, err
	}
	jr.Result, err = Measure(opts, do(join), do(leave))
	return jr, err
}

// method names how Measure ran.
func method(opts Options) string {
	if opts.Quick {
		return fmt.Sprintf("%d runs (quick)", quickRuns)
	}
	return "testing.Benchmark"
}

// thousands formats v rounded, with commas between thousands.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
