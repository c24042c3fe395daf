package e2e

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/internal/servers"
	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// answers counts what a flooder's sessions receive, by the id prefix of
// the stanza answered and "ok" or the error condition.
type answers struct {
	mu    sync.Mutex
	n     map[string]int
	texts map[string]string
}

func (a *answers) add(key, text string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.n[key]++
	if text != "" && a.texts[key] == "" {
		a.texts[key] = text
	}
}

func (a *answers) get(key string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n[key]
}

// sum returns the answers to requests with id prefix kind.
func (a *answers) sum(kind string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for k, v := range a.n {
		if strings.HasPrefix(k, kind+":") {
			n += v
		}
	}
	return n
}

// collect reads everything c receives until ctx ends and counts the
// answers to the flooder's requests (ids "kind-N") sent from c: errors,
// self-presences (110) and, when c sent the messages, their reflections.
// The other sessions of the flooder also see its presence and messages,
// with the same ids: those are not answers.
func (a *answers) collect(ctx context.Context, c *xmppclient.Client, sentMessages bool) {
	for {
		st, err := c.Recv(ctx)
		if err != nil {
			return
		}
		h := st.Head()
		kind, _, ok := strings.Cut(h.ID, "-")
		if !ok {
			continue
		}
		if e, isErr := stanza.ErrorOf(st); isErr {
			a.add(kind+":"+string(e.Type)+"/"+string(e.Condition), e.Text)
			continue
		}
		// Answers that are not errors: self-presences (joins, status
		// changes; the creator's carries 201) and the reflections of the
		// flooder's own messages.
		switch st.(type) {
		case *stanza.Presence:
			var x stanza.MUCUser
			if found, _ := stanza.Find(st, stanza.NSMUCUser, "x", &x); !found || !x.HasStatus(110) {
				continue
			}
		case *stanza.Message:
			if !sentMessages {
				continue
			}
		}
		a.add(kind+":ok", "")
	}
}

// waitFor polls until cond holds or fails after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestFlooder: one account (mallory, a user of the node's own server, so
// that it may create rooms) floods a node running with its default
// limits: it tries to create 200 rooms, to join one room from 7
// resources, to send 100 messages and 30 status changes at once, and a
// nick and a status text beyond the size limits. Each abuse is refused
// with the documented error, the node's heap stays within a bound, and an
// honest room on the same node keeps its latency: three occupants each
// send a message a second (within the rate) while the flood runs, and
// the test reports the p99 of the time to their reflection.
func TestFlooder(t *testing.T) { flood(t, false) }

// TestFlooderS2S is TestFlooder with mallory on a second server,
// looking-glass.lit, reaching the node over s2s: its room creations are
// refused with not-allowed (the node lets users of its own server create
// rooms), the other abuses as for a local user.
func TestFlooderS2S(t *testing.T) { flood(t, true) }

func flood(t *testing.T, remote bool) {
	var srv, home *servers.Server
	if remote {
		dns, err := servers.StartDNS()
		require.NoError(t, err)
		t.Cleanup(func() { _ = dns.Close() })
		srv = servers.StartProsody(t, servers.ProsodyOptions{Accounts: testAccounts(), DNS: dns})
		home = servers.StartProsody(t, servers.ProsodyOptions{Domain: "looking-glass.lit", DNS: dns,
			Accounts: []servers.Account{{User: "mallory", Password: password}}})
	} else {
		srv = servers.StartProsody(t, servers.ProsodyOptions{Accounts: append(testAccounts(), servers.Account{User: "mallory", Password: password})})
		home = srv
	}
	h := attach(t, srv)
	lim := muc.DefaultLimits

	alice, bob, dave, carol := h.client("alice"), h.client("bob"), h.client("dave"), h.client("carol")
	tea := h.room("tea")
	createInstant(t, alice, tea, "Alice")
	mustJoin(t, bob, tea, "Bob", "")
	mustJoin(t, dave, tea, "Dave", "")
	flood := h.room("flood")
	createInstant(t, carol, flood, "Carol")

	const resources = 7
	var mal []*xmppclient.Client
	for i := range resources {
		jid := stanza.MustParse(fmt.Sprintf("mallory@%s/r%d", home.Domain, i))
		c, err := xmppclient.DialConfig(ctx(t), xmppclient.Config{Addr: home.C2SAddr(), JID: jid, Password: password, Presence: true})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		mal = append(mal, c)
	}
	h.waitServing(mal[0])
	got := &answers{n: map[string]int{}, texts: map[string]string{}}
	cctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i, c := range mal {
		go got.collect(cctx, c, i == 0)
	}
	heapBefore := heapAlloc()

	// The honest room: three senders within the rate, each timing the
	// reflection of its own messages.
	const perSender = 15
	var (
		lmu       sync.Mutex
		latencies []time.Duration
		honestErr = make(chan error, 3)
	)
	start := time.Now()
	for i, c := range []*xmppclient.Client{alice, bob, dave} {
		go func() {
			time.Sleep(time.Duration(i) * time.Second / 3)
			for k := range perSender {
				body := fmt.Sprintf("honest %d.%d", i, k)
				t0 := time.Now()
				m := &stanza.Message{Header: stanza.Header{To: tea, Type: stanza.MessageGroupchat, ID: fmt.Sprintf("h%d.%d", i, k)},
					Children: []stanza.Element{stanza.TextElement("body", body)}}
				if err := c.Send(m); err != nil {
					honestErr <- err
					return
				}
				cx, cancel := context.WithTimeout(context.Background(), wait)
				_, err := c.Expect(cx, groupchat(tea, body))
				cancel()
				if err != nil {
					honestErr <- fmt.Errorf("%s: %s: %w", c.JID(), body, err)
					return
				}
				lmu.Lock()
				latencies = append(latencies, time.Since(t0))
				lmu.Unlock()
				time.Sleep(time.Until(start.Add(time.Duration(k+1)*time.Second + time.Duration(i)*time.Second/3)))
			}
			honestErr <- nil
		}()
	}

	// 1. Rooms: 200 creations from one session.
	const creations = 200
	for i := range creations {
		send(t, mal[0], fmt.Sprintf(`<presence id='create-%d' to='spam%d@%s/m'><x xmlns='http://jabber.org/protocol/muc'/></presence>`, i, i, h.service))
	}
	waitFor(t, 20*time.Second, "the answers to the room creations", func() bool { return got.sum("create") >= creations })

	// 2. Sessions: seven resources join one room under seven nicks.
	for i, c := range mal {
		send(t, c, fmt.Sprintf(`<presence id='session-%d' to='%s/m%d'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`, i, flood, i))
		waitFor(t, 10*time.Second, "the answer to a join", func() bool { return got.sum("session") > i })
	}

	// 3. Sizes: a nick and a status beyond the limits.
	send(t, mal[0], fmt.Sprintf(`<presence id='nick-0' to='%s/%s'/>`, flood, strings.Repeat("n", lim.MaxNick+1)))
	send(t, mal[0], fmt.Sprintf(`<presence id='status-0' to='%s/m0'><status>%s</status></presence>`, flood, strings.Repeat("s", lim.MaxStatus+1)))
	waitFor(t, 10*time.Second, "the answers to the oversize presences", func() bool { return got.sum("nick") >= 1 && got.sum("status") >= 1 })

	// 4. Rates: 100 messages and 30 status changes at once.
	const messages, changes = 100, 30
	for i := range messages {
		send(t, mal[0], fmt.Sprintf(`<message id='msg-%d' to='%s' type='groupchat'><body>spam %d</body></message>`, i, flood, i))
	}
	waitFor(t, 10*time.Second, "the answers to the messages", func() bool { return got.sum("msg") >= messages })
	for i := range changes {
		send(t, mal[0], fmt.Sprintf(`<presence id='pres-%d' to='%s/m0'><status>away %d</status></presence>`, i, flood, i))
	}
	time.Sleep(2 * time.Second) // presence over the rate is dropped: nothing to wait for

	for range 3 {
		select {
		case err := <-honestErr:
			require.NoError(t, err)
		case <-time.After(30 * time.Second):
			t.Fatal("the honest senders did not finish")
		}
	}
	heapAfter := heapAlloc()

	// What the flooder got.
	created := got.get("create:ok")
	if remote {
		assert.Zero(t, created, "rooms created")
		assert.Equal(t, creations, got.get("create:cancel/not-allowed"), "creations refused")
	} else {
		assert.Equal(t, lim.MaxRoomsPerCreator, created, "rooms created")
		assert.Equal(t, creations-lim.MaxRoomsPerCreator, got.get("create:cancel/policy-violation"), "creations refused")
	}
	assert.Equal(t, lim.MaxUserSessions, got.get("session:ok"), "sessions admitted")
	assert.Equal(t, resources-lim.MaxUserSessions, got.get("session:cancel/policy-violation"), "sessions refused")
	assert.Equal(t, 1, got.get("nick:modify/not-acceptable"), "oversize nick")
	assert.Equal(t, 1, got.get("status:modify/not-acceptable"), "oversize status")
	msgOK, msgRefused := got.get("msg:ok"), got.get("msg:wait/policy-violation")
	assert.Equal(t, messages, msgOK+msgRefused)
	assert.GreaterOrEqual(t, msgOK, lim.MessageBurst)
	assert.LessOrEqual(t, msgOK, lim.MessageBurst+2, "messages relayed: the burst and what refilled meanwhile")
	presOK := got.get("pres:ok")
	assert.GreaterOrEqual(t, presOK, lim.PresenceBurst)
	assert.LessOrEqual(t, presOK, lim.PresenceBurst+2, "status changes relayed; the rest dropped")
	for k, text := range got.texts {
		t.Logf("refusal %s: %q", k, text)
	}

	// The honest room.
	require.Len(t, latencies, 3*perSender)
	slices.Sort(latencies)
	p50, p99 := latencies[len(latencies)/2], latencies[(len(latencies)*99+99)/100-1]
	growth := int64(heapAfter) - int64(heapBefore)
	attempts := creations + resources + 2 + messages + changes
	refused := creations - created + (resources - got.get("session:ok")) + 2 + msgRefused
	t.Logf("flooder %s: %d attempts (%d creations, %d joins, 2 oversize, %d messages, %d status changes); %d refused with errors, %d status changes dropped",
		jidOf(mal[0]), attempts, creations, resources, messages, changes, refused, changes-presOK)
	t.Logf("heap (test process, node in-process): %d KiB before, %d KiB after the flood (%+d KiB)", heapBefore>>10, heapAfter>>10, growth>>10)
	t.Logf("honest room: %d messages, p50 %v, p99 %v, max %v", len(latencies), p50, p99, latencies[len(latencies)-1])
	assert.Less(t, growth, int64(64<<20), "heap growth bounded")
	assert.Less(t, p99, 500*time.Millisecond, "honest p99")
}

// jidOf returns the bare JID c is logged in as.
func jidOf(c *xmppclient.Client) string { return c.JID().Bare().String() }
