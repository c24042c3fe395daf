package fmuctest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/fmuc/fmuctest"
	"github.com/xmppfmuc/fmuc/stanza"
)

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

// fake is a Machine for the network's own tests: it answers each stanza
// with what reply returns, and fires its timers in order, noting each
// firing in ticks and telling its user (u@users.<name>/1). The network
// routes by domain, so users live on domains of their own.
type fake struct {
	name      string
	reply     func(in stanza.Stanza) []stanza.Stanza
	deadlines []time.Time // sorted
	ticks     *[]string
}

func (f *fake) Handle(_ time.Time, in stanza.Stanza) []stanza.Stanza {
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
