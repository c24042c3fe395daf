package fmuctest_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/fmuc/fmuctest"
	"github.com/xmppfmuc/fmuc/stanza"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// fake is a Machine for the network's own tests: it answers each stanza
// with what reply returns (noting it in ticks, when seen is set), and
// fires its timers in order, noting each firing in ticks and telling its
// user (u@users.<name>/1). The network routes by domain, so users live on
// domains of their own.
type fake struct {
	name      string
	reply     func(in stanza.Stanza) []stanza.Stanza
	deadlines []time.Time // sorted
	ticks     *[]string
	seen      bool
}

func (f *fake) Handle(now time.Time, in stanza.Stanza) []stanza.Stanza {
	if f.seen {
		id := in.Head().ID
		if in.Head().Type == "error" {
			id += " (error)"
		}
		*f.ticks = append(*f.ticks, fmt.Sprintf("%s got %s at +%s", f.name, id, now.Sub(t0)))
	}
	if f.reply == nil {
		return nil
	}
	return f.reply(in)
}

func (f *fake) Tick(now time.Time) []stanza.Stanza {
	var out []stanza.Stanza
	for len(f.deadlines) > 0 && !f.deadlines[0].After(now) {
		*f.ticks = append(*f.ticks, fmt.Sprintf("%s at +%s", f.name, now.Sub(t0)))
		f.deadlines = f.deadlines[1:]
		out = append(out, msg(f.name, "u@users."+f.name+"/1", "tick"))
	}
	return out
}

func (f *fake) NextDeadline() time.Time {
	if len(f.deadlines) == 0 {
		return time.Time{}
	}
	return f.deadlines[0]
}

func msg(from, to, id string) *stanza.Message {
	return &stanza.Message{Header: stanza.Header{From: stanza.MustParse(from), To: stanza.MustParse(to), ID: id, Type: stanza.MessageNormal}}
}

// forward returns a reply that passes every stanza on to domain to, from
// domain from, keeping its id.
func forward(from, to string) func(stanza.Stanza) []stanza.Stanza {
	return func(in stanza.Stanza) []stanza.Stanza { return []stanza.Stanza{msg(from, to, in.Head().ID)} }
}

// TestStabilizeBound: two services that bounce every stanza back forever
// stop at MaxDeliveries with ErrNotStable.
func TestStabilizeBound(t *testing.T) {
	n := fmuctest.New(t0)
	n.Add("a.lit", &fake{name: "a.lit", reply: forward("a.lit", "b.lit")})
	n.Add("b.lit", &fake{name: "b.lit", reply: forward("b.lit", "a.lit")})
	n.MaxDeliveries = 50
	n.Send(msg("u@users.a.lit/1", "a.lit", "ping"))
	done, err := n.Stabilize()
	require.ErrorIs(t, err, fmuctest.ErrNotStable)
	assert.Equal(t, 50, done)
	assert.Equal(t, 25, n.Traffic("a.lit", "b.lit").Stanzas)
	assert.Equal(t, 24, n.Traffic("b.lit", "a.lit").Stanzas)

	// A finite exchange stabilizes and reports how many it delivered.
	m := fmuctest.New(t0)
	m.Add("a.lit", &fake{name: "a.lit", reply: forward("a.lit", "c@b.lit/1")})
	m.Send(msg("u@users.a.lit/1", "a.lit", "once"))
	done, err = m.Stabilize()
	require.NoError(t, err)
	assert.Equal(t, 2, done)
	assert.Len(t, m.Received(stanza.MustParse("c@b.lit/1")), 1)
}

// TestAdvanceFiresTimersInOrder: timers fire in time order, services in
// domain order at the same instant, what they send is delivered, and
// timers after the end wait.
func TestAdvanceFiresTimersInOrder(t *testing.T) {
	var ticks []string
	n := fmuctest.New(t0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	n.Add("b.lit", &fake{name: "b.lit", ticks: &ticks, deadlines: []time.Time{at(time.Second), at(2 * time.Second)}})
	a := &fake{name: "a.lit", ticks: &ticks, deadlines: []time.Time{at(2 * time.Second), at(5 * time.Second), at(20 * time.Second)}}
	n.Add("a.lit", a)
	require.NoError(t, n.Advance(10*time.Second))
	assert.Equal(t, []string{"b.lit at +1s", "a.lit at +2s", "b.lit at +2s", "a.lit at +5s"}, ticks)
	assert.Equal(t, t0.Add(10*time.Second), n.Now())
	assert.Len(t, n.Received(stanza.MustParse("u@users.a.lit/1")), 2)
	assert.Len(t, n.Received(stanza.MustParse("u@users.b.lit/1")), 2)
	assert.Equal(t, at(20*time.Second), a.NextDeadline(), "not yet due")
	require.NoError(t, n.Advance(10*time.Second))
	assert.Equal(t, "a.lit at +20s", ticks[len(ticks)-1])
}

// TestPartitionHeal: a partition loses stanzas between two services both
// ways and counts them; heal restores the link.
func TestPartitionHeal(t *testing.T) {
	n := fmuctest.New(t0)
	n.Add("a.lit", &fake{name: "a.lit", reply: forward("a.lit", "x@b.lit/1")})
	n.Add("b.lit", &fake{name: "b.lit"})
	n.Add("c.lit", &fake{name: "c.lit"})
	n.Partition("a.lit", "b.lit")
	n.Send(msg("a.lit", "b.lit", "lost1"))
	n.Send(msg("b.lit", "a.lit", "lost2"))
	n.Send(msg("a.lit", "c.lit", "kept"))
	_, err := n.Stabilize()
	require.NoError(t, err)
	assert.Equal(t, fmuctest.Traffic{Dropped: 1}, n.Traffic("a.lit", "b.lit"))
	assert.Equal(t, fmuctest.Traffic{Dropped: 1}, n.Traffic("b.lit", "a.lit"))
	assert.Equal(t, 1, n.Traffic("a.lit", "c.lit").Stanzas, "other links are not cut")
	assert.Empty(t, n.Received(stanza.MustParse("x@b.lit/1")))

	n.Heal("a.lit", "b.lit")
	s := msg("a.lit", "b.lit", "ok")
	n.Send(s)
	_, err = n.Stabilize()
	require.NoError(t, err)
	assert.Equal(t, fmuctest.Traffic{Stanzas: 1, Bytes: int64(len(stanza.Encode(s))), Dropped: 1}, n.Traffic("a.lit", "b.lit"))
}

// TestDrop: Drop loses the stanzas it picks on links between services,
// counted as dropped; client traffic is never asked about.
func TestDrop(t *testing.T) {
	n := fmuctest.New(t0)
	n.Add("a.lit", &fake{name: "a.lit", reply: forward("a.lit", "b.lit")})
	n.Add("b.lit", &fake{name: "b.lit"})
	var asked []fmuctest.Link
	n.Drop = func(l fmuctest.Link, s stanza.Stanza) bool {
		asked = append(asked, l)
		return s.Head().ID == "lose"
	}
	n.Send(msg("u@users.a.lit/1", "a.lit", "lose"))
	n.Send(msg("u@users.a.lit/1", "a.lit", "keep"))
	_, err := n.Stabilize()
	require.NoError(t, err)
	tr := n.Traffic("a.lit", "b.lit")
	assert.Equal(t, 1, tr.Stanzas)
	assert.Equal(t, 1, tr.Dropped)
	assert.Equal(t, []fmuctest.Link{{From: "a.lit", To: "b.lit"}, {From: "a.lit", To: "b.lit"}}, asked)
}

// TestReceivedPeek: a client's inbox keeps arrival order; Peek leaves it,
// Received empties it.
func TestReceivedPeek(t *testing.T) {
	n := fmuctest.New(t0)
	u := stanza.MustParse("u@a.lit/1")
	n.Send(msg("v@b.lit/1", u.String(), "1"))
	n.Send(msg("v@b.lit/1", u.String(), "2"))
	_, err := n.Stabilize()
	require.NoError(t, err)
	ids := func(ss []stanza.Stanza) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Head().ID)
		}
		return out
	}
	assert.Equal(t, []string{"1", "2"}, ids(n.Peek(u)))
	assert.Equal(t, []string{"1", "2"}, ids(n.Received(u)))
	assert.Empty(t, n.Received(u))
	assert.Empty(t, n.Peek(u))
}

// TestTrafficAndLinks: only stanzas between two different services are
// counted, in bytes as encoded; Links lists the links sorted.
func TestTrafficAndLinks(t *testing.T) {
	n := fmuctest.New(t0)
	for _, d := range []string{"c.lit", "a.lit", "b.lit"} {
		n.Add(d, &fake{name: d})
	}
	var bytes int64
	for _, s := range []*stanza.Message{msg("b.lit", "a.lit", "1"), msg("a.lit", "c.lit", "2"), msg("a.lit", "b.lit", "3"), msg("a.lit", "b.lit", "4")} {
		n.Send(s)
		if s.ID != "1" && s.ID != "2" {
			bytes += int64(len(stanza.Encode(s)))
		}
	}
	n.Send(msg("u@users.a.lit/1", "b.lit", "client")) // from a client: not a link
	n.Send(msg("a.lit", "a.lit", "self"))             // within one service
	_, err := n.Stabilize()
	require.NoError(t, err)
	assert.Equal(t, []fmuctest.Link{{"a.lit", "b.lit"}, {"a.lit", "c.lit"}, {"b.lit", "a.lit"}}, n.Links())
	assert.Equal(t, fmuctest.Traffic{Stanzas: 2, Bytes: bytes}, n.Traffic("a.lit", "b.lit"))
	assert.Equal(t, fmuctest.Traffic{}, n.Traffic("c.lit", "a.lit"))
}

// TestLogRecord: with Record set, Log returns a line per delivery (drops
// marked DROP) and forgets them; without it, nothing is kept.
func TestLogRecord(t *testing.T) {
	n := fmuctest.New(t0)
	n.Add("a.lit", &fake{name: "a.lit"})
	n.Add("b.lit", &fake{name: "b.lit"})
	n.Send(msg("a.lit", "b.lit", "quiet"))
	_, err := n.Stabilize()
	require.NoError(t, err)
	assert.Empty(t, n.Log())

	n.Record = true
	n.Partition("a.lit", "b.lit")
	n.Send(msg("a.lit", "b.lit", "cut"))
	n.Send(msg("a.lit", "u@users.b.lit/1", "to-client"))
	_, err = n.Stabilize()
	require.NoError(t, err)
	assert.Equal(t, []string{
		"DROP <message from='a.lit' to='b.lit' id='cut' type='normal'/>",
		"<message from='a.lit' to='u@users.b.lit/1' id='to-client' type='normal'/>",
	}, n.Log())
	assert.Empty(t, n.Log())
}

// shaped returns a network of a.lit and b.lit, noting what each gets and
// when in the returned log, with their link shaped as s.
func shaped(t *testing.T, s fmuctest.LinkShape) (*fmuctest.Network, *[]string) {
	t.Helper()
	var log []string
	n := fmuctest.New(t0)
	n.Add("a.lit", &fake{name: "a.lit", ticks: &log, seen: true})
	n.Add("b.lit", &fake{name: "b.lit", ticks: &log, seen: true})
	require.NoError(t, n.Shape("a.lit", "b.lit", s))
	return n, &log
}

// size is the encoded size of the stanzas of msg with a one-character id
// from a.lit to b.lit.
var size = len(stanza.Encode(msg("a.lit", "b.lit", "1")))

// TestShapeDelayAndRate: a stanza on a shaped link arrives after its
// transmission time and the delay; stanzas queue behind each other for
// the rate but not for the delay; Stabilize leaves what is not due, and
// the bytes are counted when they arrive. The other direction is a queue
// of its own.
func TestShapeDelayAndRate(t *testing.T) {
	// One stanza a second at this rate.
	n, log := shaped(t, fmuctest.LinkShape{Delay: 500 * time.Millisecond, BytesPerSecond: size})
	for _, id := range []string{"1", "2", "3"} {
		n.Send(msg("a.lit", "b.lit", id))
	}
	n.Send(msg("b.lit", "a.lit", "4"))
	_, err := n.Stabilize()
	require.NoError(t, err)
	assert.Empty(t, *log)
	assert.Equal(t, 3, n.InFlight("a.lit", "b.lit"))
	assert.Equal(t, fmuctest.Traffic{}, n.Traffic("a.lit", "b.lit"))

	require.NoError(t, n.Advance(2*time.Second))
	assert.Equal(t, []string{"b.lit got 1 at +1.5s", "a.lit got 4 at +1.5s"}, *log)
	assert.Equal(t, fmuctest.Traffic{Stanzas: 1, Bytes: int64(size)}, n.Traffic("a.lit", "b.lit"))
	require.NoError(t, n.Advance(10*time.Second))
	assert.Equal(t, []string{"b.lit got 1 at +1.5s", "a.lit got 4 at +1.5s", "b.lit got 2 at +2.5s", "b.lit got 3 at +3.5s"}, *log)
	assert.Zero(t, n.InFlight("a.lit", "b.lit"))

	// An idle link sends at once: the next stanza takes one second and
	// the delay from now.
	*log = nil
	n.Send(msg("a.lit", "b.lit", "5"))
	require.NoError(t, n.Advance(10*time.Second))
	assert.Equal(t, []string{"b.lit got 5 at +13.5s"}, *log)
}

// TestShapeAdvanceOrder: Advance interleaves arrivals and timers in time
// order, an arrival first at the same instant; what an arrival causes is
// shaped in its turn; Stabilize delivers what is due now.
func TestShapeAdvanceOrder(t *testing.T) {
	var log []string
	n := fmuctest.New(t0)
	n.Add("a.lit", &fake{name: "a.lit", ticks: &log, seen: true, deadlines: []time.Time{t0.Add(time.Second), t0.Add(3 * time.Second)}})
	n.Add("b.lit", &fake{name: "b.lit", ticks: &log, seen: true, reply: forward("b.lit", "a.lit")})
	require.NoError(t, n.Shape("a.lit", "b.lit", fmuctest.LinkShape{Delay: time.Second}))
	n.Send(msg("a.lit", "b.lit", "ping"))
	require.NoError(t, n.Advance(5*time.Second))
	assert.Equal(t, []string{
		"b.lit got ping at +1s",
		"a.lit at +1s",
		"a.lit got ping at +2s",
		"a.lit at +3s",
	}, log)

	// A link too fast to take any virtual time delivers on Stabilize.
	log = nil
	require.NoError(t, n.Shape("a.lit", "b.lit", fmuctest.LinkShape{BytesPerSecond: 1 << 50}))
	n.Send(msg("a.lit", "b.lit", "now"))
	_, err := n.Stabilize()
	require.NoError(t, err)
	assert.Equal(t, []string{"b.lit got now at +5s", "a.lit got now at +5s"}, log)
}

// TestShapeJitter: jitter from a seeded source delays each stanza by at
// most Jitter, never reorders a link, and the same seed gives the same
// arrival times.
func TestShapeJitter(t *testing.T) {
	run := func(seed uint64) []string {
		n, log := shaped(t, fmuctest.LinkShape{Delay: time.Second, Jitter: 3 * time.Second, Rand: rand.New(rand.NewPCG(seed, 1))})
		for i := range 20 {
			n.Send(msg("a.lit", "b.lit", fmt.Sprint(i%10)))
			require.NoError(t, n.Advance(500*time.Millisecond))
		}
		require.NoError(t, n.Advance(time.Minute))
		return *log
	}
	log := run(7)
	require.Len(t, log, 20)
	var last time.Duration
	spread := map[time.Duration]bool{}
	for i, l := range log {
		var id int
		var d string
		_, err := fmt.Sscanf(l, "b.lit got %d at +%s", &id, &d)
		require.NoError(t, err, l)
		at, err := time.ParseDuration(d)
		require.NoError(t, err, l)
		assert.Equal(t, i%10, id, "in order")
		sent := time.Duration(i) * 500 * time.Millisecond
		assert.GreaterOrEqual(t, at, sent+time.Second, l)
		assert.GreaterOrEqual(t, at, last, l)
		spread[at-sent] = true
		last = at
	}
	assert.Greater(t, len(spread), 5, "delays vary")
	assert.Equal(t, log, run(7))
	assert.NotEqual(t, log, run(8))
}

// TestShapeErrors: Shape refuses negative values and jitter without a
// source.
func TestShapeErrors(t *testing.T) {
	n := fmuctest.New(t0)
	require.ErrorIs(t, n.Shape("a.lit", "b.lit", fmuctest.LinkShape{Delay: -1}), fmuctest.ErrShape)
	require.ErrorIs(t, n.Shape("a.lit", "b.lit", fmuctest.LinkShape{BytesPerSecond: -1}), fmuctest.ErrShape)
	require.ErrorIs(t, n.Shape("a.lit", "b.lit", fmuctest.LinkShape{Jitter: time.Second}), fmuctest.ErrShape)
}

// TestShapeRemoved: the zero shape makes a link instantaneous again, but
// what it sends does not overtake what is still in flight; client traffic
// is never shaped.
func TestShapeRemoved(t *testing.T) {
	n, log := shaped(t, fmuctest.LinkShape{Delay: time.Second})
	n.Send(msg("a.lit", "b.lit", "1"))
	n.Send(msg("u@users.a.lit/1", "b.lit", "c"))
	_, err := n.Stabilize()
	require.NoError(t, err)
	assert.Equal(t, []string{"b.lit got c at +0s"}, *log)
	require.NoError(t, n.Shape("a.lit", "b.lit", fmuctest.LinkShape{}))
	n.Send(msg("a.lit", "b.lit", "2"))
	require.NoError(t, n.Advance(2*time.Second))
	assert.Equal(t, []string{"b.lit got c at +0s", "b.lit got 1 at +1s", "b.lit got 2 at +1s"}, *log)
	*log = nil
	n.Send(msg("a.lit", "b.lit", "3"))
	_, err = n.Stabilize()
	require.NoError(t, err)
	assert.Equal(t, []string{"b.lit got 3 at +2s"}, *log)
}

// TestDropConnection: a dropped connection loses what is in flight both
// ways, bounced to the senders with Bounce set and recorded; what is sent
// afterwards travels on a new, empty stream and arrives after its own
// transmission time and the delay.
func TestDropConnection(t *testing.T) {
	n, log := shaped(t, fmuctest.LinkShape{Delay: time.Second, BytesPerSecond: size})
	n.Bounce, n.Record = true, true
	for _, id := range []string{"1", "2", "3"} {
		n.Send(msg("a.lit", "b.lit", id))
	}
	n.Send(msg("b.lit", "a.lit", "4"))
	require.NoError(t, n.Advance(2500*time.Millisecond))
	assert.Equal(t, []string{"b.lit got 1 at +2s", "a.lit got 4 at +2s"}, *log)
	n.Log()

	n.DropConnection("b.lit", "a.lit")
	assert.Zero(t, n.InFlight("a.lit", "b.lit"))
	assert.Equal(t, 2, n.Traffic("a.lit", "b.lit").Dropped)
	n.Send(msg("a.lit", "b.lit", "5"))
	_, err := n.Stabilize()
	require.NoError(t, err)
	assert.Equal(t, []string{"b.lit got 1 at +2s", "a.lit got 4 at +2s", "a.lit got 2 (error) at +2.5s", "a.lit got 3 (error) at +2.5s"}, *log)
	require.NoError(t, n.Advance(time.Minute))
	assert.Equal(t, "b.lit got 5 at +4.5s", (*log)[4], "not behind the lost stanzas")
	assert.Len(t, *log, 5)
	l := n.Log()
	require.Len(t, l, 5)
	assert.Equal(t, "DROP <message from='a.lit' to='b.lit' id='2' type='normal'/>", l[0])
	assert.Contains(t, l[1], "BOUNCE <message from='b.lit' to='a.lit' id='2' type='error'>")
	assert.Equal(t, fmuctest.Traffic{Stanzas: 2, Bytes: 2 * int64(size), Dropped: 2}, n.Traffic("a.lit", "b.lit"))

	// On an instantaneous link nothing is in flight: nothing is lost.
	m := fmuctest.New(t0)
	m.Add("a.lit", &fake{name: "a.lit"})
	m.Add("b.lit", &fake{name: "b.lit"})
	m.DropConnection("a.lit", "b.lit")
	m.Send(msg("a.lit", "b.lit", "1"))
	_, err = m.Stabilize()
	require.NoError(t, err)
	assert.Equal(t, fmuctest.Traffic{Stanzas: 1, Bytes: int64(size)}, m.Traffic("a.lit", "b.lit"))
}

// TestPartitionInFlight: a partition loses what is in flight on a shaped
// link too, and what is sent until the heal.
func TestPartitionInFlight(t *testing.T) {
	n, log := shaped(t, fmuctest.LinkShape{Delay: time.Second})
	n.Send(msg("a.lit", "b.lit", "1"))
	_, err := n.Stabilize()
	require.NoError(t, err)
	n.Partition("a.lit", "b.lit")
	n.Send(msg("a.lit", "b.lit", "2"))
	require.NoError(t, n.Advance(time.Minute))
	assert.Empty(t, *log)
	assert.Equal(t, fmuctest.Traffic{Dropped: 2}, n.Traffic("a.lit", "b.lit"))
	n.Heal("a.lit", "b.lit")
	n.Send(msg("a.lit", "b.lit", "3"))
	require.NoError(t, n.Advance(time.Minute))
	assert.Equal(t, []string{"b.lit got 3 at +1m1s"}, *log)
}
