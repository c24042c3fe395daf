package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/internal/linkproxy"
	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/stanza"
	"github.com/xmppfmuc/fmuc/transport"
)

// scripted is a transport.Machine that sends what the test queues and
// keeps what it receives: the hostile peer, a component of denmark.lit's
// Prosody that speaks as talk.denmark.lit without being a node.
type scripted struct {
	mu    sync.Mutex
	queue []stanza.Stanza
	got   []stanza.Stanza
	up    bool
}

func (s *scripted) send(xml string) {
	st, err := stanza.Decode([]byte(xml))
	if err != nil {
		panic(err)
	}
	s.mu.Lock()
	s.queue = append(s.queue, st)
	s.mu.Unlock()
}

func (s *scripted) drain() []stanza.Stanza {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.up {
		return nil
	}
	q := s.queue
	s.queue = nil
	return q
}

func (s *scripted) Handle(_ time.Time, in stanza.Stanza) []stanza.Stanza {
	s.mu.Lock()
	s.got = append(s.got, in)
	s.mu.Unlock()
	return s.drain()
}

func (s *scripted) Tick(time.Time) []stanza.Stanza { return s.drain() }

// NextDeadline polls the queue every 20 ms.
func (s *scripted) NextDeadline() time.Time { return time.Now().Add(20 * time.Millisecond) }

func (s *scripted) ConnectionChanged(_ time.Time, up bool) []stanza.Stanza {
	s.mu.Lock()
	s.up = up
	s.mu.Unlock()
	return s.drain()
}

// received reports whether the peer received a stanza whose XML
// contains all of parts.
func (s *scripted) received(parts ...string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.got {
		x := string(stanza.Encode(st))
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(x, p)
		}
		if ok {
			return true
		}
	}
	return false
}

// TestFederationHostilePeer: an allowed peer, talk.denmark.lit, is hostile.
// It federates elsinore with rabbithole properly over s2s, then speaks for
// users it does not hold: alice (a user of wonderland.lit itself), hatter
// under another nick, and a denmark user it never presented. rabbithole
// drops each (logged as a spoof), the link stays up, alice sees none of
// them, and what the peer says for its own user still arrives.
func TestFederationHostilePeer(t *testing.T) {
	f := newFederation(t)
	ws := f.prosody(wonderlandLit, roomsW, accounts(wonderlandUsers))
	ds := prosodyDenmark(f)
	w := f.add(ws, federate("", nil, talkD))
	p, err := linkproxy.Listen("127.0.0.1:0", ds.S2SAddr())
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	for _, d := range []string{ds.Domain, ds.MUCDomain, ds.ComponentDomain} {
		f.dns.Add(d, p.Port())
	}
	f.proxies[ds.Domain] = p

	peer := &scripted{}
	comp, err := transport.New(transport.Config{
		Address: fmt.Sprintf("127.0.0.1:%d", ds.ComponentPort), Domain: talkD, Secret: ds.ComponentSecret, Machine: peer,
	})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- comp.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	alice := w.client("alice")
	createInstant(t, alice, rabbithole, "Alice")

	elsinore := "elsinore@" + talkD
	const hamletJID = "hamlet@denmark.lit/e2e"
	peer.send(`<presence from='` + elsinore + `/Hamlet' to='` + rabbithole.String() + `/Hamlet'><fmuc xmlns='http://isode.com/protocol/fmuc' from='` + hamletJID + `'/><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
	require.Eventually(t, func() bool {
		return peer.received("<subject", "from='"+rabbithole.String()+"'")
	}, wait, 20*time.Millisecond, "the federation join is answered (occupants, history, subject)")
	seesPresence(t, alice, occupant(rabbithole, "Hamlet"), "")

	spoofs := []string{
		// alice, a user of wonderland.lit itself.
		`<message from='` + elsinore + `/Alice2' to='` + rabbithole.String() + `' id='s1' type='groupchat'><body>spoof as alice</body><fmuc xmlns='http://isode.com/protocol/fmuc' from='alice@wonderland.lit/e2e'/></message>`,
		// hatter, also wonderland's, presented as if the peer held him.
		`<presence from='` + elsinore + `/Hatter' to='` + rabbithole.String() + `'><fmuc xmlns='http://isode.com/protocol/fmuc' from='hatter@wonderland.lit/e2e'/><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>`,
		// a denmark user the peer never presented.
		`<message from='` + elsinore + `/Ophelia' to='` + rabbithole.String() + `' id='s3' type='groupchat'><body>spoof as ophelia</body><fmuc xmlns='http://isode.com/protocol/fmuc' from='ophelia@denmark.lit/e2e'/></message>`,
	}
	for _, s := range spoofs {
		peer.send(s)
	}
	peer.send(`<message from='` + elsinore + `/Hamlet' to='` + rabbithole.String() + `' id='ok' type='groupchat'><body>hamlet for real</body><fmuc xmlns='http://isode.com/protocol/fmuc' from='` + hamletJID + `'/></message>`)
	hears(t, alice, occupant(rabbithole, "Hamlet"), "hamlet for real")
	for _, body := range []string{"spoof as alice", "spoof as ophelia"} {
		expectNot(t, alice, 300*time.Millisecond, body, xmppclient.MessageWithBody(body))
	}
	expectNot(t, alice, 300*time.Millisecond, "hatter presented by the peer", presenceFrom(occupant(rabbithole, "Hatter"), ""))
	require.Eventually(t, func() bool {
		return strings.Count(w.logs.String(), "spoofed stanza refused") >= len(spoofs)
	}, wait, 20*time.Millisecond, "each spoof is logged")
	logs := w.logs.String()
	for _, jid := range []string{"alice@wonderland.lit/e2e", "hatter@wonderland.lit/e2e", "ophelia@denmark.lit/e2e"} {
		assert.Contains(t, logs, jid, "the spoof for %s is logged with the JID", jid)
	}
	assert.NotContains(t, logs, "to=lost", "the link stays up")
	for _, reason := range []string{"groupchat in the name of this node's own user", "a peer cannot present this server's users",
		"groupchat from a user the peer does not hold"} {
		assert.Contains(t, logs, reason)
	}
}
