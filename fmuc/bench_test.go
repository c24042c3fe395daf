package fmuc_test

import (
	"fmt"
	"testing"

	"github.com/xmppfmuc/fmuc/internal/perf"
	"github.com/xmppfmuc/fmuc/stanza"
)

// BenchmarkFederatedGroupchat: one groupchat message through a federated
// room with 10, 100 and 1,000 local occupants and 1 or 3 links; reports
// messages per second and ns per delivered stanza (local copies plus one
// per link). The setup is the performance report's (perf.FederatedRoom).
func BenchmarkFederatedGroupchat(b *testing.B) {
	for _, local := range []int{10, 100, 1000} {
		for _, links := range []int{1, 3} {
			b.Run(fmt.Sprintf("local=%d/links=%d", local, links), func(b *testing.B) {
				s, msg, err := perf.FederatedRoom(local, links)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					if err := perf.GroupchatThrough(s, msg, local+links); err != nil {
						b.Fatal(err)
					}
				}
				per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				b.ReportMetric(1e9/per, "msgs/s")
				b.ReportMetric(per/float64(local+links), "ns/delivery")
			})
		}
	}
}

// BenchmarkFederatedGroupchatFromLink: one groupchat message from a
// link's user (perf.LinkGroupchat) through a room with 100 local
// occupants and 3 links, to the 100 and the 2 other links.
func BenchmarkFederatedGroupchatFromLink(b *testing.B) {
	s, _, err := perf.FederatedRoom(100, 3)
	if err != nil {
		b.Fatal(err)
	}
	in, err := stanza.Decode([]byte(perf.LinkGroupchat))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := perf.GroupchatThrough(s, in, 102); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemoryPerRemoteOccupant measures the heap one user presented
// by a linked room costs.
func BenchmarkMemoryPerRemoteOccupant(b *testing.B) {
	const n = 900 // below the default MaxRemoteOccupants
	for range b.N {
		per, err := perf.HeapPerRemoteOccupant(n)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(per, "B/remote-occupant")
	}
}
