package fmuc_test

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

// benchNode builds a service whose room has local local users and links
// joining rooms, each presenting one user, and returns it with the
// message to send.
func benchNode(b *testing.B, local, links int) (*fmuc.Service, stanza.Stanza) {
	b.Helper()
	ids := 0
	s, err := fmuc.NewService(fmuc.Options{
		Domain:  stanza.MustParse("rooms.a.lit"),
		NewID:   func() string { ids++; return "b" + strconv.Itoa(ids) },
		Inbound: fmuc.Policy{Func: func(_, _ stanza.JID) bool { return true }},
		// The occupant message rate is off: the benchmark sends one
		// user's message over and over at one instant.
		MUC: muc.ServiceOptions{Locking: muc.LockNever, Limits: muc.Limits{MessageBurst: muc.Unlimited}},
	})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	step := func(x string) {
		in, err := stanza.Decode([]byte(x))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Step(now, in); err != nil {
			b.Fatal(err)
		}
	}
	for i := range local {
		step(fmt.Sprintf(`<presence from='u%d@a.lit/1' to='r@rooms.a.lit/U%d'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`, i, i))
	}
	for i := range links {
		step(fmt.Sprintf(`<presence from='r@rooms.p%d.lit/P%d' to='r@rooms.a.lit/P%d'><fmuc xmlns='http://isode.com/protocol/fmuc' from='p%d@p%d.lit/1'/><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`, i, i, i, i, i))
	}
	msg, err := stanza.Decode([]byte(`<message from='u0@a.lit/1' to='r@rooms.a.lit' id='m' type='groupchat'><body>Hi everyone, tea is ready</body></message>`))
	if err != nil {
		b.Fatal(err)
	}
	return s, msg
}

// BenchmarkFederatedGroupchat: one groupchat message through a federated
// room with 10, 100 and 1,000 local occupants and 1 or 3 links; reports
// messages per second and ns per delivered stanza (local copies plus one
// per link).
func BenchmarkFederatedGroupchat(b *testing.B) {
	for _, local := range []int{10, 100, 1000} {
		for _, links := range []int{1, 3} {
			b.Run(fmt.Sprintf("local=%d/links=%d", local, links), func(b *testing.B) {
				s, msg := benchNode(b, local, links)
				now := time.Date(2026, 12, 1, 0, 1, 0, 0, time.UTC)
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					out, err := s.Step(now, msg)
					if err != nil || len(out.Stanzas) != local+links {
						b.Fatalf("%v: %d stanzas", err, len(out.Stanzas))
					}
				}
				per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				b.ReportMetric(1e9/per, "msgs/s")
				b.ReportMetric(per/float64(local+links), "ns/delivery")
			})
		}
	}
}

// BenchmarkMemoryPerRemoteOccupant measures the heap one user presented
// by a linked room costs.
func BenchmarkMemoryPerRemoteOccupant(b *testing.B) {
	const n = 900 // below the default MaxRemoteOccupants
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s, _ := benchNode(b, 1, 1)
		now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		for i := range n {
			in, _ := stanza.Decode([]byte(fmt.Sprintf(`<presence from='r@rooms.p0.lit/Q%d' to='r@rooms.a.lit'><fmuc xmlns='http://isode.com/protocol/fmuc' from='q%d@p0.lit/1'/><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>`, i, i)))
			if _, err := s.Step(now, in); err != nil {
				b.Fatal(err)
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if r, _ := s.MUC().Room(stanza.MustParse("r@rooms.a.lit")); r.Len() != n+2 {
			b.Fatalf("%d occupants", r.Len())
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/remote-occupant")
		runtime.KeepAlive(s)
	}
}
