package muc_test

import (
	"strconv"
	"testing"

	"github.com/xmppfmuc/fmuc/internal/perf"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// The setups are the performance report's (perf.MUCRoom and the
// messages next to it), so that these benchmarks and the report measure
// the same thing.

func decodeBench(b *testing.B, x string) stanza.Stanza {
	b.Helper()
	s, err := stanza.Decode([]byte(x))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func benchRoom(b *testing.B, n, history int, mod func(*muc.ServiceOptions)) (*muc.Service, *muc.Room) {
	b.Helper()
	s, r, err := perf.MUCRoom(n, history, mod)
	if err != nil {
		b.Fatal(err)
	}
	return s, r
}

// BenchmarkGroupchatFanout measures one groupchat message reflected to
// 1,000 local occupants; see the ns/recipient and allocs/recipient
// metrics.
func BenchmarkGroupchatFanout(b *testing.B) {
	const n = 1000
	_, r := benchRoom(b, n, 0, nil)
	benchFanout(b, r, n)
}

// benchFanout times perf.FanoutMessage reflected by r to n deliveries
// and reports ns/recipient and allocs/recipient.
func benchFanout(b *testing.B, r *muc.Room, n int) {
	b.Helper()
	in := decodeBench(b, perf.FanoutMessage)
	allocs := testing.AllocsPerRun(20, func() {
		if err := perf.Fanout(r, in, n); err != nil {
			b.Fatal(err)
		}
	})
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := perf.Fanout(r, in, n); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/recipient")
	b.ReportMetric(allocs/float64(n), "allocs/recipient")
}

// BenchmarkJoin measures a join into a room of 1,000 occupants with 50
// messages of history (the joiner takes them all), including the
// broadcast of its presence to the 1,000.
func BenchmarkJoin(b *testing.B) {
	_, r := benchRoom(b, 1000, 50, nil)
	join := decodeBench(b, perf.JoinPresence)
	leave := decodeBench(b, perf.LeavePresence)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		out, err := r.Handle(perf.Epoch, join)
		if err != nil || len(out.Stanzas) < 2000 {
			b.Fatalf("%d stanzas, %v", len(out.Stanzas), err)
		}
		b.StopTimer()
		if _, err := r.Handle(perf.Epoch, leave); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkMemoryPerOccupant reports the heap held per idle occupant
// (joined with a caps payload, presence views cached as after a join).
func BenchmarkMemoryPerOccupant(b *testing.B) {
	per, err := perf.HeapPerLocalOccupant(1000)
	if err != nil {
		b.Fatal(err)
	}
	// The measurement is done once; the loop only satisfies the harness.
	for b.Loop() {
	}
	b.ReportMetric(per, "B/occupant")
}

// BenchmarkMemoryPerRoom reports the heap held per idle, empty,
// persistent room in a service.
func BenchmarkMemoryPerRoom(b *testing.B) {
	per, err := perf.HeapPerIdleRoom(2000)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
	}
	b.ReportMetric(per, "B/room")
}

// BenchmarkGroupchatFanoutSessions is BenchmarkGroupchatFanout with 500
// occupants of two sessions each (XEP-0045 §7.2.8): 1,000 deliveries.
func BenchmarkGroupchatFanoutSessions(b *testing.B) {
	const n = 500
	s, r := benchRoom(b, n, 0, nil)
	for i := 0; i < n; i++ {
		u := strconv.Itoa(i)
		if _, err := s.Handle(perf.Epoch, decodeBench(b, `<presence from='u`+u+`@x/s' to='r@muc.example/u`+u+`'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`)); err != nil {
			b.Fatal(err)
		}
	}
	benchFanout(b, r, 2*n)
}

// BenchmarkGroupchatFanoutOccupantIDs is BenchmarkGroupchatFanout with
// XEP-0421 occupant ids on: the stanza-id and occupant-id are added once
// per message, so the per-recipient cost should not change.
func BenchmarkGroupchatFanoutOccupantIDs(b *testing.B) {
	const n = 1000
	_, r := benchRoom(b, n, 0, func(o *muc.ServiceOptions) { o.OccupantIDKey = []byte("0123456789abcdef0123456789abcdef") })
	benchFanout(b, r, n)
}

// BenchmarkIQForward measures an IQ forwarded to an occupant and its
// answer routed back (two Handle calls).
func BenchmarkIQForward(b *testing.B) {
	_, r := benchRoom(b, 2, 0, nil)
	req := decodeBench(b, `<iq from='u1@x/r' to='r@muc.example/u0' id='q' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`)
	b.ReportAllocs()
	for b.Loop() {
		out, _ := r.Handle(perf.Epoch, req)
		fwd := out.Stanzas[0].Head()
		ans := decodeBench(b, `<iq from='u0@x/r' to='r@muc.example/u1' id='`+fwd.ID+`' type='result'/>`)
		if out, _ = r.Handle(perf.Epoch, ans); len(out.Stanzas) != 1 {
			b.Fatal("no answer")
		}
	}
}
