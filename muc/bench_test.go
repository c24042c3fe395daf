package muc

import (
	"runtime"
	"strconv"
	"testing"

	"github.com/xmppfmuc/fmuc/stanza"
)

// bigRoom returns a harness whose room r@muc.example holds n local
// occupants u0..u(n-1) (u0 owns it) and the given number of history
// messages.
func bigRoom(b *testing.B, n, history int) *harness {
	h := newHarness(b, noMessageRate, func(o *ServiceOptions) {
		c := DefaultConfig()
		c.HistoryLength = 50
		o.RoomDefaults = &c
	})
	h.instant(roomJID, "u0@x/r", "u0")
	for i := 1; i < n; i++ {
		s := strconv.Itoa(i)
		if _, err := h.svc.Handle(h.now, decode(b, `<presence from='u`+s+`@x/r' to='r@muc.example/u`+s+`'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`)); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < history; i++ {
		h.do(`<message from='u0@x/r' to='r@muc.example' id='h` + strconv.Itoa(i) + `' type='groupchat'><body>history message number ` + strconv.Itoa(i) + `</body></message>`)
	}
	return h
}

// noMessageRate switches the occupant message rate off: the benchmarks
// send one user's message over and over at one instant.
func noMessageRate(o *ServiceOptions) { o.Limits.MessageBurst = Unlimited }

// BenchmarkGroupchatFanout measures one groupchat message reflected to
// 1,000 local occupants; see the ns/recipient and allocs/recipient
// metrics.
func BenchmarkGroupchatFanout(b *testing.B) {
	const n = 1000
	h := bigRoom(b, n, 0)
	benchFanout(b, h, n)
}

// fanoutMessage is the groupchat message the fan-out benchmarks reflect.
const fanoutMessage = `<message from='u1@x/r' to='r@muc.example' id='m1' type='groupchat'><body>Hello everyone, how are you today?</body><origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>`

// benchFanout times fanoutMessage reflected by the room of h to its n
// occupants and reports ns/recipient.
func benchFanout(b *testing.B, h *harness, n int) {
	b.Helper()
	in := decode(b, fanoutMessage)
	r := h.room(roomJID)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out, err := r.Handle(h.now, in)
		if err != nil || len(out.Stanzas) != n {
			b.Fatalf("%d stanzas, %v", len(out.Stanzas), err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/recipient")
}

// BenchmarkGroupchatFanoutAllocs reports allocations per recipient with
// testing.AllocsPerRun.
func BenchmarkGroupchatFanoutAllocs(b *testing.B) {
	const n = 1000
	h := bigRoom(b, n, 0)
	in := decode(b, `<message from='u1@x/r' to='r@muc.example' id='m1' type='groupchat'><body>Hello</body></message>`)
	r := h.room(roomJID)
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := r.Handle(h.now, in); err != nil {
			b.Fatal(err)
		}
	})
	for b.Loop() {
	}
	b.ReportMetric(allocs/n, "allocs/recipient")
}

// BenchmarkJoin measures a join into a room of 1,000 occupants with 50
// messages of history (the joiner takes them all), including the
// broadcast of its presence to the 1,000.
func BenchmarkJoin(b *testing.B) {
	h := bigRoom(b, 1000, 50)
	r := h.room(roomJID)
	join := decode(b, `<presence from='new@x/r' to='r@muc.example/new'><x xmlns='http://jabber.org/protocol/muc'/><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/></presence>`)
	leave := decode(b, `<presence from='new@x/r' to='r@muc.example/new' type='unavailable'/>`)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out, err := r.Handle(h.now, join)
		if err != nil || len(out.Stanzas) < 2000 {
			b.Fatalf("%d stanzas, %v", len(out.Stanzas), err)
		}
		b.StopTimer()
		if _, err := r.Handle(h.now, leave); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkMemoryPerOccupant reports the heap held per idle occupant
// (joined with a caps payload, presence views cached as after a join).
func BenchmarkMemoryPerOccupant(b *testing.B) {
	const n = 1000
	h := bigRoom(b, 1, 0)
	r := h.room(roomJID)
	ins := make([]stanza.Stanza, n)
	for i := range ins {
		s := strconv.Itoa(i + 1)
		ins[i] = decode(b, `<presence from='u`+s+`@example.org/resource' to='r@muc.example/user`+s+`'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://example.org' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>`)
	}
	before := heap()
	for _, in := range ins {
		// Room.Handle directly: the outputs are dropped at once.
		if _, err := r.Handle(h.now, in); err != nil {
			b.Fatal(err)
		}
	}
	ins = nil
	after := heap()
	runtime.KeepAlive(r)
	// The measurement is done once; the loop only satisfies the harness.
	for b.Loop() {
	}
	b.ReportMetric(float64(after-before)/n, "B/occupant")
}

// BenchmarkMemoryPerRoom reports the heap held per idle, empty,
// persistent room in a service.
func BenchmarkMemoryPerRoom(b *testing.B) {
	const n = 2000
	h := newHarness(b)
	before := heap()
	for i := 0; i < n; i++ {
		c := DefaultConfig()
		c.Persistent = true
		if _, err := h.svc.Restore(State{JID: stanza.MustParse("room" + strconv.Itoa(i) + "@muc.example"), Config: c,
			Affiliations: []AffiliationEntry{{JID: stanza.MustParse("owner@example.org"), Affiliation: stanza.AffiliationOwner}}}); err != nil {
			b.Fatal(err)
		}
	}
	after := heap()
	runtime.KeepAlive(h)
	for b.Loop() {
	}
	b.ReportMetric(float64(after-before)/n, "B/room")
}

// BenchmarkGroupchatFanoutSessions is BenchmarkGroupchatFanoutAllocs with
// 500 occupants of two sessions each (XEP-0045 §7.2.8): 1,000 deliveries.
func BenchmarkGroupchatFanoutSessions(b *testing.B) {
	const n = 500
	h := bigRoom(b, n, 0)
	for i := 0; i < n; i++ {
		s := strconv.Itoa(i)
		if _, err := h.svc.Handle(h.now, decode(b, `<presence from='u`+s+`@x/s' to='r@muc.example/u`+s+`'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`)); err != nil {
			b.Fatal(err)
		}
	}
	in := decode(b, `<message from='u1@x/s' to='r@muc.example' id='m1' type='groupchat'><body>Hello</body></message>`)
	r := h.room(roomJID)
	allocs := testing.AllocsPerRun(20, func() {
		out, err := r.Handle(h.now, in)
		if err != nil || len(out.Stanzas) != 2*n {
			b.Fatalf("%d stanzas, %v", len(out.Stanzas), err)
		}
	})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Handle(h.now, in); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(2*n), "ns/recipient")
	b.ReportMetric(allocs/(2*n), "allocs/recipient")
}

// BenchmarkGroupchatFanoutOccupantIDs is BenchmarkGroupchatFanout with
// XEP-0421 occupant ids on: the stanza-id and occupant-id are added once
// per message, so the per-recipient cost should not change.
func BenchmarkGroupchatFanoutOccupantIDs(b *testing.B) {
	const n = 1000
	h := newHarness(b, withKey, noMessageRate)
	h.instant(roomJID, "u0@x/r", "u0")
	for i := 1; i < n; i++ {
		s := strconv.Itoa(i)
		h.do(`<presence from='u` + s + `@x/r' to='r@muc.example/u` + s + `'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`)
	}
	benchFanout(b, h, n)
}

// BenchmarkIQForward measures an IQ forwarded to an occupant and its
// answer routed back (two Handle calls).
func BenchmarkIQForward(b *testing.B) {
	h := setup2Bench(b)
	r := h.room(roomJID)
	req := decode(b, `<iq from='b@x/1' to='r@muc.example/A' id='q' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`)
	b.ReportAllocs()
	for b.Loop() {
		out, _ := r.Handle(h.now, req)
		fwd := out.Stanzas[0].Head()
		ans := decode(b, `<iq from='a@x/1' to='r@muc.example/B' id='`+fwd.ID+`' type='result'/>`)
		if out, _ = r.Handle(h.now, ans); len(out.Stanzas) != 1 {
			b.Fatal("no answer")
		}
	}
}

func setup2Bench(b *testing.B) *harness {
	h := newHarness(b)
	h.instant(roomJID, "a@x/1", "A")
	h.join("b@x/1", roomJID+"/B")
	return h
}
