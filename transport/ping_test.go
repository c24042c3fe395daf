package transport

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/internal/fakeserver"
	"github.com/xmppfmuc/fmuc/stanza"
)

const (
	pingInterval = 50 * time.Millisecond
	pingTimeout  = 100 * time.Millisecond
	// detectSlack is what a detection may take beyond PingInterval +
	// PingTimeout: generous, for a loaded machine under -race.
	detectSlack = 2 * time.Second
)

func pinging(c *Config, _ *testMachine) {
	c.PingInterval, c.PingTimeout = pingInterval, pingTimeout
}

// expectPing reads the next stanza and checks that it is a liveness ping
// to want.
func expectPing(t *testing.T, conn *fakeserver.Conn, want string) {
	t.Helper()
	st, err := conn.NextStanza(wait)
	require.NoError(t, err)
	iq, ok := st.(*stanza.IQ)
	require.True(t, ok, "got %s", stanza.Encode(st))
	assert.Equal(t, stanza.IQGet, iq.Type)
	assert.Equal(t, testDomain, iq.From.String())
	assert.Equal(t, want, iq.To.String())
	require.Len(t, iq.Children, 1)
	assert.True(t, iq.Children[0].Is("urn:xmpp:ping", "ping"), "XEP-0199 payload")
}

// expectLossWithin waits for ConnectionChanged(false) and checks that it
// came within bound of since.
func expectLossWithin(t *testing.T, m *testMachine, since time.Time, bound time.Duration) time.Duration {
	t.Helper()
	expectChange(t, m, false)
	took := time.Since(since)
	assert.Less(t, took, bound, "loss detected after %v", took)
	return took
}

// TestPingHungServer: a server that completes the handshake and then
// reads everything but never sends a byte is found dead within
// PingInterval + PingTimeout, and the component reconnects.
func TestPingHungServer(t *testing.T) {
	srv := listen(t, "127.0.0.1:0") // answers nothing by default
	r := start(t, srv.Addr(), pinging)
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	up := time.Now()
	expectPing(t, conn, testDomain)
	took := expectLossWithin(t, r.m, up, pingInterval+pingTimeout+detectSlack)
	t.Logf("hung server found after %v (interval %v + timeout %v)", took, pingInterval, pingTimeout)
	st := r.c.Stats()
	assert.Equal(t, uint64(1), st.PingTimeouts)
	assert.Equal(t, uint64(1), st.Pings)

	conn2, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	roundTrip(t, conn2, "after")
}

// TestPingHalfOpen: a connection on which the server neither reads nor
// writes any more, without closing it (a peer that vanished, a black-holed
// route), is found dead the same way.
func TestPingHalfOpen(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	srv.Stall(true)
	r := start(t, srv.Addr(), pinging)
	_, err := srv.Accept(wait)
	require.NoError(t, err)
	srv.Stall(false) // for the next connection only
	expectChange(t, r.m, true)
	expectLossWithin(t, r.m, time.Now(), pingInterval+pingTimeout+detectSlack)
	assert.Equal(t, uint64(1), r.c.Stats().PingTimeouts)

	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	roundTrip(t, conn, "after")
}

// TestPingAnswered: a server that answers pings keeps the stream, whether
// it routes a self-addressed ping back, answers with a result or answers
// with an error; the answers never reach the Machine.
func TestPingAnswered(t *testing.T) {
	tests := []struct {
		name   string
		reply  fakeserver.PingReply
		pingTo string
	}{
		{name: "routed back to the component", reply: fakeserver.PingRoute},
		{name: "result from the server's host", reply: fakeserver.PingResult, pingTo: "example.org"},
		{name: "service-unavailable from the server's host", reply: fakeserver.PingError, pingTo: "example.org"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := listen(t, "127.0.0.1:0")
			srv.AnswerPings(tt.reply)
			r := start(t, srv.Addr(), func(c *Config, _ *testMachine) {
				// A timeout no loaded machine misses; pings still go out
				// every PingInterval of silence.
				c.PingInterval, c.PingTimeout = pingInterval, wait/2
				c.PingTo = tt.pingTo
			})
			conn, err := srv.Accept(wait)
			require.NoError(t, err)
			expectChange(t, r.m, true)
			want := tt.pingTo
			if want == "" {
				want = testDomain
			}
			// Several pings, each answered, well past interval + timeout.
			for range 5 {
				expectPing(t, conn, want)
			}
			roundTrip(t, conn, "still-up")
			assert.ErrorIs(t, r.stop(t), context.Canceled)
			expectChange(t, r.m, false)
			st := r.c.Stats()
			assert.GreaterOrEqual(t, st.Pings, uint64(5))
			assert.Zero(t, st.PingTimeouts)
			assert.Zero(t, st.Reconnects)
			assert.Equal(t, uint64(1), st.In, "only the message reached the Machine")
			assert.Equal(t, uint64(1), st.Out, "pings are not counted in Out")
			assert.Len(t, r.m.handled, 1)
		})
	}
}

// TestPingAnyTrafficCountsAsLife: whitespace from the server is enough to
// keep the stream, even when pings go unanswered.
func TestPingAnyTrafficCountsAsLife(t *testing.T) {
	srv := listen(t, "127.0.0.1:0") // never answers pings
	r := start(t, srv.Addr(), func(c *Config, _ *testMachine) {
		c.PingInterval, c.PingTimeout = 100*time.Millisecond, 300*time.Millisecond
	})
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	for end := time.Now().Add(time.Second); time.Now().Before(end); {
		require.NoError(t, conn.Send(" "))
		time.Sleep(10 * time.Millisecond)
	}
	roundTrip(t, conn, "still-up")
	st := r.c.Stats()
	assert.Zero(t, st.PingTimeouts)
	assert.Zero(t, st.Reconnects)
	select {
	case up := <-r.m.changes:
		t.Fatalf("unexpected ConnectionChanged(%v)", up)
	default:
	}
}

func TestIsPingAnswer(t *testing.T) {
	self, err := New(testConfig("127.0.0.1:1", newTestMachine()))
	require.NoError(t, err)
	cfg := testConfig("127.0.0.1:1", newTestMachine())
	cfg.PingTo = "Example.org"
	host, err := New(cfg)
	require.NoError(t, err)
	iq := func(from, id, typ string) stanza.Stanza {
		return &stanza.IQ{Header: stanza.Header{From: stanza.MustParse(from), To: stanza.MustParse(testDomain), ID: id, Type: typ}}
	}
	tests := []struct {
		name string
		c    *Component
		st   stanza.Stanza
		want bool
	}{
		{"own ping routed back", self, iq(testDomain, pingIDPrefix+"3", stanza.IQGet), true},
		{"error from own domain", self, iq(testDomain, pingIDPrefix+"3", stanza.IQError), true},
		{"result from the host", host, iq("example.org", pingIDPrefix+"1", stanza.IQResult), true},
		{"error from the host", host, iq("example.org", pingIDPrefix+"1", stanza.IQError), true},
		{"a get from the host is a request, not an answer", host, iq("example.org", pingIDPrefix+"1", stanza.IQGet), false},
		{"another id", host, iq("example.org", "disco1", stanza.IQResult), false},
		{"another sender", host, iq("juliet@example.org/b", pingIDPrefix+"1", stanza.IQResult), false},
		{"not an iq", self, &stanza.Message{Header: stanza.Header{From: stanza.MustParse(testDomain), ID: pingIDPrefix + "1"}}, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.c.isPingAnswer(tt.st), tt.name)
	}
}

// TestLivenessSteps walks the liveness check through its decisions on a
// session whose clock is set by hand: ping after PingInterval of silence,
// wait for PingTimeout, give up without a sign of life; a sign of life,
// a reader held by back-pressure or queued output each change that.
func TestLivenessSteps(t *testing.T) {
	cfg := testConfig("127.0.0.1:1", newTestMachine())
	cfg.PingInterval, cfg.PingTimeout = time.Minute, 30*time.Second
	c, err := New(cfg)
	require.NoError(t, err)
	local, remote := net.Pipe()
	defer remote.Close()
	defer local.Close()
	got := make(chan string, 16)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := remote.Read(buf)
			if err != nil {
				return
			}
			got <- string(buf[:n])
		}
	}()
	s := newSession(local, c)
	// heardAgo pretends that the server was last heard d ago.
	heardAgo := func(d time.Duration) { s.heard.Store(int64(time.Since(s.epoch) - d)) }
	var pingedAt time.Time

	heardAgo(10 * time.Second)
	next, wrote, err := s.liveness(c, &pingedAt)
	require.NoError(t, err)
	assert.False(t, wrote, "heard recently: no ping")
	assert.InDelta(t, float64(50*time.Second), float64(next), float64(time.Second))

	heardAgo(2 * time.Minute)
	s.handing.Store(true)
	_, wrote, err = s.liveness(c, &pingedAt)
	require.NoError(t, err)
	assert.False(t, wrote, "the reader is held by back-pressure: not the server's silence")
	s.handing.Store(false)

	s.queue <- []byte("<message/>")
	_, wrote, err = s.liveness(c, &pingedAt)
	require.NoError(t, err)
	assert.False(t, wrote, "output queued: the ping waits for the writer to catch up")
	<-s.queue

	next, wrote, err = s.liveness(c, &pingedAt)
	require.NoError(t, err)
	assert.True(t, wrote, "silent for PingInterval: ping")
	assert.Equal(t, cfg.PingTimeout, next)
	assert.Contains(t, <-got, "<ping xmlns='urn:xmpp:ping'/>")

	// An answer (any byte) after the ping: back to waiting for silence.
	s.heardNow()
	_, wrote, err = s.liveness(c, &pingedAt)
	require.NoError(t, err)
	assert.False(t, wrote)
	assert.True(t, pingedAt.IsZero(), "the ping was answered")

	// Another ping, then silence past PingTimeout.
	heardAgo(2 * time.Minute)
	_, wrote, err = s.liveness(c, &pingedAt)
	require.NoError(t, err)
	require.True(t, wrote)
	<-got
	next, _, err = s.liveness(c, &pingedAt)
	require.NoError(t, err, "still within PingTimeout")
	assert.LessOrEqual(t, next, cfg.PingTimeout)
	pingedAt = pingedAt.Add(-cfg.PingTimeout)
	_, _, err = s.liveness(c, &pingedAt)
	assert.ErrorIs(t, err, errPingTimeout)
	assert.Equal(t, uint64(1), c.Stats().PingTimeouts)
	assert.Equal(t, uint64(2), c.Stats().Pings)
}
