package fmuc_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/fmuc/fmuctest"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// clientServer is denmark.lit's own server for the plain-MUC half of
// TestConstrainedLinkThroughput: its users' stanzas leave from it, and
// what is sent to them reaches it over the server-to-server link and
// stays in their inboxes here (the hop to the client is not measured).
type clientServer struct {
	inbox map[stanza.JID][]stanza.Stanza
}

func (c *clientServer) Handle(_ time.Time, in stanza.Stanza) []stanza.Stanza {
	c.inbox[in.Head().To] = append(c.inbox[in.Head().To], in)
	return nil
}

func (c *clientServer) Tick(time.Time) []stanza.Stanza { return nil }

func (c *clientServer) NextDeadline() time.Time { return time.Time{} }

// groupchats counts the groupchat messages with a body in ss.
func groupchats(ss []stanza.Stanza) int {
	n := 0
	for _, s := range ss {
		if m, ok := s.(*stanza.Message); ok && m.Type == stanza.MessageGroupchat {
			if _, ok := m.Body(); ok {
				n++
			}
		}
	}
	return n
}

// TestConstrainedLinkThroughput measures how many groupchat messages a
// minute a room sustains for 20 remote occupants over a 2,400 bit/s link
// with a one-second delay (fmuctest.LinkShape: 300 bytes of stanzas a
// second each way, no framing counted), alice on rooms.wonderland.lit
// offering two messages a second, far beyond what the link carries:
//   - FMUC: rabbithole on rooms.wonderland.lit, elsinore on
//     talk.denmark.lit federated with it, the 20 users in elsinore; one
//     copy of each message crosses the link.
//   - Plain MUC: the 20 users (of denmark.lit) in rabbithole itself. Their
//     server, denmark.lit, is a service on the network so that everything
//     between them and the room crosses the shaped wonderland-denmark.lit
//     link; one copy per user crosses it.
//
// The rooms are set up over an instantaneous link; the link is shaped for
// the measurement, which counts, from the fifth to the tenth minute of
// virtual time, the messages one denmark user receives and the bytes
// that cross the link to denmark.
func TestConstrainedLinkThroughput(t *testing.T) {
	const (
		users   = 20
		rate    = 2400 / 8
		delay   = time.Second
		offered = 500 * time.Millisecond // between two messages of alice
		warmup  = 5                      // minutes
		minutes = 10
	)
	type figure struct {
		perMinute float64
		bytes     float64 // per message, on the link to denmark
		stanzas   float64
	}
	// run sends alice's messages for the minutes, counting from warmup
	// the messages at one user (got) and the traffic (link).
	run := func(w *world, got func() int, link func() fmuctest.Traffic) figure {
		var msgs int
		var start fmuctest.Traffic
		n := 0
		for minute := range minutes {
			if minute == warmup {
				got()
				start = link()
			}
			for range int(time.Minute / offered) {
				n++
				w.say(alice, rabbithole, fmt.Sprint("m", n), fmt.Sprintf("message %d from alice", n))
				require.NoError(t, w.net.Advance(offered))
			}
			if minute >= warmup {
				msgs += got()
			}
			w.net.Received(stanza.MustParse(alice))
		}
		end := link()
		require.NotZero(t, msgs)
		return figure{
			perMinute: float64(msgs) / (minutes - warmup),
			bytes:     float64(end.Bytes-start.Bytes) / float64(msgs),
			stanzas:   float64(end.Stanzas-start.Stanzas) / float64(msgs),
		}
	}
	shape := fmuctest.LinkShape{Delay: delay, BytesPerSecond: rate}

	// FMUC. Alice offers more than an occupant's default message rate
	// (muc.Limits.MessageInterval): the measurement is of the link.
	unlimited := muc.Limits{MessageBurst: muc.Unlimited}
	w := newWorld(t)
	w.limits = unlimited
	w.net.Record = false
	pair(w, fmuc.MasterMaster)
	w.create(alice, rabbithole, "Alice")
	for i := range users {
		w.join(fmt.Sprintf("d%d@denmark.lit/x", i), elsinore, fmt.Sprint("D", i))
	}
	require.NoError(t, w.net.Shape(wonderland, denmark, shape))
	d0 := stanza.MustParse("d0@denmark.lit/x")
	w.net.Received(d0)
	fm := run(w, func() int { return groupchats(w.net.Received(d0)) }, func() fmuctest.Traffic { return w.net.Traffic(wonderland, denmark) })

	// Plain MUC.
	p := newWorld(t)
	p.limits = unlimited
	p.net.Record = false
	p.service(wonderland, nil)
	server := &clientServer{inbox: map[stanza.JID][]stanza.Stanza{}}
	p.net.Add("denmark.lit", server)
	p.create(alice, rabbithole, "Alice")
	for i := range users {
		p.join(fmt.Sprintf("d%d@denmark.lit/x", i), rabbithole, fmt.Sprint("D", i))
	}
	room, ok := p.svcs[wonderland].MUC().Room(stanza.MustParse(rabbithole))
	require.True(t, ok)
	require.Equal(t, 1+users, room.Len())
	require.NoError(t, p.net.Shape(wonderland, "denmark.lit", shape))
	received := func() int {
		n := groupchats(server.inbox[d0])
		clear(server.inbox)
		return n
	}
	received()
	pm := run(p, received, func() fmuctest.Traffic { return p.net.Traffic(wonderland, "denmark.lit") })

	t.Logf("2,400 bit/s, %s delay, %d remote occupants, alice offering %d messages a minute:", delay, users, int(time.Minute/offered))
	t.Logf("%-10s %16s %18s %18s", "", "messages/minute", "bytes/message", "stanzas/message")
	t.Logf("%-10s %16.1f %18.0f %18.1f", "FMUC", fm.perMinute, fm.bytes, fm.stanzas)
	t.Logf("%-10s %16.1f %18.0f %18.1f", "plain MUC", pm.perMinute, pm.bytes, pm.stanzas)

	// What a 300-byte-a-second link can carry, give or take a message.
	for _, f := range []figure{fm, pm} {
		assert.InDelta(t, rate*60/f.bytes, f.perMinute, 1)
	}
	assert.Greater(t, fm.perMinute, 10*pm.perMinute)
	assert.InDelta(t, 1, fm.stanzas, 0.05)
	assert.InDelta(t, users, pm.stanzas, 2, "copies in flight at the ends of the window blur it")
}
