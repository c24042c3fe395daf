package muc

import (
	"strconv"
	"testing"
)

// BenchmarkGroupchatFanoutOccupantIDs is BenchmarkGroupchatFanout with
// XEP-0421 occupant ids on: the stanza-id and occupant-id are added once
// per message, so the per-recipient cost should not change.
func BenchmarkGroupchatFanoutOccupantIDs(b *testing.B) {
	const n = 1000
	h := newHarness(b, withKey)
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
